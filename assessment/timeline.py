"""Audit timelines: every event of a learner's enrolment, or of one of its units, in order and readable;
exported as CSV or PDF; with whether the centre's hash chain verifies."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.pseudonyms import actor_shown, mask_text
from audit.labels import KINDS, event_kind, event_label, is_automatic, value_words
from audit.models import ERASURE_ACTION, AuditEvent, object_type_of, subject_of
from audit.services import audit_verify_chain, chain_key_for
from centres.csv_files import csv_table
from centres.models import Membership, Role
from portfolios.models import Enrolment, Evidence
from qualifications.models import Unit

OBJECT_LABELS = {
    "portfolios.enrolment": gettext_lazy("Enrolment"),
    "portfolios.evidence": gettext_lazy("Evidence"),
    "portfolios.assessmentplan": gettext_lazy("Assessment plan"),
    "assessment.review": gettext_lazy("Review"),
    "assessment.unitsignoff": gettext_lazy("Sign-off"),
    "centres.membership": gettext_lazy("Membership"),
    "moderation.sample": gettext_lazy("IQA sample"),
    "moderation.planitem": gettext_lazy("IQA plan item"),
    "moderation.observation": gettext_lazy("Observation"),
    "moderation.comarkingexercise": gettext_lazy("Co-marking"),
    "moderation.eqajudgement": gettext_lazy("EQA judgement"),
    "moderation.sampleaction": gettext_lazy("IQA action"),
    "badges.award": gettext_lazy("Badge award"),
    "badges.certificate": gettext_lazy("Certificate"),
    "insights.riskflag": gettext_lazy("At-risk flag"),
}

# Keys shown first, in this order; the rest follow alphabetically. Ids already named by the object are left out.
FIRST_KEYS = ("title", "name", "outcome", "unit_code", "unit", "units", "version", "revision", "criteria", "decisions",
              "reason", "feedback", "actions", "from", "to")
LEFT_OUT = {"enrolment", "item", "automatic"}
TEXT_LIMIT = 200
LIST_LIMIT = 12
# The first five as they always were ("who" as recorded, "action" in words); then the raw code, its kind and who
# the page names (a person's name, or LEAP for what it recorded by itself).
CSV_COLUMNS = ("when", "who", "action", "object", "details", "code", "kind", "by")


# --- Selectors ---------------------------------------------------------------------------------------

def learner_timeline(enrolment: Enrolment) -> list[AuditEvent]:
    """Every event about the enrolment, with the learner's registration and membership changes at its centre."""
    memberships = Membership.objects.filter(user_id=enrolment.learner_id, centre_id=enrolment.centre_id,
                                            role=Role.LEARNER).values_list("pk", flat=True)
    about_membership = Q(centre_id=enrolment.centre_id, object_type=object_type_of(Membership),
                         object_id__in=[str(pk) for pk in memberships])
    return list(AuditEvent.objects.filter(Q(subject=subject_of(enrolment)) | about_membership)
                .order_by("created_at", "seq"))


def unit_timeline(enrolment: Enrolment, unit: Unit) -> list[AuditEvent]:
    """The enrolment's events that concern the unit: those naming it, and those on evidence items that do
    (so the upload of a photo shows beside the decision on it)."""
    events = list(AuditEvent.objects.about(enrolment).order_by("created_at", "seq"))
    evidence_ids = {_evidence_of(e) for e in events if _names_unit(e.data, unit)} - {None}
    return [e for e in events if _names_unit(e.data, unit) or _evidence_of(e) in evidence_ids]


def _evidence_of(event: AuditEvent) -> str | None:
    if event.object_type == object_type_of(Evidence):
        return event.object_id
    evidence = event.data.get("evidence")  # reviews name the evidence item they are about
    return str(evidence) if evidence else None


def _names_unit(data: dict, unit: Unit) -> bool:
    units = data.get("units")
    units = units if isinstance(units, list) else []
    # Assessment events name units by id; enrolment and plan events by code.
    return (data.get("unit") == unit.pk or data.get("unit_code") == unit.code
            or unit.pk in units or unit.code in units)


# --- Readable rows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineRow:
    when: datetime
    who: str  # the person's name as the reader may see it, or LEAP for what it recorded by itself
    action: str  # the code, as recorded
    what: str  # the code in words
    object: str
    details: str
    kind: str = ""
    automatic: bool = False
    recorded_as: str = ""  # who as recorded (an email address, masked like the rest), for the CSV


@dataclass(frozen=True)
class KindChoice:
    """One kind of event a reader can show: how many of the trail's events are of it, and whether it is chosen."""
    kind: str
    label: str
    count: int
    chosen: bool


