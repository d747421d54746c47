"""Assessment acts: review, decide criterion by criterion, countersign, sign a unit off (lock), unlock."""

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from audit.services import audit_record
from centres.models import Membership, Role
from centres.services import ServiceError, has_role
from centres.workflow import move_status
from notifications.services import notify
from portfolios import progress_counts
from portfolios.enrolments.services import (
    enrolment_complete,
    enrolment_reopen,
    enrolment_touch,
    rules_of_combination_problems,
)
from portfolios.evidence.services import record_lock_refusal
from portfolios.models import (
    AchievedCriterion,
    Enrolment,
    EnrolmentUnit,
    Evidence,
    EvidenceCriterion,
    EvidenceSubmission,
)
from qualifications.models import AssessmentCriterion

from .models import CriterionDecision, Review, UnitSignOff, UnitUnlock
from .seals import seal_hash, unit_seal  # noqa: F401 (seal_hash is part of this module's interface)

# Apps above this one (badges) react to these without this app knowing them.
unit_signed_off = Signal()  # sender=UnitSignOff, sign_off=..., actor=...
enrolment_completed = Signal()  # sender=Enrolment, enrolment=..., actor=...
unit_unlocked = Signal()  # sender=UnitSignOff, sign_off=... (the unlocked one), actor=..., reason=...
review_decided = Signal()  # sender=Review, review=..., unit_ids=[...] (the units decided on), actor=...

SIGN_OFF_DECLARATION = gettext_lazy(
    "I confirm that I have assessed this learner's evidence against every criterion of this unit, that it is "
    "valid, authentic, current and sufficient, and that the learner has met every criterion.")


class AssessmentError(ServiceError):
    pass


def _is_assessor_of(actor: User, enrolment: Enrolment) -> bool:
    return enrolment.assessor_id == actor.pk and has_role(actor, enrolment.centre, Role.ASSESSOR)


def _is_qualified_assessor(actor: User, centre) -> bool:
    return Membership.objects.current().filter(user=actor, centre=centre, role=Role.ASSESSOR, qualified=True).exists()


def locked_units(enrolment: Enrolment) -> set[int]:
    return set(EnrolmentUnit.objects.filter(enrolment=enrolment, locked_at__isnull=False)
               .values_list("unit_id", flat=True))


# --- Review -------------------------------------------------------------------------------------------

def review_start(*, submission: EvidenceSubmission, actor: User) -> Review:
    """The assessor opens a submitted revision: from now on the learner can no longer withdraw it."""
    evidence = submission.evidence
    if not _is_assessor_of(actor, evidence.enrolment):
        raise PermissionDenied
    with transaction.atomic():
        review, created = Review.objects.get_or_create(submission=submission, defaults={"assessor": actor})
        if created:
            Evidence.objects.filter(pk=evidence.pk, review_started_at__isnull=True).update(
                review_started_at=timezone.now())
            audit_record(action="review.started", actor=actor, centre=evidence.enrolment.centre, target=review,
                         subject=evidence.enrolment, data={"evidence": evidence.pk, "revision": submission.number})
    return review


