"""EQA report acts. The external moderator of an active grant writes, rates, judges, sets a sanction and signs;
the centre admin acknowledges, lifts a sanction and keeps the checklist; an action point's owner (or an admin)
marks it done. Each act is audited with the report as its target."""

import datetime
import unicodedata
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Membership, Role
from centres.services import ServiceError, ensure_role, has_role
from centres.workflow import check_move, move_status
from moderation.models import EqaGrant
from moderation.samples.selectors import certification_holds
from moderation.samples.services import certification_hold_released
from notifications.services import notify
from portfolios.models import Enrolment, EnrolmentUnit

from ..selectors import grant_enrolments
from . import selectors
from .models import (
    DEFAULT_CHECKLIST,
    EqaActionPoint,
    EqaChecklistItem,
    EqaComment,
    EqaJudgement,
    EqaRating,
    EqaReport,
    Rag,
)

ACTION_OWNER_ROLES = (Role.ASSESSOR, Role.MODERATOR, Role.CENTRE_ADMIN)
TEXT_FIELDS = ("sample_basis", "good_practice", "concerns", "improvements")


class ReportError(ServiceError):
    pass


# --- Checks -------------------------------------------------------------------------------------------------

def _ensure_grant_holder(grant: EqaGrant, actor: User) -> None:
    """Only the external moderator of an active grant writes under it."""
    if (grant.moderator_id != actor.pk or not grant.is_active()
            or not has_role(actor, grant.centre, Role.EXTERNAL_MODERATOR)):
        raise PermissionDenied


def _ensure_author(report: EqaReport, actor: User) -> None:
    _ensure_grant_holder(report.grant, actor)
    if report.author_id != actor.pk:
        raise PermissionDenied


def _locked_draft(report: EqaReport) -> EqaReport:
    report = EqaReport.objects.select_for_update(of=("self",)).select_related("grant", "centre").get(pk=report.pk)
    if report.status != EqaReport.Status.DRAFT:
        raise ReportError(_("This report is signed: it can no longer change."))
    return report


