"""Qualification specifications in and out, as JSON or CSV.

Both formats hold the same thing, the *spec*: a dict in the JSON interchange format
(`{"format": "leap-qualification/1", "code", ..., "units": [{..., "outcomes": [{"text", "criteria": [...]}]}]}`).
A file is read whole and every problem is collected, each with where it is (a JSON path such as
`units[2].outcomes[0].criteria[1].text`, or `line 14, column unit_credits` in a CSV); nothing is saved unless
there are none. Export writes exactly what import reads.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from centres.csv_files import CsvUnreadable, csv_decode, csv_parse, csv_table
from centres.models import Centre, Role
from centres.services import ServiceError, ensure_role

from .models import AssessmentCriterion, LearningOutcome, Qualification, QualificationVersion, Unit
from .selectors import version_tree
from .services import UnitTree, tree_create

FORMAT = "leap-qualification/1"
MAX_SPEC_BYTES = 2 * 1024 * 1024
MAX_WHOLE_NUMBER = 100_000

# CSV column -> spec key, for the columns repeated on every row (qualification) or every row of a unit.
QUALIFICATION_COLUMNS = {
    "qualification_code": "code", "qualification_title": "title", "kind": "kind",
    "awarding_body": "awarding_body", "level": "level", "framework": "framework",
    "total_credits": "total_credits", "guided_learning_hours": "guided_learning_hours",
    "minimum_credits": "minimum_credits",
}
UNIT_COLUMNS = {
    "unit_code": "code", "unit_title": "title", "unit_level": "level", "unit_credits": "credits",
    "unit_glh": "guided_learning_hours", "unit_mandatory": "mandatory",
}
CSV_COLUMNS = (*QUALIFICATION_COLUMNS, *UNIT_COLUMNS, "outcome_number", "outcome_text", "criterion_number",
               "criterion_text")
YES, NO = {"yes", "y", "true", "1", "mandatory"}, {"no", "n", "false", "0", "optional"}


@dataclass(frozen=True)
class SpecProblem:
    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecImportError(ServiceError):
    def __init__(self, problems: list[SpecProblem]):
        self.problems = problems
        super().__init__(ngettext("The file has %(n)s problem; nothing was imported.",
                                  "The file has %(n)s problems; nothing was imported.", len(problems))
                         % {"n": len(problems)})


@dataclass(frozen=True)
class _Field:
    key: str
    type: str  # text, whole, flag, kind or framework
    required: bool = False
    max_length: int = 0


QUALIFICATION_FIELDS = (
    _Field("code", "text", True, 40), _Field("kind", "kind", True), _Field("title", "text", True, 200),
    _Field("awarding_body", "text", max_length=200), _Field("level", "text", max_length=20),
    _Field("framework", "framework"), _Field("total_credits", "whole"), _Field("guided_learning_hours", "whole"),
    _Field("minimum_credits", "whole"),
)
UNIT_FIELDS = (
    _Field("code", "text", True, 40), _Field("title", "text", True, 200), _Field("level", "text", max_length=20),
    _Field("credits", "whole"), _Field("guided_learning_hours", "whole"), _Field("mandatory", "flag"),
)
DEFAULTS = {"text": "", "whole": 0, "flag": True, "framework": ""}
MISSING = object()


# --- Reading -----------------------------------------------------------------------------------------

class _SpecReader:
    """One file being read: the spec found in it and every problem, each with its location.

    JSON values are taken as typed; CSV cells are text, so `from_text` parses numbers and yes/no from them.
    `origin` maps a spec path to the CSV (line, column) it came from.
    """

    def __init__(self, *, from_text: bool = False):
        self.from_text = from_text
        self.origin: dict[str, tuple[int, str]] = {}
        self._problems: list[tuple[tuple, SpecProblem]] = []

    @property
    def problems(self) -> list[SpecProblem]:
        return [problem for _key, problem in sorted(self._problems, key=lambda p: p[0])]

    def at(self, line: int, column: str | int | None, message: str) -> None:
        location = _("line %(line)s, column %(column)s") % {"line": line, "column": column} if column \
            else _("line %(line)s") % {"line": line}
        order = CSV_COLUMNS.index(column) if column in CSV_COLUMNS else -1
        self._problems.append(((line, order, len(self._problems)), SpecProblem(location, message)))

    def problem(self, path: str, message: str) -> None:
        if path in self.origin:
            self.at(*self.origin[path], message)
        else:
            self._problems.append(((0, 0, len(self._problems)), SpecProblem(path, message)))

    # The whole spec, in document order.

    def spec(self, data: Any) -> dict:
        if not isinstance(data, dict):
            self.problem(_("file"), _("must hold one JSON object, {…}."))
            return {}
        self.unknown_keys(data, "", {"format", "units", *(f.key for f in QUALIFICATION_FIELDS)})
        if "format" not in data:
            self.problem("format", _("is missing; it must be “%(format)s”.") % {"format": FORMAT})
        elif data["format"] != FORMAT:
            self.problem("format", _("“%(value)s” is not a format LEAP reads; it must be “%(format)s”.")
                         % {"value": data["format"], "format": FORMAT})
        spec: dict[str, Any] = {"format": FORMAT}
        spec.update({f.key: self.field(data, f, f.key) for f in QUALIFICATION_FIELDS})
        spec["units"] = [self.unit(unit, f"units[{i}]") for i, unit in enumerate(self.items(data, "units", ""))]
        self.duplicate_codes(spec["units"])
        return spec

    def unit(self, data: Any, path: str) -> dict:
        if not self.is_object(data, path):
            return {}
        self.unknown_keys(data, path, {"outcomes", *(f.key for f in UNIT_FIELDS)})
        unit = {f.key: self.field(data, f, f"{path}.{f.key}") for f in UNIT_FIELDS}
        unit["outcomes"] = [self.outcome(o, f"{path}.outcomes[{i}]")
                            for i, o in enumerate(self.items(data, "outcomes", path))]
        return unit

    def outcome(self, data: Any, path: str) -> dict:
        if not self.is_object(data, path):
            return {}
        self.unknown_keys(data, path, {"text", "criteria"})
        text = self.field(data, _Field("text", "text", True), f"{path}.text")
        criteria = [self.criterion(c, f"{path}.criteria[{i}]")
                    for i, c in enumerate(self.items(data, "criteria", path))]
        return {"text": text, "criteria": criteria}

    def criterion(self, data: Any, path: str) -> dict:
        if not self.is_object(data, path):
            return {}
        self.unknown_keys(data, path, {"text"})
        return {"text": self.field(data, _Field("text", "text", True), f"{path}.text")}

    def items(self, data: dict, key: str, parent: str) -> list:
        path = f"{parent}.{key}" if parent else key
        value = data.get(key, MISSING)
        if value is MISSING:
            self.problem(path, _("is missing."))
        elif not isinstance(value, list):
            self.problem(path, _("must be a list, […]."))
        elif not value:
            self.problem(path, {"units": _("the specification has no units."),
                                "outcomes": _("the unit has no learning outcomes."),
                                "criteria": _("the learning outcome has no assessment criteria.")}[key])
        else:
            return value
        return []

    def is_object(self, data: Any, path: str) -> bool:
        if not isinstance(data, dict):
            self.problem(path, _("must be an object, {…}."))
        return isinstance(data, dict)

    def unknown_keys(self, data: dict, path: str, known: set[str]) -> None:
        for key in data:
            if key not in known:
                self.problem(f"{path}.{key}" if path else key, _("is not a field LEAP knows."))

    def duplicate_codes(self, units: list[dict]) -> None:
        seen: dict[str, int] = {}
        for i, unit in enumerate(units):
            code = unit.get("code")
            if code and code in seen:
                self.problem(f"units[{i}].code", _("“%(code)s” is also the code of units[%(other)s].")
                             % {"code": code, "other": seen[code]})
            seen.setdefault(code, i)

    # One value.

    def field(self, data: dict, field: _Field, path: str) -> Any:
        value = data.get(field.key, MISSING)
        if value is MISSING and field.required:
            self.problem(path, _("is missing."))
            return None
        if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                self.problem(path, _("must not be empty."))
                return None
            return DEFAULTS[field.type]
        return getattr(self, f"clean_{field.type}")(value, field, path)

    def clean_text(self, value: Any, field: _Field, path: str) -> str | None:
        if not isinstance(value, str):
            self.problem(path, _("must be text."))
            return None
        value = value.strip()
        if field.max_length and len(value) > field.max_length:
            self.problem(path, _("must be at most %(n)s characters long.") % {"n": field.max_length})
        return value

    def clean_whole(self, value: Any, field: _Field, path: str) -> int | None:
        if self.from_text and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            shown = value.strip() if isinstance(value, str) else json.dumps(value)
            self.problem(path, _("must be a whole number, not “%(value)s”.") % {"value": shown})
            return None
        if value < 0:
            self.problem(path, _("must not be negative."))
        elif value > MAX_WHOLE_NUMBER:
            self.problem(path, _("must be at most %(n)s.") % {"n": MAX_WHOLE_NUMBER})
        return value

    def clean_flag(self, value: Any, field: _Field, path: str) -> bool | None:
        if self.from_text and isinstance(value, str) and value.strip().lower() in YES | NO:
            return value.strip().lower() in YES
        if not isinstance(value, bool):
            self.problem(path, _("must be “yes” or “no”.") if self.from_text else _("must be true or false."))
            return None
        return value

    def clean_kind(self, value: Any, field: _Field, path: str) -> str | None:
        if value not in Qualification.Kind.values:
            self.problem(path, _("“%(value)s” is not a kind LEAP knows; use one of: %(kinds)s.")
                         % {"value": value, "kinds": ", ".join(Qualification.Kind.values)})
            return None
        return value

    def clean_framework(self, value: Any, field: _Field, path: str) -> str | None:
        known = [f for f in QualificationVersion.Framework.values if f]
        if not isinstance(value, str) or value.strip().upper() not in known:
            self.problem(path, _("“%(value)s” is not a framework LEAP knows; use one of: %(frameworks)s, or "
                                 "leave it empty.") % {"value": value, "frameworks": ", ".join(known)})
            return None
        return value.strip().upper()


class _CsvReader(_SpecReader):
    """Turns the rows of a CSV into the JSON shape, noting where each value came from, then reads that."""

    def __init__(self):
        super().__init__(from_text=True)

    def read(self, text: str) -> dict:
        rows = self.rows(text)
        if not rows:
            return {}
        first_line, first = rows[0]
        data: dict[str, Any] = {"format": FORMAT, "units": []}
        for column, key in QUALIFICATION_COLUMNS.items():
            data[key] = first[column]
            self.origin[key] = (first_line, column)
        units: dict[str, dict] = {}
        previous = None
        for line, row in rows:
            self.agree(row, line, first, first_line, QUALIFICATION_COLUMNS,
                       _("every row must repeat the same qualification details."))
            unit = units.get(row["unit_code"])
            if unit is None:
                unit = units[row["unit_code"]] = self.new_unit(row, line, len(data["units"]))
                data["units"].append(unit)
            else:
                if unit is not previous:
                    self.at(line, "unit_code", _("unit %(code)s also appears above, from line %(first)s; keep the "
                                                 "rows of a unit together.") % {"code": row["unit_code"],
                                                                                 "first": unit["_line"]})
                self.agree(row, line, unit["_row"], unit["_line"], UNIT_COLUMNS,
                           _("every row of a unit must repeat the same unit details."))
            self.add_outcome_row(unit, row, line)
            previous = unit
        return data

    def rows(self, text: str) -> list[tuple[int, dict[str, str]]]:
        try:
            header, found = csv_parse(text)
        except CsvUnreadable as error:
            self.at(error.line, None, error.message)
            return []
        if not self.header_ok(header):
            return []
        rows = []
        for row in found:
            values = row.cells
            if len(values) > len(header) and any(v.strip() for v in values[len(header):]):
                self.at(row.line, None, _("has more cells than there are columns."))
            values += [""] * (len(header) - len(values))
            rows.append((row.line, {h: v.strip() for h, v in zip(header, values, strict=False)}))
        if not rows:
            self.at(2, None, _("the file has no rows below the header."))
        return rows

    def header_ok(self, header: list[str]) -> bool:
        for column in header:
            if column not in CSV_COLUMNS:
                self.at(1, None, _("“%(column)s” is not a column LEAP knows.") % {"column": column})
        if missing := [c for c in CSV_COLUMNS if c not in header]:
            self.at(1, None, ngettext("missing column: %(columns)s.", "missing columns: %(columns)s.", len(missing))
                    % {"columns": ", ".join(missing)})
        return not missing

    def agree(self, row: dict, line: int, first: dict, first_line: int, columns, why: str) -> None:
        for column in columns:
            if row[column] != first[column]:
                self.at(line, column, _("“%(value)s” differs from “%(first)s” on line %(line)s; %(why)s")
                        % {"value": row[column], "first": first[column], "line": first_line, "why": why})

    def new_unit(self, row: dict, line: int, index: int) -> dict:
        path = f"units[{index}]"
        for column, key in UNIT_COLUMNS.items():
            self.origin[f"{path}.{key}"] = (line, column)
        self.origin[f"{path}.outcomes"] = (line, "outcome_text")
        unit = {key: row[column] for column, key in UNIT_COLUMNS.items()}
        return {**unit, "outcomes": [], "_path": path, "_line": line, "_row": row, "_numbers": {}, "_last": None}

    def add_outcome_row(self, unit: dict, row: dict, line: int) -> None:
        if not any(row[c] for c in ("outcome_number", "outcome_text", "criterion_number", "criterion_text")):
            return  # a row that only names its unit: a unit with no outcomes yet
        number = row["outcome_number"]
        if not number:
            self.at(line, "outcome_number", _("must not be empty; it groups the criteria of an outcome."))
            return
        outcome = unit["_numbers"].get(number)
        if outcome is None:
            path = f"{unit['_path']}.outcomes[{len(unit['outcomes'])}]"
            self.origin[f"{path}.text"] = (line, "outcome_text")
            self.origin[f"{path}.criteria"] = (line, "criterion_text")
            outcome = unit["_numbers"][number] = {"text": row["outcome_text"], "criteria": [], "_path": path,
                                                  "_line": line}
            unit["outcomes"].append(outcome)
        elif outcome is not unit["_last"]:
            self.at(line, "outcome_number", _("outcome %(number)s also appears above, from line %(first)s; keep "
                                              "the rows of an outcome together.")
                    % {"number": number, "first": outcome["_line"]})
        elif row["outcome_text"] != outcome["text"]:
            self.at(line, "outcome_text", _("differs from line %(line)s; every row of an outcome must repeat its "
                                            "text.") % {"line": outcome["_line"]})
        unit["_last"] = outcome
        if row["criterion_text"] or row["criterion_number"]:
            self.origin[f"{outcome['_path']}.criteria[{len(outcome['criteria'])}].text"] = (line, "criterion_text")
            outcome["criteria"].append({"text": row["criterion_text"]})

    def unknown_keys(self, data: dict, path: str, known: set[str]) -> None:
        pass  # the header check has named any unknown column; the other keys are this reader's own notes


def _decode(raw: bytes, reader: _SpecReader, filename: str) -> str | None:
    if len(raw) > MAX_SPEC_BYTES:
        reader.problem(filename, _("the file is larger than 2 MB."))
        return None
    try:
        return csv_decode(raw)  # JSON too: the same decoding for both formats
    except CsvUnreadable as error:
        reader.at(error.line, None, error.message)
        return None


def _read(raw: bytes, filename: str) -> tuple[dict, _SpecReader]:
    kind = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    reader = _CsvReader() if kind == "csv" else _SpecReader()
    if kind not in ("json", "csv"):
        reader.problem(filename or _("file"), _("LEAP reads specifications from .json and .csv files."))
        return {}, reader
    text = _decode(raw, reader, filename)
    if text is None:
        return {}, reader
    if not text.strip():
        reader.at(1, None, _("the file is empty."))
        return {}, reader
    if kind == "csv":
        data = reader.read(text)
        return (reader.spec(data) if data else {}), reader
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        reader.at(error.lineno, error.colno, _("this is not valid JSON: %(error)s.") % {"error": error.msg})
        return {}, reader
    return reader.spec(data), reader


def spec_parse(raw: bytes, filename: str) -> dict:
    """The spec in a JSON or CSV file (told apart by the file name), or SpecImportError with every problem."""
    spec, reader = _read(raw, filename)
    if reader.problems:
        raise SpecImportError(reader.problems)
    return spec


# --- Importing ---------------------------------------------------------------------------------------

def _tree_of(spec: dict) -> UnitTree:
    return [
        (Unit(**{f.key: unit[f.key] for f in UNIT_FIELDS}),
         [(LearningOutcome(text=o["text"]), [AssessmentCriterion(text=c["text"]) for c in o["criteria"]])
          for o in unit["outcomes"]])
        for unit in spec["units"]
    ]


def spec_import(*, centre: Centre, raw: bytes, filename: str, actor: User) -> QualificationVersion:
    """Import a specification file whole, or nothing of it.

    A code new to the centre makes a new qualification; a known code makes a new draft version of it.
    """
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    spec, reader = _read(raw, filename)
    existing = Qualification.objects.filter(centre=centre, code=spec["code"]).first() if spec.get("code") else None
    if existing and spec.get("kind") and existing.kind != spec["kind"]:
        reader.problem("kind", _("%(code)s is already a %(kind)s at this centre; the file must say “%(value)s”.")
                       % {"code": existing.code, "kind": existing.get_kind_display().lower(), "value": existing.kind})
    if reader.problems:
        raise SpecImportError(reader.problems)
    with transaction.atomic():
        qualification, created = Qualification.objects.select_for_update().get_or_create(
            centre=centre, code=spec["code"], defaults={"kind": spec["kind"]})
        number = 1 if created else qualification.versions.aggregate(last=Max("number"))["last"] + 1
        version = QualificationVersion.objects.create(
            qualification=qualification, number=number,
            **{f.key: spec[f.key] for f in QUALIFICATION_FIELDS if f.key not in ("code", "kind")})
        tree_create(version=version, units=_tree_of(spec))
        audit_record(action="qualification.imported", actor=actor, centre=centre, target=version,
                     data={"code": qualification.code, "version": number, "filename": filename,
                           "units": len(spec["units"]), "new_qualification": created})
    return version


# --- Exporting ---------------------------------------------------------------------------------------

def spec_from_version(version: QualificationVersion) -> dict:
    version = version_tree(version)
    spec: dict[str, Any] = {"format": FORMAT, "code": version.qualification.code, "kind": version.qualification.kind}
    spec.update({f.key: getattr(version, f.key) for f in QUALIFICATION_FIELDS if f.key not in spec})
    spec["units"] = [
        {**{f.key: getattr(unit, f.key) for f in UNIT_FIELDS},
         "outcomes": [{"text": o.text, "criteria": [{"text": c.text} for c in o.criteria.all()]}
                      for o in unit.outcomes.all()]}
        for unit in version.units.all()
    ]
    return spec


def spec_to_json(spec: dict) -> bytes:
    return (json.dumps(spec, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _csv_cells(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def spec_to_csv(spec: dict) -> bytes:
    """One row per criterion; a unit without outcomes, or an outcome without criteria, still gets a row."""
    rows: list[list[Any]] = [list(CSV_COLUMNS)]
    qualification = [_csv_cells(spec[key]) for key in QUALIFICATION_COLUMNS.values()]
    for unit in spec["units"]:
        cells = qualification + [_csv_cells(unit[key]) for key in UNIT_COLUMNS.values()]
        if not unit["outcomes"]:
            rows.append(cells + ["", "", "", ""])
        for n, outcome in enumerate(unit["outcomes"], start=1):
            if not outcome["criteria"]:
                rows.append(cells + [n, outcome["text"], "", ""])
            for m, criterion in enumerate(outcome["criteria"], start=1):
                rows.append(cells + [n, outcome["text"], f"{n}.{m}", criterion["text"]])
    return csv_table(rows)