def review_decide(
    *,
    review: Review,
    actor: User,
    decisions: Mapping[int, bool],
    outcome: str,
    feedback: str,
    actions: str = "",
    voice_feedback=None,
) -> Review:
    """Record met / not yet met for every criterion claimed (and any the assessor maps too), feedback, and
    accept or return the item. Decided once: a repeated post changes nothing."""
    submission = review.submission
    evidence = submission.evidence
    enrolment = evidence.enrolment
    if not _is_assessor_of(actor, enrolment):
        raise PermissionDenied
    if outcome not in Review.Outcome.values:
        raise AssessmentError(_("Choose to accept or return the evidence."))
    if outcome == Review.Outcome.RETURNED and not (feedback.strip() or actions.strip()):
        raise AssessmentError(_("Say what the learner should do when you return their evidence."))
    criteria = _decided_criteria(enrolment, submission, decisions, actor)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        submission.refresh_from_db()
        if review.decided_at:
            raise AssessmentError(_("This revision has already been decided; nothing was changed."))
        if submission.withdrawn_at or evidence.submissions.filter(number__gt=submission.number).exists():
            raise AssessmentError(_("The learner withdrew this revision; there is nothing to decide."))
        now = timezone.now()
        claimed = set(submission.claimed)
        CriterionDecision.objects.bulk_create(
            CriterionDecision(review=review, enrolment=enrolment, unit_id=c.unit_id, criterion=c,
                              met=decisions[c.pk], mapped_by_assessor=c.pk not in claimed, decided_at=now)
            for c in criteria)
        EvidenceCriterion.objects.bulk_create(
            [EvidenceCriterion(evidence=evidence, criterion=c, unit_id=c.unit_id) for c in criteria
             if c.pk not in claimed], ignore_conflicts=True)
        review.outcome, review.feedback, review.actions, review.decided_at = outcome, feedback, actions, now
        review.needs_countersign = not _is_qualified_assessor(actor, enrolment.centre)
        if voice_feedback is not None:
            review.voice_feedback.save("feedback", voice_feedback, save=False)
            review.voice_feedback_type = voice_feedback.content_type
        review.save()
        decided = Evidence.objects.select_for_update().get(pk=evidence.pk)
        accepted = outcome == Review.Outcome.ACCEPTED
        move_status(decided, Evidence.Status.ACCEPTED if accepted else Evidence.Status.RETURNED)
        decided.revision += 1
        decided.save(update_fields=["status", "revision", "updated_at"])
        if review.counts:
            _apply_achievements(review)
        enrolment_touch(enrolment=enrolment)  # the enrolment before the audit chain: see _lock_enrolment_unit
        audit_record(action="review.decided", actor=actor, centre=enrolment.centre, target=review, subject=enrolment,
                     data={"evidence": evidence.pk, "revision": submission.number, "outcome": outcome,
                           "decisions": {c.number: decisions[c.pk] for c in criteria},
                           "units": sorted({c.unit_id for c in criteria}), "feedback": feedback, "actions": actions,
                           "needs_countersign": review.needs_countersign})
        notify(recipient=enrolment.learner, kind=f"evidence_{outcome}",
               url=reverse("evidence_detail", args=[evidence.pk]),
               context={"learner_name": enrolment.learner.first_name, "title": evidence.title,
                        "assessor_name": str(actor), "feedback": feedback, "actions": actions,
                        "met": [c.number for c in criteria if decisions[c.pk]]})
        unit_ids = sorted({c.unit_id for c in criteria})
        transaction.on_commit(lambda: review_decided.send(sender=Review, review=review, unit_ids=unit_ids,
                                                          actor=actor), robust=True)
    return review


def _decided_criteria(enrolment: Enrolment, submission: EvidenceSubmission,
                      decisions: Mapping[int, bool], actor: User) -> list[AssessmentCriterion]:
    missing = set(submission.claimed) - set(decisions)
    if missing:
        raise AssessmentError(_("Decide every criterion the learner claimed (met or not yet met)."))
    chosen = EnrolmentUnit.objects.filter(enrolment=enrolment).values("unit")
    criteria = list(AssessmentCriterion.objects.filter(pk__in=decisions, unit__in=chosen)
                    .select_related("unit").order_by("unit__position", "position"))
    if len(criteria) != len(decisions):
        raise AssessmentError(_("Some of these criteria are not part of the learner's units."))
    locked = locked_units(enrolment)
    refused = [c.number for c in criteria if c.unit_id in locked]
    if refused:
        record_lock_refusal(actor=actor, enrolment=enrolment, target=submission.evidence,
                            attempt=f"decide criteria {', '.join(refused)}")
        raise AssessmentError(_("These criteria belong to a signed-off (locked) unit: %(n)s.")
                              % {"n": ", ".join(refused)})
    return criteria


def _apply_achievements(review: Review) -> None:
    """A counted decision moves progress: each criterion met in accepted evidence is achieved."""
    if review.outcome != Review.Outcome.ACCEPTED:
        return
    met = list(review.decisions.filter(met=True))
    AchievedCriterion.objects.bulk_create(
        [AchievedCriterion(enrolment_id=d.enrolment_id, criterion_id=d.criterion_id, unit_id=d.unit_id,
                           achieved_at=d.decided_at) for d in met], ignore_conflicts=True)
    progress_counts.refresh(d.enrolment_id for d in met)  # bulk: no signals


