import datetime
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from centres.models import Membership, Role
from centres.services import ServiceError, has_role
from centres.workflow import check_move, move_status
from notifications.services import notify
from portfolios import progress_counts
from portfolios.models import Enrolment, EnrolmentUnit
from qualifications.models import QualificationVersion, Unit
from qualifications.services import version_freeze


def rules_of_combination_problems(version: QualificationVersion, units: Iterable[Unit]) -> list[str]:
    """Every rule of combination the chosen units break, each named so the person can fix it."""
    chosen = {u.pk for u in units}
    problems = [
        _("Unit %(code)s %(title)s is mandatory.") % {"code": u.code, "title": u.title}
        for u in version.units.all() if u.mandatory and u.pk not in chosen
    ]
    credits = sum(u.credits for u in version.units.all() if u.pk in chosen)
    if version.minimum_credits and credits < version.minimum_credits:
        problems.append(ngettext("At least %(min)s credit is required; the chosen units give %(credits)s.",
                                 "At least %(min)s credits are required; the chosen units give %(credits)s.",
                                 version.minimum_credits) % {"min": version.minimum_credits, "credits": credits})
    if not chosen:
        problems.append(_("Choose at least one unit."))
    return problems


def _ensure_may_manage_learner(actor: User, membership: Membership) -> None:
    if has_role(actor, membership.centre, Role.CENTRE_ADMIN):
        return
    if membership.assessor_id == actor.pk and has_role(actor, membership.centre, Role.ASSESSOR):
        return
    raise ServiceError(_("Only the learner's assessor or a centre admin can do this."))


def enrolment_create(
    *,
    learner_membership: Membership,
    version: QualificationVersion,
    units: list[Unit],
    start_date: datetime.date,
    planned_end_date: datetime.date,
    actor: User,
    assessor=None,
    moderator=None,
) -> Enrolment:
    """Enrol a learner on a published qualification version. The version is frozen from now on."""
    centre = learner_membership.centre
    _ensure_may_manage_learner(actor, learner_membership)
    assessor = assessor or learner_membership.assessor
    if version.qualification.centre_id != centre.pk or version.status != QualificationVersion.Status.PUBLISHED:
        raise ServiceError(_("This qualification is not open for enrolment at this centre."))
    if not has_role(assessor, centre, Role.ASSESSOR):
        raise ServiceError(_("%(name)s is not an assessor at this centre.") % {"name": assessor})
    if moderator is not None and not has_role(moderator, centre, Role.MODERATOR):
        raise ServiceError(_("%(name)s is not a moderator at this centre.") % {"name": moderator})
    if planned_end_date <= start_date:
        raise ServiceError(_("The planned end date must be after the start date."))
    if any(u.version_id != version.pk for u in units):
        raise ServiceError(_("Choose units of this qualification only."))
    problems = rules_of_combination_problems(version, units)
    if problems:
        raise ServiceError(" ".join(problems))
    learner = learner_membership.user
    with transaction.atomic():
        if Enrolment.objects.select_for_update().filter(
            learner=learner, version__qualification=version.qualification,
            status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK],
        ).exists():
            raise ServiceError(_("%(name)s is already enrolled on %(code)s.")
                               % {"name": learner, "code": version.qualification.code})
        enrolment = Enrolment.objects.create(
            centre=centre, learner=learner, version=version, assessor=assessor, moderator=moderator,
            start_date=start_date, planned_end_date=planned_end_date)
        EnrolmentUnit.objects.bulk_create(EnrolmentUnit(enrolment=enrolment, unit=u) for u in units)
        progress_counts.refresh([enrolment.pk])  # bulk: no signals
        version_freeze(version=version)
        audit_record(action="enrolment.created", actor=actor, centre=centre, target=enrolment, subject=enrolment, data={
            "learner": learner.email, "qualification": version.qualification.code, "version": version.number,
            "units": sorted(u.code for u in units), "assessor": assessor.email,
            "start_date": start_date, "planned_end_date": planned_end_date})
        notify(recipient=learner, kind="enrolment_created", url=reverse("enrolment_detail", args=[enrolment.pk]),
               context={"learner_name": learner.first_name, "qualification": version.title,
                        "assessor_name": str(assessor), "centre_name": centre.name,
                        "planned_end_date": planned_end_date.isoformat()})
    return enrolment


