"""EQA grants: created, extended, expanded and revoked by a centre admin; each change audited.

Access ends by itself at `expires_at`: nothing has to run for it to stop (every request asks for an active
grant). Grants of one external moderator at one centre never overlap, so one grant is in effect at a time.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Membership, Role
from centres.services import ServiceError, ensure_role, staff_invite
from moderation.models import EqaGrant, SamplingPlan
from notifications.services import notify
from qualifications.models import Qualification

from .models import DEFAULT_GRANT_DAYS, MAX_GRANT_DAYS

INTERNAL_ROLES = (Role.LEARNER, Role.ASSESSOR, Role.MODERATOR, Role.CENTRE_ADMIN)


def eqa_grant_create(
    *, centre: Centre, actor: User, email: str, scope: str, starts_at: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None, qualification: Qualification | None = None,
    cohort_month: datetime.date | None = None, plan: SamplingPlan | None = None, learners=(),
    visit_on: datetime.date | None = None, awarding_body: str = "", show_contact_details: bool = False,
    blind: bool = False,
) -> EqaGrant:
    """Give an external moderator read access to a scope of the centre for a time. An address with no EQA role
    here is invited (staff sign-in, TOTP required); the grant takes effect once the invitation is accepted."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    email = email.strip().lower()
    starts_at = starts_at or timezone.now()
    expires_at = expires_at or starts_at + datetime.timedelta(days=DEFAULT_GRANT_DAYS)
    _check_window(starts_at, expires_at)
    moderator = _check_person(centre, email)
    learners = list(learners)
    _check_scope(centre, scope, qualification, cohort_month, plan, learners)
    with transaction.atomic():
        _check_no_overlap(centre, email, starts_at, expires_at, exclude=None)
        invitation = None
        if moderator is None:
            invitation = staff_invite(centre=centre, email=email, role=Role.EXTERNAL_MODERATOR, actor=actor)
        grant = EqaGrant.objects.create(
            centre=centre, email=email, moderator=moderator, invitation=invitation, scope=scope,
            qualification=qualification, cohort_month=cohort_month.replace(day=1) if cohort_month else None,
            plan=plan, starts_at=starts_at, expires_at=expires_at, visit_on=visit_on, awarding_body=awarding_body,
            show_contact_details=show_contact_details, blind=blind, created_by=actor)
        grant.learners.set(learners)
        audit_record(action="eqa.grant_created", actor=actor, centre=centre, target=grant, data={
            **_described(grant), "invited": invitation is not None})
        if moderator is not None:
            notify(recipient=moderator, kind="eqa_grant", url=reverse("home"), context={
                "centre_name": centre.name, "starts": f"{timezone.localtime(starts_at):%d %b %Y %H:%M}",
                "ends": f"{timezone.localtime(expires_at):%d %b %Y %H:%M}", "scope": _scope_sentence(grant)})
    return grant


def eqa_grant_extend(*, grant: EqaGrant, actor: User, expires_at: datetime.datetime) -> EqaGrant:
    """Move the expiry (later or earlier), still at most 90 days after the start."""
    ensure_role(actor, grant.centre, Role.CENTRE_ADMIN)
    with transaction.atomic():
        grant = EqaGrant.objects.select_for_update().get(pk=grant.pk)
        _check_changeable(grant)
        _check_window(grant.starts_at, expires_at)
        _check_no_overlap(grant.centre, grant.email, grant.starts_at, expires_at, exclude=grant.pk)
        before = grant.expires_at
        grant.expires_at = expires_at
        grant.save(update_fields=["expires_at"])
        audit_record(action="eqa.grant_extended", actor=actor, centre=grant.centre, target=grant,
                     data={"from": before.isoformat(), "to": expires_at.isoformat()})
    return grant


def eqa_grant_expand(*, grant: EqaGrant, actor: User, learners) -> EqaGrant:
    """Add learners to the grant's scope ("expand the sample on the day")."""
    ensure_role(actor, grant.centre, Role.CENTRE_ADMIN)
    learners = list(learners)
    if not learners:
        raise ServiceError(_("Choose at least one learner to add."))
    _check_learners(grant.centre, learners)
    with transaction.atomic():
        grant = EqaGrant.objects.select_for_update().get(pk=grant.pk)
        _check_changeable(grant)
        already = set(grant.learners.values_list("pk", flat=True))
        new = [u for u in learners if u.pk not in already]
        if not new:
            raise ServiceError(_("These learners are already in the grant."))
        grant.learners.add(*new)
        audit_record(action="eqa.grant_expanded", actor=actor, centre=grant.centre, target=grant,
                     data={"added": sorted(u.email for u in new)})
    return grant


def eqa_grant_revoke(*, grant: EqaGrant, actor: User, reason: str) -> EqaGrant:
    ensure_role(actor, grant.centre, Role.CENTRE_ADMIN)
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why the grant is revoked."))
    with transaction.atomic():
        grant = EqaGrant.objects.select_for_update().get(pk=grant.pk)
        _check_changeable(grant)
        grant.revoked_at, grant.revoked_by, grant.revoke_reason = timezone.now(), actor, reason
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit_record(action="eqa.grant_revoked", actor=actor, centre=grant.centre, target=grant,
                     data={"reason": reason})
    return grant


