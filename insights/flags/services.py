"""Raising and clearing a manual at-risk flag. Staff who may see the learner's enrolment may flag it: the centre
admin and the moderators of its centre, and its own assessor. External moderators only read."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Role
from centres.services import ServiceError, has_role
from centres.workflow import check_move, move_status
from portfolios.models import Enrolment

from ..models import RiskFlag
from ..reports.measures import IN_LEARNING


def may_flag(user: User, enrolment: Enrolment) -> bool:
    if has_role(user, enrolment.centre, Role.CENTRE_ADMIN, Role.MODERATOR):
        return True
    return enrolment.assessor_id == user.pk and has_role(user, enrolment.centre, Role.ASSESSOR)


def _ensure_may_flag(actor: User, enrolment: Enrolment) -> None:
    if not (actor.is_authenticated and may_flag(actor, enrolment)):
        raise PermissionDenied


def risk_flag_add(*, enrolment: Enrolment, reason: str, actor: User) -> RiskFlag:
    """Flag a learner in learning as at risk, with the reason; one raised flag per enrolment at a time."""
    _ensure_may_flag(actor, enrolment)
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why this learner is at risk."))
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)  # one raised flag, even if racing
        if enrolment.status not in IN_LEARNING:
            raise ServiceError(_("Only a learner in learning (active or on break) can be flagged as at risk."))
        if RiskFlag.objects.filter(enrolment=enrolment, status=RiskFlag.Status.RAISED).exists():
            raise ServiceError(_("This learner is already flagged as at risk; clear that flag first."))
        flag = RiskFlag.objects.create(centre=enrolment.centre, enrolment=enrolment, reason=reason, raised_by=actor)
        audit_record(action="insights.risk_flag_raised", actor=actor, centre=enrolment.centre, target=flag,
                     subject=enrolment, data={"learner": enrolment.learner.email, "reason": reason})
    return flag


def risk_flag_clear(*, flag: RiskFlag, note: str = "", actor: User) -> RiskFlag:
    """Clear a raised flag, with an optional note. The learner stays on the at-risk list for any computed
    reason."""
    _ensure_may_flag(actor, flag.enrolment)
    with transaction.atomic():
        flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
        check_move(flag, RiskFlag.Status.CLEARED, refusal=_("This flag has already been cleared."))
        move_status(flag, RiskFlag.Status.CLEARED)
        flag.cleared_by, flag.cleared_at, flag.clear_note = actor, timezone.now(), note.strip()
        flag.save(update_fields=["status", "cleared_by", "cleared_at", "clear_note"])
        audit_record(action="insights.risk_flag_cleared", actor=actor, centre=flag.centre, target=flag,
                     subject=flag.enrolment, data={"learner": flag.enrolment.learner.email, "note": flag.clear_note,
                                                   "reason": flag.reason})
    return flag
