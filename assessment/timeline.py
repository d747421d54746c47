"""Audit timelines: every event of a learner's enrolment, or of one of its units, in order and readable;
exported as CSV or PDF; with whether the centre's hash chain verifies."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.pseudonyms import actor_shown, mask_text
from audit.models import AuditEvent, object_type_of, subject_of
from audit.services import audit_verify_chain, chain_key_for
from centres.csv_files import csv_table
from centres.models import Membership, Role
from portfolios.models import Enrolment, Evidence
from qualifications.models import Unit

ACTION_LABELS = {
    "enrolment.created": gettext_lazy("Enrolled"),
    "enrolment.status_changed": gettext_lazy("Enrolment status changed"),
    "enrolment.completed": gettext_lazy("Qualification completed"),
    "learner.registered": gettext_lazy("Learner registered"),
    "learner.self_registered": gettext_lazy("Learner registered with the centre's code"),
    "membership.assessor_changed": gettext_lazy("Assessor changed"),
    "membership.ended": gettext_lazy("Membership ended"),
    "plan.started": gettext_lazy("Assessment plan version started"),
    "plan.item_added": gettext_lazy("Plan item added"),
    "plan.item_updated": gettext_lazy("Plan item changed"),
    "plan.item_deleted": gettext_lazy("Plan item removed"),
    "plan.notes_updated": gettext_lazy("Plan notes changed"),
    "plan.document_attached": gettext_lazy("Plan document attached"),
    "plan.signed": gettext_lazy("Assessment plan signed"),
    "plan.agreed": gettext_lazy("Assessment plan agreed"),
    "evidence.created": gettext_lazy("Evidence started"),
    "evidence.file_uploaded": gettext_lazy("File uploaded"),
    "evidence.file_removed": gettext_lazy("File removed"),
    "evidence.submitted": gettext_lazy("Evidence submitted"),
    "evidence.withdrawn": gettext_lazy("Evidence withdrawn"),
    "review.started": gettext_lazy("Review started"),
    "review.decided": gettext_lazy("Assessment decision recorded"),
    "review.countersigned": gettext_lazy("Decision countersigned"),
    "unit.signed_off": gettext_lazy("Unit signed off"),
    "unit.unlocked": gettext_lazy("Unit unlocked"),
    "lock.refused": gettext_lazy("Change refused: the unit is locked"),
    "enrolment.reopened": gettext_lazy("Enrolment reopened"),
    "evidence.draft_deleted": gettext_lazy("Draft deleted"),
    "iqa.plan_item_added": gettext_lazy("Added to the IQA sampling plan"),
    "iqa.plan_item_removed": gettext_lazy("Removed from the IQA sampling plan"),
    "iqa.plan_item_assigned": gettext_lazy("IQA plan item assigned to a moderator"),
    "iqa.sample_started": gettext_lazy("IQA sample started"),
    "iqa.sample_recorded": gettext_lazy("IQA sample recorded"),
    "iqa.sample_signed": gettext_lazy("IQA sample signed"),
    "iqa.sample_second_signed": gettext_lazy("IQA sample second-signed"),
    "iqa.sample_acknowledged": gettext_lazy("IQA sample acknowledged by the assessor"),
    "observation.scheduled": gettext_lazy("Observation of practice scheduled"),
    "observation.recorded": gettext_lazy("Observation of practice recorded"),
    "observation.cancelled": gettext_lazy("Observation of practice cancelled"),
    "co_marking.created": gettext_lazy("Standardisation co-marking started"),
    "co_marking.judged": gettext_lazy("Co-marking judgement recorded"),
    "co_marking.closed": gettext_lazy("Co-marking closed"),
    "eqa.judgement_added": gettext_lazy("EQA judgement recorded"),
    "eqa.judgement_removed": gettext_lazy("EQA judgement removed"),
}

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
}

# Keys shown first, in this order; the rest follow alphabetically. Ids already named by the object are left out.
FIRST_KEYS = ("title", "name", "outcome", "unit_code", "unit", "units", "version", "revision", "criteria", "decisions",
              "reason", "feedback", "actions", "from", "to")
LEFT_OUT = {"enrolment", "item"}
TEXT_LIMIT = 200
LIST_LIMIT = 12
CSV_COLUMNS = ("when", "who", "action", "object", "details")


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
    who: str
    action: str
    what: str
    object: str
    details: str


@dataclass(frozen=True)
class ChainStatus:
    verifies: bool
    message: str


@dataclass(frozen=True)
class Timeline:
    enrolment: Enrolment
    unit: Unit | None
    rows: list[TimelineRow]
    chain: ChainStatus
    generated_at: datetime


def timeline_build(*, enrolment: Enrolment, unit: Unit | None, events: Iterable[AuditEvent]) -> Timeline:
    unit_codes = dict(Unit.objects.filter(version_id=enrolment.version_id).values_list("pk", "code"))
    rows = [event_row(e, unit_codes) for e in events]
    return Timeline(enrolment=enrolment, unit=unit, rows=rows, chain=chain_status(enrolment.centre_id),
                    generated_at=timezone.now())


def event_row(event: AuditEvent, unit_codes: dict[int, str]) -> TimelineRow:
    label = OBJECT_LABELS.get(event.object_type, event.object_type)
    return TimelineRow(
        when=event.created_at,
        who=actor_shown(event.actor_id, event.actor_label) or _("LEAP (automatic)"),
        action=event.action,
        what=str(ACTION_LABELS.get(event.action, event.action)),
        object=f"{label} {event.object_id}".strip(),
        details=mask_text(event_details(event.data, unit_codes)),  # the data names learners by email
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
            return _("%(count)s items") % {"count": len(value)}
        return _joined(value)
    if isinstance(value, dict):
        return _("%(count)s entries") % {"count": len(value)}
    return _short(value)


def _joined(values: Iterable[Any]) -> str:
    values = [str(v) for v in values]
    shown = ", ".join(values[:LIST_LIMIT])
    return shown + (_(" and %(count)s more") % {"count": len(values) - LIST_LIMIT} if len(values) > LIST_LIMIT else "")


def _short(value: Any) -> str:
    return Truncator(" ".join(mask_text(str(value)).split())).chars(TEXT_LIMIT)  # masked before it is cut


# --- Exports -------------------------------------------------------------------------------------------

def timeline_csv(timeline: Timeline) -> bytes:
    rows = [(timezone.localtime(row.when).isoformat(timespec="seconds"), row.who, row.what, row.object, row.details)
            for row in timeline.rows]
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