def eqa_grants_link(*, invitation, user: User) -> int:
    """An accepted EQA invitation: its grants now belong to the person who accepted it."""
    with transaction.atomic():
        grants = list(EqaGrant.objects.select_for_update().filter(invitation=invitation, moderator__isnull=True))
        for grant in grants:
            grant.moderator = user
            grant.save(update_fields=["moderator"])
            audit_record(action="eqa.grant_accepted", actor=user, centre=grant.centre, target=grant,
                         data={"email": user.email})
    return len(grants)


# --- Checks -------------------------------------------------------------------------------------------------

def _check_window(starts_at: datetime.datetime, expires_at: datetime.datetime) -> None:
    if expires_at <= starts_at:
        raise ServiceError(_("The grant must end after it starts."))
    if expires_at - starts_at > datetime.timedelta(days=MAX_GRANT_DAYS):
        raise ServiceError(_("A grant lasts at most %(days)s days.") % {"days": MAX_GRANT_DAYS})
    if expires_at <= timezone.now():
        raise ServiceError(_("The grant would already have ended."))


def _check_person(centre: Centre, email: str) -> User | None:
    """The external moderator, if the address already holds the centre's EQA role. Refused: an address that is
    a learner's, or one of this centre's own staff (a centre does not moderate itself)."""
    if "@" not in email or len(email) > 254:
        raise ServiceError(_("Enter the external moderator's email address."))
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return None
    memberships = Membership.objects.current().filter(user=user)
    if memberships.filter(role=Role.LEARNER).exists():
        raise ServiceError(_("%(email)s is a learner's account: EQA access is for an awarding body's staff.")
                           % {"email": email})
    if memberships.filter(centre=centre, role__in=INTERNAL_ROLES).exists():
        raise ServiceError(_("%(email)s works at this centre: an external moderator must be from outside it.")
                           % {"email": email})
    if memberships.filter(centre=centre, role=Role.EXTERNAL_MODERATOR).exists():
        return user
    return None


def _check_scope(centre, scope, qualification, cohort_month, plan, learners) -> None:
    if scope not in EqaGrant.Scope.values:
        raise ServiceError(_("Choose what the grant covers."))
    if qualification is not None and qualification.centre_id != centre.pk:
        raise ServiceError(_("That qualification is not this centre's."))
    if scope == EqaGrant.Scope.QUALIFICATION and qualification is None:
        raise ServiceError(_("Choose the qualification the grant covers."))
    if scope == EqaGrant.Scope.COHORT and cohort_month is None:
        raise ServiceError(_("Choose the cohort's start month."))
    if scope == EqaGrant.Scope.IQA_PLAN and (plan is None or plan.centre_id != centre.pk):
        raise ServiceError(_("Choose one of this centre's IQA sampling plans."))
    if scope == EqaGrant.Scope.LEARNERS and not learners:
        raise ServiceError(_("Choose the learners the grant covers."))
    _check_learners(centre, learners)


def _check_learners(centre: Centre, learners) -> None:
    ids = {u.pk for u in learners}
    known = set(Membership.objects.filter(centre=centre, role=Role.LEARNER, user_id__in=ids)
                .values_list("user_id", flat=True))
    if ids - known:
        raise ServiceError(_("Only this centre's learners can be in a grant."))


def _check_no_overlap(centre, email, starts_at, expires_at, *, exclude) -> None:
    overlapping = (EqaGrant.objects.select_for_update()
                   .filter(centre=centre, email__iexact=email, revoked_at__isnull=True,
                           starts_at__lt=expires_at, expires_at__gt=starts_at).exclude(pk=exclude))
    other = overlapping.order_by("starts_at").first()
    if other is not None:
        raise ServiceError(_("%(email)s already has grant #%(pk)s from %(start)s to %(end)s: extend or expand it "
                             "instead.") % {"email": email, "pk": other.pk,
                                            "start": f"{timezone.localtime(other.starts_at):%d %b %Y}",
                                            "end": f"{timezone.localtime(other.expires_at):%d %b %Y}"})


def _check_changeable(grant: EqaGrant) -> None:
    if grant.revoked_at is not None:
        raise ServiceError(_("This grant has been revoked."))
    if grant.expires_at <= timezone.now():
        raise ServiceError(_("This grant has ended; create a new one."))


def _described(grant: EqaGrant) -> dict:
    return {"email": grant.email, "scope": grant.scope, "qualification": grant.qualification_id,
            "cohort_month": grant.cohort_month.isoformat() if grant.cohort_month else None, "plan": grant.plan_id,
            "learners": sorted(grant.learners.values_list("email", flat=True)),
            "starts_at": grant.starts_at.isoformat(), "expires_at": grant.expires_at.isoformat(),
            "visit_on": grant.visit_on.isoformat() if grant.visit_on else None,
            "show_contact_details": grant.show_contact_details, "blind": grant.blind}


def _scope_sentence(grant: EqaGrant) -> str:
    match grant.scope:
        case EqaGrant.Scope.QUALIFICATION:
            return _("qualification %(q)s") % {"q": grant.qualification}
        case EqaGrant.Scope.COHORT:
            return _("the cohort that started in %(m)s") % {"m": f"{grant.cohort_month:%B %Y}"}
        case EqaGrant.Scope.IQA_PLAN:
            return _("the learners of IQA plan %(p)s") % {"p": grant.plan}
        case EqaGrant.Scope.LEARNERS:
            count = grant.learners.count()
            return ngettext("%(n)s listed learner", "%(n)s listed learners", count) % {"n": count}
        case _:
            return _("the whole centre")