def review_countersign(*, review: Review, actor: User) -> Review:
    """A qualified assessor (not the one who decided) countersigns, and the decisions start to count."""
    enrolment = review.submission.evidence.enrolment
    if not _is_qualified_assessor(actor, enrolment.centre) or actor.pk == review.assessor_id:
        raise PermissionDenied
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        if not review.needs_countersign or review.countersigned_at or not review.decided_at:
            raise AssessmentError(_("This decision does not await a countersignature."))
        if review.decisions.filter(unit_id__in=locked_units(enrolment)).exists():
            raise AssessmentError(_("The unit has been signed off since; it is locked."))
        review.countersigned_by, review.countersigned_at = actor, timezone.now()
        review.save(update_fields=["countersigned_by", "countersigned_at"])
        _apply_achievements(review)
        audit_record(action="review.countersigned", actor=actor, centre=enrolment.centre, target=review,
                     subject=enrolment, data={"assessor": review.assessor.email,
                                              "units": sorted(set(review.decisions.values_list("unit_id", flat=True)))})
        notify(recipient=review.assessor, kind="review_countersigned",
               url=reverse("review_detail", args=[review.submission_id]),
               context={"assessor_name": review.assessor.first_name, "countersigner": str(actor),
                        "title": review.submission.title, "learner_name": str(enrolment.learner)})
    return review


# --- Sign-off and lock ----------------------------------------------------------------------------------

def unit_missing_criteria(enrolment_unit: EnrolmentUnit) -> list[AssessmentCriterion]:
    achieved = AchievedCriterion.objects.filter(enrolment_id=enrolment_unit.enrolment_id,
                                                unit_id=enrolment_unit.unit_id).values("criterion")
    return list(AssessmentCriterion.objects.filter(unit_id=enrolment_unit.unit_id).exclude(pk__in=achieved)
                .order_by("position"))


class UnitAlreadySignedOff(AssessmentError):
    """The unit was signed off already (a second click): nothing was changed."""


def _lock_enrolment_unit(enrolment_unit: EnrolmentUnit) -> EnrolmentUnit:
    """Sign-off and unlock take their locks in one fixed order: the enrolment, then the enrolment unit, and the
    centre's audit chain last (audit_record takes it). Acts that lock the enrolment and then write an audit event
    (badge awards, plan signing) keep the same order, so a sign-off can wait for them but never deadlock. The
    state is read again under the lock."""
    enrolment = enrolment_unit.enrolment
    enrolment.refresh_from_db(fields=["status"], from_queryset=Enrolment.objects.select_for_update())
    locked = EnrolmentUnit.objects.select_for_update(of=("self",)).select_related("unit").get(pk=enrolment_unit.pk)
    locked.enrolment = enrolment
    return locked


def unit_sign_off(*, enrolment_unit: EnrolmentUnit, actor: User, declared: bool) -> UnitSignOff:
    """Every criterion met: the assessor signs the unit off and it locks. Refused with the list of what is
    missing otherwise."""
    enrolment = enrolment_unit.enrolment
    if not _is_assessor_of(actor, enrolment):
        raise PermissionDenied
    if not _is_qualified_assessor(actor, enrolment.centre):
        raise AssessmentError(_("Units are signed off by a qualified assessor."))
    if not declared:
        raise AssessmentError(_("Confirm the sign-off declaration."))
    with transaction.atomic():
        enrolment_unit = _lock_enrolment_unit(enrolment_unit)
        if enrolment_unit.locked_at:
            raise UnitAlreadySignedOff(_("This unit is already signed off."))
        missing = unit_missing_criteria(enrolment_unit)
        if missing:
            raise AssessmentError(_("Not every criterion is met yet. Missing: %(numbers)s.")
                                  % {"numbers": ", ".join(c.number for c in missing)})
        seal = unit_seal(enrolment_unit)
        now = timezone.now()
        sign_off = UnitSignOff.objects.create(
            enrolment_unit=enrolment_unit, number=enrolment_unit.sign_offs.count() + 1, signed_off_by=actor,
            signed_off_at=now, declaration=str(SIGN_OFF_DECLARATION), seal=seal, seal_hash=seal_hash(seal))
        enrolment_unit.locked_at, enrolment_unit.reopened_at = now, None
        enrolment_unit.save(update_fields=["locked_at", "reopened_at"])
        enrolment_touch(enrolment=enrolment)
        audit_record(action="unit.signed_off", actor=actor, centre=enrolment.centre, target=sign_off,
                     subject=enrolment, data={"unit": enrolment_unit.unit_id, "units": [enrolment_unit.unit_id],
                                              "unit_code": enrolment_unit.unit.code, "version": sign_off.number,
                                              "declaration": sign_off.declaration, "seal": seal,
                                              "seal_hash": sign_off.seal_hash})
        transaction.on_commit(lambda: unit_signed_off.send(sender=UnitSignOff, sign_off=sign_off, actor=actor))
        notify(recipient=enrolment.learner, kind="unit_signed_off", url=reverse("my_progress"),
               context={"learner_name": enrolment.learner.first_name, "unit_code": enrolment_unit.unit.code,
                        "unit_title": enrolment_unit.unit.title, "assessor_name": str(actor)})
        _complete_if_done(enrolment, actor)
    return sign_off


