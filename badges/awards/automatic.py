"""Badges that follow assessment: a unit badge per sign-off, a qualification badge per completion, and their
revocation when a unit is reopened. Each is safe to run twice (the tasks are redelivered)."""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessment.models import UnitSignOff
from badges.awards.badge_classes import (
    Kind,
    badge_class_for_qualification,
    badge_class_for_unit,
)
from badges.awards.services import _revoke, award_badge
from badges.certificates.services import certificates_revoke_for_reopened
from badges.models import Award
from centres.models import Role
from centres.services import has_role
from moderation.samples.selectors import certification_holds
from portfolios.models import Enrolment


def award_for_sign_off(*, sign_off_id: int) -> Award | None:
    """The unit badge of one sign-off, once (a redelivered task returns the same award). None when the sign-off
    has been unlocked since: the unit was reopened, its award revoked, and the next sign-off awards a new badge,
    with a new id and issuance date."""
    sign_off = (UnitSignOff.objects.select_related("enrolment_unit__unit", "signed_off_by")
                .filter(pk=sign_off_id).first())
    if sign_off is None:
        return None
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_for_update().select_related("centre", "learner")
                     .get(pk=sign_off.enrolment_unit.enrolment_id))
        existing = Award.objects.filter(sign_off=sign_off).first()
        if existing is not None:
            return existing
        if UnitSignOff.objects.filter(pk=sign_off.pk, unlocked_at__isnull=False).exists():
            return None
        # The unlock's own task may not have run yet: an earlier, reopened sign-off's badge never stays valid.
        for earlier in UnitSignOff.objects.filter(enrolment_unit=sign_off.enrolment_unit, unlocked_at__isnull=False,
                                                  pk__in=_valid_awards().values("sign_off")):
            awards_revoke_for_reopened_unit(sign_off_id=earlier.pk)
        unit = sign_off.enrolment_unit.unit
        badge = badge_class_for_unit(unit=unit, centre=enrolment.centre)
        narrative = (f"{sign_off.signed_off_by} signed off unit {unit.code} {unit.title} on "
                     f"{timezone.localdate(sign_off.signed_off_at):%d %B %Y}: every assessment criterion was met, "
                     "judged against the learner's evidence.")
        return award_badge(badge_class=badge, recipient=enrolment.learner, actor=sign_off.signed_off_by,
                           narrative=narrative, enrolment=enrolment, sign_off=sign_off)


def award_for_completion(*, enrolment_id: int) -> Award | None:
    """The qualification badge for a completed enrolment, once per completion. None if it is no longer complete,
    or while internal quality assurance holds its certification.
    A qualification badge issued before one of its units was reopened does not count (it is revoked)."""
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_for_update().select_related("centre", "learner", "version")
                     .filter(pk=enrolment_id).first())
        if enrolment is None or enrolment.status != Enrolment.Status.COMPLETED:
            return None
        last_unlock = (UnitSignOff.objects.filter(enrolment_unit__enrolment=enrolment, unlocked_at__isnull=False)
                       .order_by("-unlocked_at").first())
        awarded = Award.objects.filter(enrolment=enrolment, badge_class__kind=Kind.QUALIFICATION)
        if last_unlock is not None:
            if _valid_awards().filter(pk__in=awarded.filter(issued_on__lte=last_unlock.unlocked_at)).exists():
                awards_revoke_for_reopened_unit(sign_off_id=last_unlock.pk)  # the unlock's task has not run yet
            awarded = awarded.filter(issued_on__gt=last_unlock.unlocked_at)
        existing = awarded.first()
        if existing is not None:
            return existing
        if certification_holds(enrolment=enrolment):
            return None  # held by IQA: awarded when the holds are released (badges.receivers)
        last = (UnitSignOff.objects.filter(enrolment_unit__enrolment=enrolment, unlocked_at__isnull=True)
                .select_related("signed_off_by").order_by("-signed_off_at", "-pk").first())
        codes = list(enrolment.enrolment_units.order_by("unit__position").values_list("unit__code", flat=True))
        badge = badge_class_for_qualification(version=enrolment.version, centre=enrolment.centre)
        narrative = (f"Completed {enrolment.version.title}: every unit signed off ({', '.join(codes)}) "
                     f"on {timezone.localdate(enrolment.completed_at or timezone.now()):%d %B %Y}.")
        return award_badge(badge_class=badge, recipient=enrolment.learner,
                           actor=last.signed_off_by if last else enrolment.assessor,
                           narrative=narrative, enrolment=enrolment)


def _valid_awards():
    return Award.objects.filter(revoked_at__isnull=True)


def reopened_unit_reason(sign_off: UnitSignOff) -> str:
    """The revocation reason shown on the public page and to every verifier."""
    centre = sign_off.enrolment_unit.enrolment.centre
    role = "a moderator" if has_role(sign_off.unlocked_by, centre, Role.MODERATOR) else "a centre admin"
    return (f"Unit {sign_off.enrolment_unit.unit.code} reopened by {role} on "
            f"{timezone.localdate(sign_off.unlocked_at):%d %B %Y}: {sign_off.unlock_reason}")


def awards_revoke_for_reopened_unit(*, sign_off_id: int) -> list[Award]:
    """A reopened unit's badge is no longer a true claim. Revoked, with the unlock's reason: the badge of that
    sign-off, the enrolment's qualification badge issued before the unlock, and the certificates whose rule the
    reopened enrolment no longer meets. Safe to run twice. The learner was told of the unlock itself."""
    sign_off = (UnitSignOff.objects.select_related("enrolment_unit__unit", "enrolment_unit__enrolment__centre",
                                                   "unlocked_by")
                .filter(pk=sign_off_id, unlocked_at__isnull=False).first())
    if sign_off is None:
        return []
    reason, actor = reopened_unit_reason(sign_off), sign_off.unlocked_by
    with transaction.atomic():
        enrolment = Enrolment.objects.select_for_update().select_related("centre").get(
            pk=sign_off.enrolment_unit.enrolment_id)
        stale = _valid_awards().filter(
            Q(sign_off=sign_off) | Q(enrolment=enrolment, badge_class__kind=Kind.QUALIFICATION,
                                     issued_on__lte=sign_off.unlocked_at))
        revoked = [_revoke(award=award, reason=reason, actor=actor, tell_learner=False) for award in stale]
        certificates_revoke_for_reopened(enrolment=enrolment, reason=reason, actor=actor)
    return [award for award in revoked if award is not None]