def enrolment_change_status(
    *,
    enrolment: Enrolment,
    status: str,
    actor: User,
    return_date: datetime.date | None = None,
    reason: str = "",
) -> Enrolment:
    """Move an enrolment along the allowed moves: on break (with a return date), withdrawn (with a reason),
    back to active, or completed."""
    membership = Membership.objects.filter(user=enrolment.learner, centre=enrolment.centre,
                                           role=Role.LEARNER).first()
    if membership is None:
        raise ServiceError(_("This learner is no longer at the centre."))
    _ensure_may_manage_learner(actor, membership)
    check_move(enrolment, status)
    if enrolment.status == Enrolment.Status.COMPLETED and status == Enrolment.Status.ACTIVE:
        raise ServiceError(_("A completed enrolment becomes active again when one of its units is unlocked."))
    if status == Enrolment.Status.ON_BREAK and (return_date is None or return_date <= timezone.localdate()):
        raise ServiceError(_("A break needs a return date in the future."))
    if status == Enrolment.Status.WITHDRAWN and not reason.strip():
        raise ServiceError(_("Give the reason for the withdrawal."))
    with transaction.atomic():
        previous = move_status(enrolment, status)
        enrolment.break_return_date = return_date if status == Enrolment.Status.ON_BREAK else None
        enrolment.withdrawal_reason = reason.strip() if status == Enrolment.Status.WITHDRAWN else ""
        enrolment.completed_at = timezone.now() if status == Enrolment.Status.COMPLETED else None
        enrolment.last_activity_at = timezone.now()
        enrolment.save(update_fields=["status", "break_return_date", "withdrawal_reason", "completed_at",
                                      "last_activity_at"])
        audit_record(action="enrolment.status_changed", actor=actor, centre=enrolment.centre, target=enrolment,
                     subject=enrolment,
                     data={"from": previous, "to": status, "return_date": return_date, "reason": reason.strip()})
    return enrolment


def enrolment_complete(*, enrolment: Enrolment, actor: User, units: list[str]) -> Enrolment:
    """Every unit signed off and the rules met: the enrolment is complete. Called by the sign-off, not a person,
    so it checks only the state move; one on break or withdrawn stays as it is. The caller holds the enrolment's
    row lock and has read its status under it."""
    if enrolment.status != Enrolment.Status.ACTIVE:
        return enrolment
    with transaction.atomic():
        move_status(enrolment, Enrolment.Status.COMPLETED)
        enrolment.completed_at = enrolment.last_activity_at = timezone.now()
        enrolment.save(update_fields=["status", "completed_at", "last_activity_at"])
        audit_record(action="enrolment.completed", actor=actor, centre=enrolment.centre, target=enrolment,
                     subject=enrolment, data={"units": units})
    return enrolment


def enrolment_reopen(*, enrolment: Enrolment, actor: User, reason: str) -> Enrolment:
    """A completed enrolment becomes active again because one of its units was unlocked. The caller holds the
    enrolment's row lock and has read its status under it."""
    if enrolment.status != Enrolment.Status.COMPLETED:
        return enrolment
    with transaction.atomic():
        move_status(enrolment, Enrolment.Status.ACTIVE)
        enrolment.completed_at, enrolment.last_activity_at = None, timezone.now()
        enrolment.save(update_fields=["status", "completed_at", "last_activity_at"])
        audit_record(action="enrolment.reopened", actor=actor, centre=enrolment.centre, target=enrolment,
                     subject=enrolment, data={"reason": reason})
    return enrolment


def enrolment_touch(*, enrolment: Enrolment) -> None:
    """Record activity on an enrolment (plans signed, evidence, decisions) for the caseload."""
    Enrolment.objects.filter(pk=enrolment.pk).update(last_activity_at=timezone.now())