def _comparable(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _audit(action: str, *, report: EqaReport, actor: User, **data) -> None:
    audit_record(action=action, actor=actor, centre=report.centre, target=report,
                 data={"report": report.pk, "grant": report.grant_id, **data})


def _centre_admins(centre: Centre) -> list[User]:
    return [m.user for m in Membership.objects.current().filter(centre=centre, role=Role.CENTRE_ADMIN,
                                                                user__is_active=True).select_related("user")]


# --- The report -----------------------------------------------------------------------------------------------

def eqa_report_create(*, grant: EqaGrant, actor: User, visit_date: datetime.date | None = None,
                      sample_basis: str = "") -> EqaReport:
    _ensure_grant_holder(grant, actor)
    with transaction.atomic():
        eqa_checklist_seed(centre=grant.centre, actor=actor)
        report = EqaReport.objects.create(grant=grant, centre=grant.centre, author=actor,
                                          visit_date=visit_date or grant.visit_on or timezone.localdate(),
                                          sample_basis=sample_basis.strip())
        _audit("eqa.report_created", report=report, actor=actor, visit_date=report.visit_date.isoformat())
    return report


def eqa_report_update(*, report: EqaReport, actor: User, visit_date: datetime.date, sample_basis: str = "",
                      good_practice: str = "", concerns: str = "", improvements: str = "") -> EqaReport:
    _ensure_author(report, actor)
    with transaction.atomic():
        report = _locked_draft(report)
        report.visit_date = visit_date
        values = {"sample_basis": sample_basis, "good_practice": good_practice, "concerns": concerns,
                  "improvements": improvements}
        for name, value in values.items():
            setattr(report, name, value.strip())
        report.save(update_fields=["visit_date", *TEXT_FIELDS])
        _audit("eqa.report_updated", report=report, actor=actor, visit_date=visit_date.isoformat(),
               **{name: getattr(report, name) for name in TEXT_FIELDS})
    return report


def eqa_judgement_add(*, report: EqaReport, actor: User, enrolment_unit: EnrolmentUnit, agreed: bool,
                      note: str = "") -> EqaJudgement:
    """Judge one sampled decision: an enrolment unit in the grant's scope. The assessor is derived: who signed
    the unit off, else the learner's assessor."""
    _ensure_author(report, actor)
    if not grant_enrolments(report.grant).filter(pk=enrolment_unit.enrolment_id).exists():
        raise PermissionDenied
    note = note.strip()
    if not agreed and not note:
        raise ReportError(_("Say why the decision is changed."))
    with transaction.atomic():
        report = _locked_draft(report)
        if report.judgements.filter(enrolment_id=enrolment_unit.enrolment_id, unit_id=enrolment_unit.unit_id).exists():
            raise ReportError(_("This unit is already in the report's sample."))
        judgement = EqaJudgement.objects.create(
            report=report, enrolment_id=enrolment_unit.enrolment_id, unit=enrolment_unit.unit,
            assessor=selectors.decision_assessor(enrolment_unit), agreed=agreed, note=note)
        _audit("eqa.judgement_added", report=report, actor=actor, judgement=judgement.pk,
               enrolment=enrolment_unit.enrolment_id, unit=enrolment_unit.unit_id, unit_code=enrolment_unit.unit.code,
               assessor=judgement.assessor_id, agreed=agreed, note=note)
    return judgement


def eqa_judgement_remove(*, judgement: EqaJudgement, actor: User) -> None:
    report = judgement.report
    _ensure_author(report, actor)
    with transaction.atomic():
        report = _locked_draft(report)
        _audit("eqa.judgement_removed", report=report, actor=actor, judgement=judgement.pk,
               enrolment=judgement.enrolment_id, unit=judgement.unit_id)
        judgement.delete()


def eqa_ratings_save(*, report: EqaReport, actor: User,
                     ratings: Mapping[int, tuple[str, str]]) -> list[EqaRating]:
    """Rate checklist items: {item id: (red|amber|green, comment)}. An empty rating removes one given before."""
    _ensure_author(report, actor)
    items = {item.pk: item for item in selectors.active_checklist(report.centre)}
    if set(ratings) - set(items):
        raise ReportError(_("Rate only the centre's current checklist."))
    if any(rating not in (*Rag.values, "") for rating, _comment in ratings.values()):
        raise ReportError(_("Choose red, amber or green."))
    with transaction.atomic():
        report = _locked_draft(report)
        for item_id, (rating, comment) in ratings.items():
            if not rating:
                report.ratings.filter(item_id=item_id).delete()
                continue
            EqaRating.objects.update_or_create(report=report, item_id=item_id, defaults={
                "text": items[item_id].text, "rating": rating, "comment": comment.strip()})
        _audit("eqa.ratings_saved", report=report, actor=actor,
               ratings={str(k): {"rating": r, "comment": c.strip()} for k, (r, c) in sorted(ratings.items())})
    return list(report.ratings.all())


def eqa_action_point_add(*, report: EqaReport, actor: User, text: str, owner: User,
                         due_date: datetime.date) -> EqaActionPoint:
    _ensure_author(report, actor)
    text = text.strip()
    if not text:
        raise ReportError(_("Say what the centre must do."))
    if not has_role(owner, report.centre, *ACTION_OWNER_ROLES):
        raise ReportError(_("An action point's owner is one of the centre's staff."))
    if due_date < timezone.localdate():
        raise ReportError(_("The due date has passed."))
    with transaction.atomic():
        report = _locked_draft(report)
        point = EqaActionPoint.objects.create(report=report, centre=report.centre, text=text, owner=owner,
                                              due_date=due_date)
        _audit("eqa.action_point_added", report=report, actor=actor, action_point=point.pk, text=text,
               owner=owner.email, due=due_date.isoformat())
    return point


def eqa_action_point_remove(*, point: EqaActionPoint, actor: User) -> None:
    report = point.report
    _ensure_author(report, actor)
    with transaction.atomic():
        report = _locked_draft(report)
        _audit("eqa.action_point_removed", report=report, actor=actor, action_point=point.pk, text=point.text)
        point.delete()


def sanction_qualification_ids(grant: EqaGrant) -> set[int]:
    """The qualification(s) a grant covers: its scope's own, else those of the enrolments in its scope."""
    if grant.scope == EqaGrant.Scope.QUALIFICATION or (grant.scope == EqaGrant.Scope.COHORT
                                                        and grant.qualification_id):
        return {grant.qualification_id}
    if grant.scope == EqaGrant.Scope.IQA_PLAN:
        return {grant.plan.strategy.qualification_id}
    return set(grant_enrolments(grant).values_list("version__qualification_id", flat=True))


def eqa_sanction_set(*, report: EqaReport, actor: User, hold: bool, reason: str = "") -> EqaReport:
    """Hold certification of the grant's qualification(s) once the report is signed, until an admin lifts it;
    or take a draft's sanction back."""
    _ensure_author(report, actor)
    reason = reason.strip()
    if hold and not reason:
        raise ReportError(_("Say why certification is held."))
    with transaction.atomic():
        report = _locked_draft(report)
        report.sanction = EqaReport.Sanction.HOLD if hold else EqaReport.Sanction.NONE
        report.sanction_reason = reason if hold else ""
        report.save(update_fields=["sanction", "sanction_reason"])
        qualifications = sanction_qualification_ids(report.grant) if hold else set()
        report.sanction_qualifications.set(qualifications)
        _audit("eqa.sanction_set", report=report, actor=actor, sanction=report.sanction, reason=reason,
               qualifications=sorted(qualifications))
    return report


def eqa_report_sign(*, report: EqaReport, actor: User, typed_name: str) -> EqaReport:
    """Sign with the name on the EQA's profile. Needs a rating for every active checklist item and at least one
    judgement. Signing freezes the report, puts its action points on the centre's list and, with a sanction,
    holds certification; the centre admins and the owners are told."""
    _ensure_author(report, actor)
    full_name = actor.get_full_name().strip()
    if not full_name:
        raise ReportError(_("Your profile has no name. Add your name on your profile page, then sign."))
    if _comparable(typed_name) != _comparable(full_name):
        raise ReportError(_("Type your full name as it is on your profile: %(name)s.") % {"name": full_name})
    with transaction.atomic():
        report = _locked_draft(report)
        if not report.judgements.exists():
            raise ReportError(_("Judge at least one sampled decision before you sign."))
        unrated = selectors.unrated_items(report)
        if unrated:
            raise ReportError(_("Rate every checklist criterion before you sign. Not rated: %(items)s.")
                              % {"items": "; ".join(item.text for item in unrated)})
        move_status(report, EqaReport.Status.SIGNED)
        report.signed_name, report.signed_at = " ".join(typed_name.split()), timezone.now()
        report.save(update_fields=["status", "signed_name", "signed_at"])
        figures = selectors.report_figures(report)
        _audit("eqa.report_signed", report=report, actor=actor, name=report.signed_name,
               sample_size=figures.sample_size, agreed=figures.agreed, changed=figures.changed,
               overall=figures.overall, sanction=report.sanction,
               qualifications=sorted(report.sanction_qualifications.values_list("pk", flat=True)))
        _tell_admins_signed(report, figures)
        for point in report.action_points.select_related("owner"):
            _tell_owner(point)
    return report


def _tell_admins_signed(report: EqaReport, figures) -> None:
    context = {"centre_name": report.centre.name, "report": report.pk, "eqa": report.signed_name,
               "visit": report.visit_date.isoformat(), "overall": figures.overall, "sample_size": figures.sample_size,
               "sanction": report.holds_certification, "sanction_reason": report.sanction_reason,
               "pdf_url": reverse("eqa_report_pdf", args=[report.pk])}
    for admin in _centre_admins(report.centre):
        notify(recipient=admin, kind="eqa_report_signed", url=reverse("eqa_report_detail", args=[report.pk]),
               context={**context, "recipient_name": admin.first_name or admin.display_name})


def _tell_owner(point: EqaActionPoint) -> None:
    owner = point.owner
    notify(recipient=owner, kind="eqa_action_assigned", url=reverse("centre_actions"), context={
        "recipient_name": owner.first_name or owner.display_name, "text": point.text,
        "due": point.due_date.isoformat(), "report": point.report_id, "centre_name": point.report.centre.name})


def eqa_report_acknowledge(*, report: EqaReport, actor: User) -> EqaReport:
    ensure_role(actor, report.centre, Role.CENTRE_ADMIN)
    with transaction.atomic():
        report = EqaReport.objects.select_for_update(of=("self",)).select_related("grant", "centre", "author").get(
            pk=report.pk)
        check_move(report, EqaReport.Status.ACKNOWLEDGED,
                   refusal=_("Only a signed report can be acknowledged, and only once."))
        move_status(report, EqaReport.Status.ACKNOWLEDGED)
        report.acknowledged_by, report.acknowledged_at = actor, timezone.now()
        report.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        _audit("eqa.report_acknowledged", report=report, actor=actor)
        notify(recipient=report.author, kind="eqa_report_acknowledged", url="", context={
            "recipient_name": report.author.first_name or report.author.display_name, "report": report.pk,
            "centre_name": report.centre.name, "admin": actor.display_name})
    return report


def eqa_sanction_lift(*, report: EqaReport, actor: User, reason: str) -> EqaReport:
    """A centre admin lifts a signed report's sanction: each completed enrolment it held and nothing else holds
    is released (its qualification badge follows, through `certification_hold_released`)."""
    ensure_role(actor, report.centre, Role.CENTRE_ADMIN)
    reason = reason.strip()
    if not reason:
        raise ReportError(_("Say why the sanction is lifted."))
    with transaction.atomic():
        report = EqaReport.objects.select_for_update(of=("self",)).select_related("grant", "centre", "author").get(
            pk=report.pk)
        if not report.holds_certification:
            raise ReportError(_("This report holds no certification."))
        report.sanction_lifted_at, report.sanction_lifted_by = timezone.now(), actor
        report.sanction_lift_reason = reason
        report.save(update_fields=["sanction_lifted_at", "sanction_lifted_by", "sanction_lift_reason"])
        _audit("eqa.sanction_lifted", report=report, actor=actor, reason=reason)
        notify(recipient=report.author, kind="eqa_report_sanction_lifted", url="", context={
            "recipient_name": report.author.first_name or report.author.display_name, "report": report.pk,
            "centre_name": report.centre.name, "admin": actor.display_name, "reason": reason})
        held = Enrolment.objects.filter(centre=report.centre, status=Enrolment.Status.COMPLETED,
                                        version__qualification__in=report.sanction_qualifications.all())
        for enrolment in held.select_related("version", "centre"):
            if not certification_holds(enrolment=enrolment):
                transaction.on_commit(lambda e=enrolment: certification_hold_released.send(
                    sender=Enrolment, enrolment=e, actor=actor))
    return report


# --- Comments to the centre -----------------------------------------------------------------------------------

def eqa_comment_add(*, grant: EqaGrant, actor: User, text: str, enrolment: Enrolment | None = None) -> EqaComment:
    _ensure_grant_holder(grant, actor)
    text = text.strip()
    if not text:
        raise ReportError(_("Write the comment."))
    if enrolment is not None and not grant_enrolments(grant).filter(pk=enrolment.pk).exists():
        raise PermissionDenied
    with transaction.atomic():
        comment = EqaComment.objects.create(grant=grant, author=actor, enrolment=enrolment, text=text)
        audit_record(action="eqa.comment_added", actor=actor, centre=grant.centre, target=grant,
                     subject=enrolment, data={"grant": grant.pk, "comment": comment.pk, "text": text,
                                              "enrolment": enrolment.pk if enrolment else None})
        about = str(enrolment.learner.display_name) if enrolment else ""
        for admin in _centre_admins(grant.centre):
            notify(recipient=admin, kind="eqa_report_comment", url=reverse("eqa_report_comments", args=[grant.pk]),
                   context={"recipient_name": admin.first_name or admin.display_name, "eqa": actor.display_name,
                            "text": text, "about": about, "centre_name": grant.centre.name})
    return comment


# --- The centre's action points -------------------------------------------------------------------------------

def eqa_action_done(*, point: EqaActionPoint, actor: User) -> EqaActionPoint:
    """Its owner or a centre admin marks an action point of a signed report done."""
    if actor.pk != point.owner_id and not has_role(actor, point.centre, Role.CENTRE_ADMIN):
        raise PermissionDenied
    with transaction.atomic():
        point = EqaActionPoint.objects.select_for_update(of=("self",)).select_related("report__centre").get(
            pk=point.pk)
        if point.report.status == EqaReport.Status.DRAFT:
            raise PermissionDenied
        check_move(point, EqaActionPoint.Status.DONE, refusal=_("This action point is already done."))
        move_status(point, EqaActionPoint.Status.DONE)
        point.done_by, point.done_at = actor, timezone.now()
        point.save(update_fields=["status", "done_by", "done_at"])
        _audit("eqa.action_point_done", report=point.report, actor=actor, action_point=point.pk, text=point.text)
    return point


# --- The checklist ---------------------------------------------------------------------------------------------

def eqa_checklist_seed(*, centre: Centre, actor: User) -> int:
    """On first use, give the centre the default awarding-body checklist. Returns how many items were added."""
    with transaction.atomic():
        Centre.objects.select_for_update().filter(pk=centre.pk).first()
        if EqaChecklistItem.objects.filter(centre=centre).exists():
            return 0
        EqaChecklistItem.objects.bulk_create(EqaChecklistItem(centre=centre, position=n, text=str(text))
                                             for n, text in enumerate(DEFAULT_CHECKLIST, start=1))
        audit_record(action="eqa.checklist_seeded", actor=actor, centre=centre, target=centre,
                     data={"items": [str(text) for text in DEFAULT_CHECKLIST]})
    return len(DEFAULT_CHECKLIST)


def _checklist_audit(action: str, item: EqaChecklistItem, actor: User, **data) -> None:
    audit_record(action=action, actor=actor, centre=item.centre, target=item,
                 data={"item": item.pk, "text": item.text, **data})


def _clean_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise ReportError(_("Write the criterion."))
    return text


def eqa_checklist_item_add(*, centre: Centre, actor: User, text: str) -> EqaChecklistItem:
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    text = _clean_text(text)
    with transaction.atomic():
        eqa_checklist_seed(centre=centre, actor=actor)
        last = EqaChecklistItem.objects.filter(centre=centre).aggregate(n=Max("position"))["n"] or 0
        item = EqaChecklistItem.objects.create(centre=centre, position=last + 1, text=text)
        _checklist_audit("eqa.checklist_item_added", item, actor)
    return item


def eqa_checklist_item_edit(*, item: EqaChecklistItem, actor: User, text: str) -> EqaChecklistItem:
    """Reword a criterion. Signed reports keep the words they were rated against."""
    ensure_role(actor, item.centre, Role.CENTRE_ADMIN)
    text = _clean_text(text)
    with transaction.atomic():
        before = item.text
        item.text = text
        item.save(update_fields=["text"])
        _checklist_audit("eqa.checklist_item_edited", item, actor, before=before)
    return item


def eqa_checklist_item_move(*, item: EqaChecklistItem, actor: User, up: bool) -> EqaChecklistItem:
    """Swap the item with its neighbour above (or below)."""
    ensure_role(actor, item.centre, Role.CENTRE_ADMIN)
    with transaction.atomic():
        siblings = list(EqaChecklistItem.objects.select_for_update().filter(centre=item.centre)
                        .order_by("position", "pk"))
        index = next(i for i, s in enumerate(siblings) if s.pk == item.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(siblings):
            return item
        siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            if sibling.position != position:
                EqaChecklistItem.objects.filter(pk=sibling.pk).update(position=position)
        item.refresh_from_db()
        _checklist_audit("eqa.checklist_item_moved", item, actor, position=item.position)
    return item


def eqa_checklist_item_set_active(*, item: EqaChecklistItem, actor: User, active: bool) -> EqaChecklistItem:
    """Deactivate a criterion (new reports no longer rate it; signed ones keep their rating), or bring it back."""
    ensure_role(actor, item.centre, Role.CENTRE_ADMIN)
    with transaction.atomic():
        item.active = active
        item.save(update_fields=["active"])
        _checklist_audit("eqa.checklist_item_activated" if active else "eqa.checklist_item_deactivated", item,
                         actor)
    return item

