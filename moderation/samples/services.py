"""Sampling acts: start a sample (snapshot into the audit trail), record it, sign it (twice when a decision is
overturned), the assessor's acknowledgement, and the actions that follow."""

import datetime
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.request_cache import forget_person
from assessment.models import UnitSignOff
from assessment.services import unit_unlock
from audit.services import audit_record
from centres.models import Membership, Role
from centres.services import ServiceError, has_role
from centres.workflow import check_move, move_status
from notifications.services import notify
from portfolios.models import Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion, Unit

from ..models import PlanItem, Sample, SampleAction, SampleKind
from .selectors import certification_holds, certification_is_gated, item_samples
from .snapshot import unit_snapshot

# Apps above this one (badges) react without moderation knowing them: the enrolment's certification holds are
# all cleared (the last summative sample signed, the last action closed).
certification_hold_released = Signal()  # sender=Enrolment, enrolment=..., actor=...

VACS = ("valid", "authentic", "current", "sufficient")
PROCESS_CHECKS = ("plan_followed", "feedback_developmental", "declaration_present", "records_accurate")
OPEN = (Sample.Status.STARTED, Sample.Status.AWAITING_SECOND)
DONE = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)
ACTION_WORKING_DAYS = 10
OUTCOMES_WITH_FEEDBACK = (Sample.Outcome.AGREE_ADVICE, Sample.Outcome.DISAGREE_ACT, Sample.Outcome.DISAGREE_OVERTURN)


class SampleError(ServiceError):
    pass


@dataclass(frozen=True)
class Check:
    ok: bool
    note: str = ""


def working_days_after(day: datetime.date, days: int) -> datetime.date:
    """`days` working days (Monday to Friday) after `day`."""
    while days:
        day += datetime.timedelta(days=1)
        days -= day.weekday() < 5
    return day


def _is_moderator(actor: User, centre) -> bool:
    return has_role(actor, centre, Role.MODERATOR)