@dataclass(frozen=True)
class ChainStatus:
    verifies: bool
    message: str


@dataclass(frozen=True)
class Timeline:
    enrolment: Enrolment
    unit: Unit | None
    rows: list[TimelineRow]  # those of the chosen kinds (every one when none is chosen)
    chain: ChainStatus
    generated_at: datetime
    kinds: tuple[KindChoice, ...] = ()
    total: int = 0  # events in the trail, whatever is chosen

    @property
    def filtered(self) -> bool:
        return any(k.chosen for k in self.kinds)

    @property
    def chosen_labels(self) -> list[str]:
        return [k.label for k in self.kinds if k.chosen]


def timeline_build(*, enrolment: Enrolment, unit: Unit | None, events: Iterable[AuditEvent],
                   kinds: Iterable[str] = ()) -> Timeline:
    """The trail's rows in words, of the `kinds` asked for (all when none is). Three queries, whatever the events."""
    events = list(events)
    unit_codes = dict(Unit.objects.filter(version_id=enrolment.version_id).values_list("pk", "code"))
    people = people_named(events)
    erasures = erasure_reasons(events)
    rows = [event_row(e, unit_codes, people, erasures) for e in events]
    chosen = set(kinds) & set(KINDS)
    counts = Counter(row.kind for row in rows)
    choices = tuple(KindChoice(kind, str(label), counts[kind], kind in chosen)
                    for kind, label in KINDS.items() if counts[kind] or kind in chosen)
    shown = [row for row in rows if row.kind in chosen] if chosen else rows
    return Timeline(enrolment=enrolment, unit=unit, rows=shown, chain=chain_status(enrolment.centre_id),
                    generated_at=timezone.now(), kinds=choices, total=len(rows))


def people_named(events: list[AuditEvent]) -> dict:
    """The name of everyone the events name, by user id and by lower-case email address (one query). Read through
    `display_name`, so a learner masked for the reader (a blind EQA grant) is named by their pseudonym."""
    ids = {e.actor_id for e in events if e.actor_id}
    emails = {v.lower() for e in events for v in e.data.values() if isinstance(v, str) and "@" in v}
    if not ids and not emails:
        return {}
    people: dict = {}
    users = (get_user_model().objects.annotate(lower_email=Lower("email"))
             .filter(Q(pk__in=ids) | Q(lower_email__in=emails)).only("pk", "email", "first_name", "last_name"))
    for user in users:
        people[user.pk] = people[user.lower_email] = user.display_name
    return people


# An erased event's content is gone: the row says so, and why (the reason its erasure record gives).
ERASED_WORDS = {"retention": gettext_lazy("content erased (retention)"),
                "erasure-request": gettext_lazy("content erased (erasure request)")}


