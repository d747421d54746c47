"""Reading a learner's export (`data.json`, alone or inside the export ZIP) for recognised prior learning.

The whole file is checked before anything is created: against LEAP's JSON Schema
(`docs/export-schema/leap-portfolio-1.schema.json`, every error with its JSON path), then LEAP's own checks (known
format and version, dates that parse and make sense, seal hashes of 64 hex digits, evidence cited that the file
holds). Any problem: the file is refused and every problem is named. Then each criterion met elsewhere is matched to
this enrolment's criteria by (qualification code, unit code, criterion number).
"""

import datetime
import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion

from .models import PriorLearningClaim

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "export-schema" / "leap-portfolio-1.schema.json"
FORMAT, VERSION = "leap-portfolio", 1
MAX_JSON_BYTES = 20 * 1024 * 1024  # data.json, alone or inside the ZIP
MAX_ZIP_BYTES = 500 * 1024 * 1024  # the whole export; larger ones: upload its data.json on its own
SEAL_HASH = re.compile(r"^[0-9a-f]{64}$")
CLOCK_SKEW = datetime.timedelta(days=1)
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


class UnreadableFile(Exception):
    """The upload is not an export LEAP can read at all (wrong type, too large, no data.json, not JSON)."""


@cache
def schema_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def read_upload(upload) -> bytes:
    """data.json's bytes from an uploaded data.json or export ZIP. Raises UnreadableFile with the reason."""
    head = upload.read(64)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04"):
        if upload.size > MAX_ZIP_BYTES:
            raise UnreadableFile(_("The ZIP is larger than %(mb)s MB. Upload the data.json it contains instead.")
                                 % {"mb": MAX_ZIP_BYTES // (1024 * 1024)})
        try:
            with zipfile.ZipFile(upload) as archive:
                found = [i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1] == "data.json"
                         and i.filename.count("/") <= 1]  # at the top, or in the ZIP's one folder
                info = min(found, key=lambda i: i.filename.count("/"), default=None)
                if info is None:
                    raise UnreadableFile(_("This ZIP has no data.json: is it a LEAP portfolio export?"))
                if info.file_size > MAX_JSON_BYTES:
                    raise UnreadableFile(_("data.json is larger than %(mb)s MB.")
                                         % {"mb": MAX_JSON_BYTES // (1024 * 1024)})
                with archive.open(info) as handle:
                    return handle.read(MAX_JSON_BYTES + 1)  # read_export refuses what is longer
        except (zipfile.BadZipFile, OSError, RuntimeError) as error:  # RuntimeError: encrypted
            raise UnreadableFile(_("The ZIP could not be read (%(error)s).") % {"error": error}) from error
    if upload.size > MAX_JSON_BYTES:
        raise UnreadableFile(_("The file is larger than %(mb)s MB. Upload data.json from a LEAP export, or the "
                               "whole export ZIP.") % {"mb": MAX_JSON_BYTES // (1024 * 1024)})
    if head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] not in (b"{", b"["):
        raise UnreadableFile(_("This is neither a JSON file nor a ZIP. Upload data.json from a LEAP portfolio "
                               "export, or the whole export ZIP."))
    return upload.read()


@dataclass
class Achieved:
    """One criterion the file shows as met, with where and how."""

    qualification: str
    unit: str
    number: str
    centre: str
    unit_title: str = ""
    achieved_at: datetime.datetime | None = None
    assessor_name: str = ""
    assessor_email: str = ""
    seal_hash: str = ""
    signed_off_at: datetime.datetime | None = None
    evidence_titles: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.qualification, self.unit, self.number


@dataclass
class Match:
    achieved: Achieved
    criterion: AssessmentCriterion


@dataclass
class Reading:
    """What a file holds for one enrolment: problems (refuse; each "JSON path: what is wrong"), warnings
    (confirm), and the criteria matched."""

    sha256: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    matched: list[Match] = field(default_factory=list)
    not_on_course: list[dict] = field(default_factory=list)
    already_met: list[Achieved] = field(default_factory=list)

    @property
    def exported_at(self) -> datetime.datetime | None:
        return _datetime(self.data.get("exported_at"))

    @property
    def source_centres(self) -> str:
        names = dict.fromkeys(m.achieved.centre for m in self.matched) or dict.fromkeys(
            str((e.get("centre") or {}).get("name", "")) for e in self.data.get("enrolments", []))
        return ", ".join(n for n in names if n)[:400]


def read_export(raw: bytes, *, enrolment: Enrolment) -> Reading:
    """Check the whole file, then match what it shows as met to `enrolment`. Reads only."""
    reading = Reading(sha256=hashlib.sha256(raw).hexdigest())
    if len(raw) > MAX_JSON_BYTES:
        reading.problems.append(_("$: data.json is larger than %(mb)s MB.") % {"mb": MAX_JSON_BYTES // (1024 * 1024)})
        return reading
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        reading.problems.append(_("$: the file is not valid JSON (%(error)s).") % {"error": error})
        return reading
    if not isinstance(data, dict):
        reading.problems.append(_("$: the file is JSON, but not a LEAP portfolio export (it is not an object)."))
        return reading
    reading.data = data
    flagged = set()
    for error in sorted(schema_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)))):
        flagged.add(error.json_path)
        reading.problems.append(f"{error.json_path}: {_schema_message(error)}")
    reading.problems.extend(_leap_problems(data, flagged))
    if reading.problems:
        return reading
    reading.warnings = _learner_warnings(data, enrolment)
    _match(reading, _achieved_in(data), enrolment)
    return reading


def _schema_message(error) -> str:
    """The schema's words for one error; for "any of" (a value or null, a hash or empty) the closest alternative's."""
    if error.validator in ("anyOf", "oneOf") and error.context:
        error = max(error.context, key=lambda e: len(e.absolute_path))
    return error.message if len(error.message) <= 240 else f"{error.message[:240]}…"


def _datetime(value) -> datetime.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _leap_problems(data: dict, flagged: set[str]) -> list[str]:
    """LEAP's own checks, beyond the schema. A path the schema already named is not named again."""
    problems = []

    def problem(path: str, text: str) -> None:
        if path not in flagged:
            problems.append(f"{path}: {text}")

    if (data.get("format") != FORMAT or data.get("version") != VERSION) and not {"$.format", "$.version"} & flagged:
        problems.append(_("$: this is not a LEAP portfolio export this version can read (format %(f)s, version "
                          "%(v)s; expected %(ef)s version %(ev)s).")
                        % {"f": json.dumps(data.get("format")), "v": json.dumps(data.get("version")),
                           "ef": FORMAT, "ev": VERSION})
    now = timezone.now()
    exported_at = _datetime(data.get("exported_at"))
    if "exported_at" in data and exported_at is None:
        problem("$.exported_at", _("not a date and time"))
    elif exported_at and not EARLIEST <= exported_at <= now + CLOCK_SKEW:
        problem("$.exported_at", _("%(d)s is not a sensible export date (in the future, or before 2000)")
                % {"d": data["exported_at"]})
    latest = min(exported_at or now, now) + CLOCK_SKEW
    refs = set()
    for e, enrolment in enumerate(_list(data.get("enrolments"))):
        if not isinstance(enrolment, dict):
            continue
        at = f"$.enrolments[{e}]"
        ref = enrolment.get("ref")
        if ref in refs:
            problem(f"{at}.ref", _("enrolment %(ref)s appears twice") % {"ref": json.dumps(ref)})
        refs.add(ref)
        start, end = _date(enrolment.get("start_date")), _date(enrolment.get("planned_end_date"))
        for name in ("start_date", "planned_end_date"):
            if enrolment.get(name) is not None and _date(enrolment.get(name)) is None:
                problem(f"{at}.{name}", _("not a date"))
        if start and end and end < start:
            problem(f"{at}.planned_end_date", _("the planned end (%(end)s) is before the start (%(start)s)")
                    % {"end": end, "start": start})
        evidence_refs = {str(item.get("ref")) for item in _list(enrolment.get("evidence")) if isinstance(item, dict)}
        seen = set()
        for u, unit in enumerate(_list(enrolment.get("units"))):
            if not isinstance(unit, dict):
                continue
            problems.extend(_unit_problems(unit, f"{at}.units[{u}]", flagged, evidence_refs, latest, seen))
    return problems


def _unit_problems(unit: dict, at: str, flagged: set[str], evidence_refs: set[str], latest, seen: set) -> list[str]:
    problems = []

    def problem(path: str, text: str) -> None:
        if path not in flagged:
            problems.append(f"{path}: {text}")

    def sensible(path: str, value) -> None:
        when = _datetime(value)
        if value is not None and when is None:
            problem(path, _("not a date and time"))
        elif when and not EARLIEST <= when <= latest:
            problem(path, _("%(d)s is after the export was made, or before 2000") % {"d": value})

    if unit.get("code") in seen:
        problem(f"{at}.code", _("unit %(code)s appears twice in this enrolment") % {"code": unit.get("code")})
    seen.add(unit.get("code"))
    numbers = set()
    for c, criterion in enumerate(_list(unit.get("criteria"))):
        if not isinstance(criterion, dict):
            continue
        where = f"{at}.criteria[{c}]"
        if criterion.get("number") in numbers:
            problem(f"{where}.number", _("criterion %(n)s appears twice in unit %(code)s")
                    % {"n": criterion.get("number"), "code": unit.get("code")})
        numbers.add(criterion.get("number"))
        sensible(f"{where}.met_at", criterion.get("met_at"))
        if criterion.get("met") is True and criterion.get("met_at") is None:
            problem(f"{where}.met_at", _("met, but with no date"))
        for r, ref in enumerate(_list(criterion.get("evidence"))):
            if isinstance(ref, str) and ref not in evidence_refs:
                problem(f"{where}.evidence[{r}]", _("cites evidence %(ref)s, which the file does not hold")
                        % {"ref": json.dumps(ref)})
    for s, sign_off in enumerate(_list(unit.get("sign_offs"))):
        if not isinstance(sign_off, dict):
            continue
        where = f"{at}.sign_offs[{s}]"
        sensible(f"{where}.signed_off_at", sign_off.get("signed_off_at"))
        sensible(f"{where}.unlocked_at", sign_off.get("unlocked_at"))
        seal = sign_off.get("seal_hash")
        if sign_off.get("unlocked_at") is None and not (isinstance(seal, str) and SEAL_HASH.match(seal)):
            problem(f"{where}.seal_hash", _("a current sign-off needs its seal hash: 64 hexadecimal digits, not %(v)s")
                    % {"v": json.dumps(seal)})
    return problems


def _normalised(text) -> str:
    return " ".join(str(text or "").split()).casefold()


def _learner_warnings(data: dict, enrolment: Enrolment) -> list[str]:
    learner, person = enrolment.learner, _dict(data.get("learner"))
    warnings = []
    name, email = person.get("name", ""), person.get("email", "")
    ours = _normalised(learner.get_full_name() or learner.display_name)
    if _normalised(name) != ours and _normalised(name) != _normalised(learner.display_name):
        warnings.append(_("The learner in the file is named “%(file)s”; this learner is “%(here)s”.")
                        % {"file": name, "here": learner.get_full_name() or learner.display_name})
    if _normalised(email) != _normalised(learner.email):
        warnings.append(_("The learner's email in the file is %(file)s; this learner's is %(here)s.")
                        % {"file": email or "—", "here": learner.email})
    return warnings


def _achieved_in(data: dict) -> list[Achieved]:
    """Every criterion the file shows as met, one per (qualification, unit, number): from a signed-off unit if
    there is one, else the earliest met."""
    best: dict[tuple, Achieved] = {}
    for enrolment in data["enrolments"]:
        centre = enrolment["centre"]["name"]
        qualification = str(enrolment["qualification"]["code"]).strip()
        titles = {e["ref"]: e["title"] for e in enrolment["evidence"]}
        deciders = _deciders(enrolment)
        fallback = enrolment.get("assessor") or {}
        for unit in enrolment["units"]:
            current = [s for s in unit["sign_offs"] if s["unlocked_at"] is None]
            sign_off = max(current, key=lambda s: s["number"]) if current else None
            by = (sign_off or {}).get("signed_off_by") or {}
            for criterion in unit["criteria"]:
                if not criterion["met"]:
                    continue
                key = (qualification, unit["code"].strip(), criterion["number"].strip())
                assessor = deciders.get(key[1:]) or by or fallback
                found = Achieved(
                    *key, centre=centre, unit_title=unit["title"], achieved_at=_datetime(criterion["met_at"]),
                    assessor_name=assessor.get("name", ""), assessor_email=assessor.get("email", ""),
                    seal_hash=sign_off["seal_hash"] if sign_off else "",
                    signed_off_at=_datetime(sign_off["signed_off_at"]) if sign_off else None,
                    evidence_titles=[titles[r] for r in criterion["evidence"] if r in titles])
                if key not in best or _better(found, best[key]):
                    best[key] = found
    return list(best.values())


def _better(found: Achieved, than: Achieved) -> bool:
    if bool(found.seal_hash) != bool(than.seal_hash):
        return bool(found.seal_hash)
    return (found.achieved_at or EARLIEST) < (than.achieved_at or EARLIEST)


def _deciders(enrolment: dict) -> dict[tuple[str, str], dict]:
    """Who last decided each (unit, number) met in the file's reviews."""
    decided: dict[tuple[str, str], tuple[str, dict]] = {}
    for evidence in enrolment["evidence"]:
        for review in evidence["reviews"]:
            for decision in review["decisions"]:
                key = (decision["unit"].strip(), decision["number"].strip())
                if decision["met"] and review.get("assessor") and review["decided_at"] >= decided.get(key, ("",))[0]:
                    decided[key] = (review["decided_at"], review["assessor"])
    return {key: who for key, (_at, who) in decided.items()}


def _match(reading: Reading, achieved: list[Achieved], enrolment: Enrolment) -> None:
    """Match by (qualification code, unit code, criterion number) to the enrolment's chosen units."""
    here = enrolment.version.qualification.code.strip()
    chosen = {eu.unit.code.strip(): eu.unit_id for eu in
              EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit")}
    criteria = {(c.unit.code.strip(), c.number.strip()): c for c in
                AssessmentCriterion.objects.filter(unit_id__in=chosen.values()).select_related("unit")}
    met_here = set(AchievedCriterion.objects.filter(enrolment=enrolment).values_list("criterion_id", flat=True))
    claimed = set(PriorLearningClaim.objects.filter(enrolment=enrolment, status__in=["pending", "accepted"])
                  .values_list("criterion_id", flat=True))
    for item in sorted(achieved, key=lambda a: a.key):
        criterion = criteria.get((item.unit, item.number)) if item.qualification == here else None
        if criterion is None:
            why = (_("another qualification") if item.qualification != here else
                   _("unit not on this enrolment") if item.unit not in chosen else _("no such criterion in the unit"))
            reading.not_on_course.append({"qualification": item.qualification, "unit": item.unit,
                                          "number": item.number, "centre": item.centre, "why": why})
        elif criterion.pk in met_here or criterion.pk in claimed:
            reading.already_met.append(item)
        else:
            reading.matched.append(Match(achieved=item, criterion=criterion))