def _complete_if_done(enrolment: Enrolment, actor: User) -> None:
    units = list(EnrolmentUnit.objects.filter(enrolment=enrolment).select_related("unit"))
    if any(eu.locked_at is None for eu in units):
        return
    if rules_of_combination_problems(enrolment.version, [eu.unit for eu in units]):
        return
    enrolment_complete(enrolment=enrolment, actor=actor, units=[eu.unit.code for eu in units])
    transaction.on_commit(lambda: enrolment_completed.send(sender=Enrolment, enrolment=enrolment, actor=actor))
    admins = Membership.objects.current().filter(centre=enrolment.centre, role=Role.CENTRE_ADMIN).select_related("user")
    for admin in admins:
        notify(recipient=admin.user, kind="enrolment_completed", url=reverse("enrolment_detail", args=[enrolment.pk]),
               context={"admin_name": admin.user.first_name, "learner_name": str(enrolment.learner),
                        "qualification": enrolment.version.title})


def unit_unlock(*, enrolment_unit: EnrolmentUnit, actor: User, reason: str) -> UnitSignOff:
    """A moderator or centre admin reopens a signed-off unit, with a reason. The sign-off stays readable;
    the next sign-off is a new version."""
    enrolment = enrolment_unit.enrolment
    if not has_role(actor, enrolment.centre, Role.MODERATOR, Role.CENTRE_ADMIN):
        raise PermissionDenied
    if not reason.strip():
        raise AssessmentError(_("Give the reason for unlocking the unit."))
    with transaction.atomic():
        enrolment_unit = _lock_enrolment_unit(enrolment_unit)
        sign_off = enrolment_unit.sign_offs.filter(unlocked_at__isnull=True).order_by("-number").first()
        if not enrolment_unit.locked_at or sign_off is None:
            raise AssessmentError(_("This unit is not signed off."))
        now = timezone.now()
        # First the unlock record: on PostgreSQL the lock cannot be cleared in a transaction without one.
        UnitUnlock.objects.create(sign_off=sign_off, enrolment_unit=enrolment_unit, unlocked_by=actor,
                                  unlocked_at=now, reason=reason.strip())
        enrolment_unit.locked_at, enrolment_unit.reopened_at = None, now
        enrolment_unit.save(update_fields=["locked_at", "reopened_at"])
        UnitSignOff.objects.filter(pk=sign_off.pk).update(unlocked_by=actor, unlocked_at=now,
                                                          unlock_reason=reason.strip())
        enrolment_reopen(enrolment=enrolment, actor=actor,
                         reason=f"Unit {enrolment_unit.unit.code} unlocked: {reason.strip()}")
        audit_record(action="unit.unlocked", actor=actor, centre=enrolment.centre, target=sign_off, subject=enrolment,
                     data={"unit": enrolment_unit.unit_id, "units": [enrolment_unit.unit_id],
                           "unit_code": enrolment_unit.unit.code, "version": sign_off.number,
                           "reason": reason.strip()})
        notify(recipient=enrolment.assessor, kind="unit_unlocked", url=reverse("enrolment_detail", args=[enrolment.pk]),
               context={"assessor_name": enrolment.assessor.first_name, "learner_name": str(enrolment.learner),
                        "unit_code": enrolment_unit.unit.code, "reason": reason.strip(), "by": str(actor)})
        notify(recipient=enrolment.learner, kind="unit_reopened", url=reverse("my_progress"),
               context={"learner_name": enrolment.learner.first_name, "unit_code": enrolment_unit.unit.code,
                        "unit_title": enrolment_unit.unit.title, "reason": reason.strip(), "by": str(actor),
                        "by_moderator": has_role(actor, enrolment.centre, Role.MODERATOR)})
        transaction.on_commit(lambda: unit_unlocked.send(sender=UnitSignOff, sign_off=sign_off, actor=actor,
                                                         reason=reason.strip()))
    sign_off.refresh_from_db()
    return sign_off