def erasure_reasons(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """(chain, seq) -> the reason code of the erasure that cleared it, for the erased events among `events` (one
    query, only when one of them is erased)."""
    chains = {e.chain_key for e in events if e.is_erased}
    if not chains:
        return {}
    reasons = {}
    for key, data in AuditEvent.objects.filter(chain_key__in=chains, action=ERASURE_ACTION).values_list("chain_key",
                                                                                                      "data"):
        for seq in data.get("seqs", []):
            reasons[(key, seq)] = data.get("reason", "")
    return reasons


def event_row(event: AuditEvent, unit_codes: dict[int, str], people: dict | None = None,
              erasures: dict | None = None) -> TimelineRow:
    """One event in words. `people` (from `people_named`) turns ids and email addresses into names; without it the
    actor is named as recorded. An erased event reads "content erased (retention)" (`erasures`, from
    `erasure_reasons`, gives the reason; without it, "content erased")."""
    people = people or {}
    label = OBJECT_LABELS.get(event.object_type, event.object_type)
    recorded = actor_shown(event.actor_id, event.actor_label)
    automatic = is_automatic(event.action, event.data, has_actor=bool(event.actor_id or recorded))
    named = people.get(event.actor_id) or recorded
    data = {key: people.get(value.lower(), value) if isinstance(value, str) and "@" in value else value
            for key, value in event.data.items()}
    return TimelineRow(
        when=event.created_at,
        who=_("LEAP (automatic)") if automatic else named,
        action=event.action,
        what=event_label(event.action),
        object=f"{label} {event.object_id}".strip(),
        details=(str(ERASED_WORDS.get((erasures or {}).get((event.chain_key, event.seq)), _("content erased")))
                 if event.is_erased else mask_text(event_details(data, unit_codes))),  # data may name a learner
        kind=event_kind(event.action),
        automatic=automatic,
        recorded_as=recorded or _("LEAP (automatic)"),
    )


def chain_status(centre_id: int) -> ChainStatus:
    """Recomputes the centre's whole chain: every event since the centre began, not only those shown."""
    broken = audit_verify_chain(chain_key_for(centre_id))
    if broken is None:
        return ChainStatus(True, _("The audit trail verifies: no event has been changed, removed or inserted."))
    return ChainStatus(False, _("The audit trail does not verify: %(problem)s. Tell your centre admin at once.")
                       % {"problem": broken})


def event_details(data: dict[str, Any], unit_codes: dict[int, str]) -> str:
    """The event's data in one line: what matters is named, big records (seals, declarations, file lists)
    are summarised."""
    def order(key: str) -> tuple[int, str]:
        return (FIRST_KEYS.index(key) if key in FIRST_KEYS else len(FIRST_KEYS), key)

    parts = []
    for key in sorted(data, key=order):
        if key in LEFT_OUT or (key in ("unit", "units") and "unit_code" in data):
            continue
        text = _detail(key, data[key], unit_codes)
        if text:
            parts.append(text)
    return "; ".join(parts)


def _detail(key: str, value: Any, unit_codes: dict[int, str]) -> str:
    label = key.replace("_", " ")
    if value is None or value is False or value in ("", [], {}):
        return ""
    if value is True:
        return label
    if key == "title":
        return f"“{_short(value)}”"
    if key == "unit_code":
        return _("unit %(code)s") % {"code": value}
    if key in ("unit", "units"):
        units = value if isinstance(value, list) else [value]
        return f"{label}: {_joined(unit_codes.get(u, u) if isinstance(u, int) else u for u in units)}"
    if key == "decisions" and isinstance(value, dict):
        return f"{label}: " + ", ".join(f"{number} {_('met') if met else _('not yet met')}"
                                        for number, met in value.items())
    if key == "seal" and isinstance(value, dict):
        return _("sealed %(files)s and %(decisions)s") % {
            "files": _files(value.get("files", [])),
            "decisions": ngettext("%(count)s decision", "%(count)s decisions", len(value.get("decisions", [])))
            % {"count": len(value.get("decisions", []))}}
    if key == "declaration":
        if isinstance(value, dict):
            return _("declared their own work (%(files)s)") % {"files": _files(value.get("files", []))}
        return _("declaration confirmed")
    if key == "files" and isinstance(value, list):
        return _files(value)
    if key == "size" and isinstance(value, int):
        return f"{label}: {filesizeformat(value)}"
    return f"{label}: {_value(value)}"


def _files(files: list) -> str:
    return ngettext("%(count)s file", "%(count)s files", len(files)) % {"count": len(files)}


def _value(value: Any) -> str:
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return ngettext("%(count)s item", "%(count)s items", len(value)) % {"count": len(value)}
        return _joined(value)
    if isinstance(value, dict):
        return ngettext("%(count)s entry", "%(count)s entries", len(value)) % {"count": len(value)}
    if isinstance(value, str):
        return _short(value_words(value))
    return _short(value)


def _joined(values: Iterable[Any]) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:LIST_LIMIT])
    return shown + (_(" and %(count)s more") % {"count": len(values) - LIST_LIMIT} if len(values) > LIST_LIMIT else "")


def _short(value: Any) -> str:
    return Truncator(" ".join(mask_text(str(value)).split())).chars(TEXT_LIMIT)  # masked before it is cut


# --- Exports -------------------------------------------------------------------------------------------

def timeline_csv(timeline: Timeline) -> bytes:
    rows = [(timezone.localtime(row.when).isoformat(timespec="seconds"), row.recorded_as, row.what, row.object,
             row.details, row.action, row.kind, row.who) for row in timeline.rows]
    return csv_table([CSV_COLUMNS, *rows])  # a learner's title must not become a spreadsheet formula


def timeline_pdf(timeline: Timeline) -> bytes:
    import weasyprint  # imported here: it is slow to load and only PDF exports need it

    html = render_to_string("assessment/timeline_pdf.html", {"timeline": timeline})
    return weasyprint.HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url: str, *args, **kwargs):
    # Everything the PDF needs is inline; never let rendered text make the server fetch a URL or a file.
    raise ValueError(f"not fetched: {url}")


def timeline_filename(timeline: Timeline, extension: str) -> str:
    parts = ["audit-trail", f"enrolment-{timeline.enrolment.pk}"]
    if timeline.unit is not None:
        parts.append(slugify(timeline.unit.code) or f"unit-{timeline.unit.pk}")
    return f"{'-'.join(parts)}.{extension}"