def _comparable(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _check_typed_name(actor: User, typed_name: str) -> str:
    full_name = actor.get_full_name().strip()
    if not full_name:
        raise SampleError(_("Your profile has no name. Add your name on your profile page, then sign."))
    if _comparable(typed_name) != _comparable(full_name):
        raise SampleError(_("Type your full name as it is on your profile: %(name)s.") % {"name": full_name})
    return " ".join(typed_name.split())


def _audit(action: str, *, sample: Sample, actor: User, **data) -> None:
    audit_record(action=action, actor=actor, centre=sample.centre, target=sample, subject=sample.enrolment,
                 data={"sample": sample.pk, "unit": sample.unit_id, "unit_code": sample.unit.code,
                       "kind": sample.kind, **data})


def _locked(sample: Sample) -> Sample:
    locked = Sample.objects.select_for_update(of=("self",)).select_related("unit", "centre", "enrolment").get(
        pk=sample.pk)
    return locked


# --- Start --------------------------------------------------------------------------------------------

def _sample_assessor(enrolment: Enrolment, unit: Unit, kind: str, plan_item: PlanItem | None) -> User:
    if plan_item is not None:
        return plan_item.assessor
    sign_off = (UnitSignOff.objects.filter(enrolment_unit__enrolment=enrolment, enrolment_unit__unit=unit,
                                           unlocked_at__isnull=True).select_related("signed_off_by").first())
    if kind == SampleKind.SUMMATIVE and sign_off is not None:
        return sign_off.signed_off_by
    return enrolment.assessor


def sample_start(
    *,
    actor: User,
    plan_item: PlanItem | None = None,
    enrolment: Enrolment | None = None,
    unit: Unit | None = None,
    kind: str | None = None,
    resample_of: Sample | None = None,
) -> Sample:
    """A moderator of the centre starts sampling a plan item (or an enrolment's unit), and what they look at is
    frozen into the `iqa.sample_started` audit event. A plan item has one open sample: starting it again returns
    that one. A re-sample names the sample it follows, on the same item."""
    if resample_of is not None:
        plan_item = plan_item or resample_of.plan_item
        enrolment, unit, kind = resample_of.enrolment, resample_of.unit, kind or resample_of.kind
    if plan_item is not None:
        enrolment, unit, kind = plan_item.enrolment, plan_item.unit, kind or plan_item.kind
    if enrolment is None or unit is None or kind not in SampleKind.values:
        raise SampleError(_("Say which unit of which enrolment is sampled, and how."))
    centre = enrolment.centre
    if not _is_moderator(actor, centre) or (plan_item is not None and plan_item.plan.centre_id != centre.pk):
        raise PermissionDenied
    if actor.pk in (enrolment.assessor_id, getattr(plan_item, "assessor_id", None)):
        raise SampleError(_("You assessed this work: another moderator must sample it."))
    if resample_of is not None and (resample_of.centre_id != centre.pk or resample_of.status not in DONE):
        raise SampleError(_("Only a signed sample of this centre can be sampled again."))
    with transaction.atomic():
        if plan_item is not None:
            PlanItem.objects.select_for_update().filter(pk=plan_item.pk).first()  # one start at a time per item
            open_sample = item_samples(plan_item).filter(status__in=OPEN).first()
            if open_sample is not None:
                return open_sample
            # Sampling a sampled item again is a re-sample: it names the latest signed one.
            resample_of = resample_of or (item_samples(plan_item).filter(status__in=DONE)
                                          .order_by("-started_at", "-pk").first())
        enrolment_unit = EnrolmentUnit.objects.filter(enrolment=enrolment, unit=unit).first()
        if enrolment_unit is None:
            raise SampleError(_("This unit is not part of the learner's enrolment."))
        if kind == SampleKind.SUMMATIVE and enrolment_unit.locked_at is None:
            raise SampleError(_("Unit %(code)s is not signed off: sample it as interim (work in progress).")
                              % {"code": unit.code})
        snapshot = unit_snapshot(enrolment=enrolment, unit=unit, kind=kind)
        sample = Sample.objects.create(
            centre=centre, plan_item=plan_item, enrolment=enrolment, unit=unit, kind=kind, moderator=actor,
            assessor=_sample_assessor(enrolment, unit, kind, plan_item), resample_of=resample_of, snapshot=snapshot)
        _audit("iqa.sample_started", sample=sample, actor=actor, plan_item=getattr(plan_item, "pk", None),
               assessor=sample.assessor.email, resample_of=getattr(resample_of, "pk", None), snapshot=snapshot,
               snapshot_hash=snapshot["hash"])
    return sample


# --- Record and sign ------------------------------------------------------------------------------------

def _checks(values: Mapping[str, Check | Mapping], names: Iterable[str], what: str) -> dict:
    checks = {}
    for name in names:
        value = values.get(name)
        if value is None:
            raise SampleError(_("Answer every %(what)s check (yes or no).") % {"what": what})
        ok, note = (value.ok, value.note) if isinstance(value, Check) else (value.get("ok"), value.get("note", ""))
        if not isinstance(ok, bool):
            raise SampleError(_("Answer every %(what)s check (yes or no).") % {"what": what})
        checks[name] = {"ok": ok, "note": (note or "").strip()}
    return checks


def _ensure_starter(sample: Sample, actor: User) -> None:
    if actor.pk != sample.moderator_id or not _is_moderator(actor, sample.centre):
        raise PermissionDenied


def sample_record(
    *,
    sample: Sample,
    actor: User,
    criteria_ids: Iterable[int],
    vacs: Mapping[str, Check | Mapping],
    process_checks: Mapping[str, Check | Mapping],
    outcome: str,
    feedback: str,
    actions: Iterable[tuple[str, datetime.date | None]] = (),
) -> Sample:
    """The moderator's record, while the sample is in progress (saved again until it is signed). Each action is
    owned by the sample's assessor, due in 10 working days unless a date is given."""
    _ensure_starter(sample, actor)
    if outcome not in Sample.Outcome.values:
        raise SampleError(_("Choose the outcome of the sample."))
    feedback = feedback.strip()
    if outcome in OUTCOMES_WITH_FEEDBACK and not feedback:
        raise SampleError(_("Give the assessor feedback: it is needed for any outcome but “agree”."))
    actions = [(text.strip(), due) for text, due in actions if text.strip()]
    if outcome == Sample.Outcome.DISAGREE_ACT and not actions:
        raise SampleError(_("Say what the assessor must do: “disagree — assessor to act” needs an action."))
    vacs, process_checks = _checks(vacs, VACS, _("VACS")), _checks(process_checks, PROCESS_CHECKS, _("process"))
    criteria_ids = set(criteria_ids)
    criteria = list(AssessmentCriterion.objects.filter(unit_id=sample.unit_id, pk__in=criteria_ids))
    if len(criteria) != len(criteria_ids):
        raise SampleError(_("Some of these criteria are not criteria of unit %(code)s.") % {"code": sample.unit.code})
    if not criteria:
        raise SampleError(_("Tick the criteria you sampled."))
    today = timezone.localdate()
    with transaction.atomic():
        sample = _locked(sample)
        if sample.status != Sample.Status.STARTED:
            raise SampleError(_("This sample has been signed; it can no longer be changed."))
        sample.vacs, sample.process_checks, sample.outcome, sample.feedback = vacs, process_checks, outcome, feedback
        sample.save(update_fields=["vacs", "process_checks", "outcome", "feedback"])
        sample.criteria_sampled.set(criteria)
        sample.actions.all().delete()  # not yet signed: the record is rewritten whole
        created = SampleAction.objects.bulk_create(
            SampleAction(sample=sample, text=text, owner_id=sample.assessor_id,
                         due_date=due or working_days_after(today, ACTION_WORKING_DAYS)) for text, due in actions)
        forget_person(sample.assessor_id)  # bulk_create sends no post_save: their open actions' count changed
        _audit("iqa.sample_recorded", sample=sample, actor=actor, outcome=outcome, feedback=feedback,
               criteria=sorted(c.number for c in criteria), vacs=vacs, process_checks=process_checks,
               actions=[{"text": a.text, "due": a.due_date.isoformat()} for a in created])
    return sample


def sample_sign(*, sample: Sample, actor: User, typed_name: str) -> Sample:
    """The moderator who started the sample signs it. An overturned decision then awaits a second signature;
    any other outcome is final and the assessor is told."""
    _ensure_starter(sample, actor)
    name = _check_typed_name(actor, typed_name)
    with transaction.atomic():
        sample = _locked(sample)
        if sample.status != Sample.Status.STARTED:
            raise SampleError(_("This sample is already signed."))
        if not sample.outcome:
            raise SampleError(_("Record the sample (checks and outcome) before you sign it."))
        overturn = sample.outcome == Sample.Outcome.DISAGREE_OVERTURN
        move_status(sample, Sample.Status.AWAITING_SECOND if overturn else Sample.Status.SIGNED)
        sample.signed_name, sample.signed_at = name, timezone.now()
        sample.save(update_fields=["status", "signed_name", "signed_at"])
        _audit("iqa.sample_signed", sample=sample, actor=actor, name=name, outcome=sample.outcome,
               awaiting_second=overturn)
        if overturn:
            _ask_for_second_signature(sample, actor)
        else:
            _tell_assessor(sample)
            _release_if_clear(sample.enrolment, actor)
    return sample


def sample_second_sign(*, sample: Sample, actor: User, typed_name: str) -> Sample:
    """Another moderator or the centre admin confirms an overturned decision. A summative sample's unit is then
    reopened through the unlock route, with the sample as its reason; an interim one has no sign-off to unlock."""
    if not has_role(actor, sample.centre, Role.MODERATOR, Role.CENTRE_ADMIN):
        raise PermissionDenied
    if actor.pk == sample.moderator_id:
        raise SampleError(_("You signed this sample first: another moderator or the centre admin must confirm it."))
    if actor.pk == sample.assessor_id:
        raise SampleError(_("You made the decision that is overturned: someone else must confirm it."))
    name = _check_typed_name(actor, typed_name)
    with transaction.atomic():
        sample = _locked(sample)
        check_move(sample, Sample.Status.SIGNED, refusal=_("This sample does not await a second signature."))
        move_status(sample, Sample.Status.SIGNED)
        sample.second_signed_by, sample.second_signed_name, sample.second_signed_at = actor, name, timezone.now()
        sample.save(update_fields=["status", "second_signed_by", "second_signed_name", "second_signed_at"])
        unlocked = _reopen_unit(sample, actor)
        _audit("iqa.sample_second_signed", sample=sample, actor=actor, name=name, outcome=sample.outcome,
               unit_unlocked=unlocked)
        _tell_assessor(sample)
        _release_if_clear(sample.enrolment, actor)
    return sample


def overturn_reason(sample: Sample) -> str:
    first_line = next((line.strip() for line in sample.feedback.splitlines() if line.strip()), "")
    return f"IQA sample #{sample.pk}: decision overturned — {first_line}"


def _reopen_unit(sample: Sample, actor: User) -> bool:
    if sample.kind != SampleKind.SUMMATIVE:
        return False
    enrolment_unit = EnrolmentUnit.objects.select_related("enrolment__centre").get(
        enrolment_id=sample.enrolment_id, unit_id=sample.unit_id)
    if enrolment_unit.locked_at is None:
        return False  # reopened since, by someone else: nothing left to unlock
    unit_unlock(enrolment_unit=enrolment_unit, actor=actor, reason=overturn_reason(sample))
    return True


def sample_acknowledge(*, sample: Sample, actor: User) -> Sample:
    """The assessor confirms they have read the signed sample."""
    if actor.pk != sample.assessor_id or not has_role(actor, sample.centre, Role.ASSESSOR):
        raise PermissionDenied
    with transaction.atomic():
        sample = _locked(sample)
        check_move(sample, Sample.Status.ACKNOWLEDGED,
                   refusal=_("Only a signed sample can be acknowledged, and only once."))
        move_status(sample, Sample.Status.ACKNOWLEDGED)
        sample.acknowledged_at = timezone.now()
        sample.save(update_fields=["status", "acknowledged_at"])
        _audit("iqa.sample_acknowledged", sample=sample, actor=actor)
    return sample


def _tell_assessor(sample: Sample) -> None:
    assessor = sample.assessor
    notify(recipient=assessor, kind="iqa_sample_signed", url=reverse("iqa_my_samples"),
           context={"assessor_name": assessor.first_name or assessor.display_name, "sample": sample.pk,
                    "unit_code": sample.unit.code, "learner_name": str(sample.enrolment.learner),
                    "outcome": str(sample.get_outcome_display()), "feedback": sample.feedback,
                    "moderator": str(sample.moderator),
                    "actions": [{"text": a.text, "due": a.due_date.isoformat()} for a in sample.actions.all()]})


def _ask_for_second_signature(sample: Sample, actor: User) -> None:
    others = (Membership.objects.current().filter(centre=sample.centre, role__in=(Role.MODERATOR, Role.CENTRE_ADMIN))
              .exclude(user_id__in=(actor.pk, sample.assessor_id)).select_related("user"))
    for user in {m.user for m in others}:
        notify(recipient=user, kind="iqa_second_signature", url=reverse("iqa_sample", args=[sample.pk]),
               context={"name": user.first_name or user.display_name, "sample": sample.pk,
                        "unit_code": sample.unit.code, "moderator": str(actor)})


# --- Actions --------------------------------------------------------------------------------------------

def _audit_action(action: str, *, sample_action: SampleAction, actor: User, **data) -> None:
    sample = sample_action.sample
    audit_record(action=action, actor=actor, centre=sample.centre, target=sample_action, subject=sample.enrolment,
                 data={"sample": sample.pk, "unit": sample.unit_id, "unit_code": sample.unit.code,
                       "text": sample_action.text, **data})


def _locked_action(sample_action: SampleAction) -> SampleAction:
    return (SampleAction.objects.select_for_update(of=("self",))
            .select_related("sample__centre", "sample__unit", "sample__enrolment").get(pk=sample_action.pk))


def action_mark_done(*, action: SampleAction, actor: User, note: str) -> SampleAction:
    """The assessor who owns the action says what they did."""
    if actor.pk != action.owner_id:
        raise PermissionDenied
    note = note.strip()
    if not note:
        raise SampleError(_("Say what you did, so the moderator can check it."))
    with transaction.atomic():
        action = _locked_action(action)
        if action.sample.status not in DONE:
            raise SampleError(_("This sample is not signed yet."))
        check_move(action, SampleAction.Status.DONE, refusal=_("This action is not open."))
        move_status(action, SampleAction.Status.DONE)
        action.done_at, action.done_note = timezone.now(), note
        action.save(update_fields=["status", "done_at", "done_note"])
        _audit_action("iqa.action_done", sample_action=action, actor=actor, note=note)
        moderator = action.sample.moderator
        notify(recipient=moderator, kind="iqa_action_done", url=reverse("iqa_sample", args=[action.sample_id]),
               context={"name": moderator.first_name or moderator.display_name, "text": action.text, "note": note,
                        "assessor": str(actor), "sample": action.sample_id})
    return action


def _ensure_closer(action: SampleAction, actor: User) -> None:
    if not _is_moderator(actor, action.sample.centre) or actor.pk == action.owner_id:
        raise PermissionDenied


def action_close(*, action: SampleAction, actor: User) -> SampleAction:
    """A moderator accepts what the assessor did."""
    _ensure_closer(action, actor)
    with transaction.atomic():
        action = _locked_action(action)
        check_move(action, SampleAction.Status.CLOSED,
                   refusal=_("Only an action the assessor has marked done can be closed."))
        move_status(action, SampleAction.Status.CLOSED)
        action.closed_at, action.closed_by = timezone.now(), actor
        action.save(update_fields=["status", "closed_at", "closed_by"])
        _audit_action("iqa.action_closed", sample_action=action, actor=actor)
        _release_if_clear(action.sample.enrolment, actor)
    return action


def action_reopen(*, action: SampleAction, actor: User, reason: str) -> SampleAction:
    """A moderator sends a done action back to the assessor, saying why."""
    _ensure_closer(action, actor)
    reason = reason.strip()
    if not reason:
        raise SampleError(_("Say why the action is sent back."))
    with transaction.atomic():
        action = _locked_action(action)
        check_move(action, SampleAction.Status.OPEN, refusal=_("Only an action marked done can be sent back."))
        move_status(action, SampleAction.Status.OPEN)
        action.done_at = None
        action.save(update_fields=["status", "done_at"])
        _audit_action("iqa.action_reopened", sample_action=action, actor=actor, reason=reason)
        owner = action.owner
        notify(recipient=owner, kind="iqa_action_reopened", url=reverse("iqa_my_samples"),
               context={"name": owner.first_name or owner.display_name, "text": action.text, "reason": reason,
                        "moderator": str(actor), "due": action.due_date.isoformat()})
    return action


# --- Certification gate ---------------------------------------------------------------------------------

def _release_if_clear(enrolment: Enrolment, actor: User) -> None:
    if certification_is_gated(enrolment=enrolment) and not certification_holds(enrolment=enrolment):
        transaction.on_commit(lambda: certification_hold_released.send(sender=Enrolment, enrolment=enrolment,
                                                                       actor=actor))
