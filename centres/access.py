"""Who may reach what. Every view carries one of these rules; every object is fetched through a helper.

Objects of another centre, or that the user has no business knowing of, answer 404; a page the user
knows of but whose role they lack answers 403.
"""
from collections.abc import Callable
from functools import cached_property, wraps

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts.access import mark_access, public, signed_in
from accounts.request_cache import from_state, model_state, read_along_with_person, read_through

from .models import STAFF_ROLES, Centre, Invitation, Membership, Role

__all__ = ["public", "signed_in", "role_required", "get_learner_for", "get_staff_membership_for",
           "get_invitation_for", "learners_in_grant", "LeapContext", "platform_admin_required",
           "get_centre_for_platform"]

SESSION_CENTRE_KEY = "leap_centre_id"
# The person's memberships in the shared cache (accounts.request_cache): read under the person's generation and the
# centres' one, dropped by centres.receivers on any change of a membership, a centre or a learner's assessor.
MEMBERSHIPS_CACHE = "memberships"
CENTRES_GENERATION = "centres"
read_along_with_person(MEMBERSHIPS_CACHE, shared=(CENTRES_GENERATION,))  # in the round trip that reads the user


class LeapContext:
    """The signed-in person's centres and roles, loaded once per request and only when asked for.

    An external moderator's membership counts only in a centre where they hold an active EQA grant. The grants
    live in a higher layer (moderation), which sets `grant_source` on each request: a function of the user giving
    the grant in effect per centre id. Without it (or without a grant) the membership gives nothing.

    What a grant lets them read is decided in the same layer: it sets `external_enrolments`, a function of a
    grant giving the queryset of every enrolment in its scope (`moderation.external.selectors.grant_enrolments`).
    The lower apps call it through `grant_enrolments` below and filter by it, never importing moderation: every
    read of an external moderator is a subset of those enrolments, their learners and their qualifications.
    """

    grant_source: Callable | None = None
    external_enrolments: Callable | None = None

    def __init__(self, request: HttpRequest):
        self.request = request
        self.user = request.user

    @cached_property
    def all_memberships(self) -> list[Membership]:
        """Every current membership, an external moderator's included whether or not a grant is in effect."""
        if not self.user.is_authenticated:
            return []
        return cached_memberships(self.user, fetched=getattr(self.request, "person_cache", None))

    @cached_property
    def grants(self) -> dict:
        """The EQA grant in effect per centre id (empty for anyone without an external moderator's role)."""
        if self.grant_source is None or not any(m.role == Role.EXTERNAL_MODERATOR for m in self.all_memberships):
            return {}
        return self.grant_source(self.user)

    @cached_property
    def memberships(self) -> list[Membership]:
        return [m for m in self.all_memberships
                if m.role != Role.EXTERNAL_MODERATOR or m.centre_id in self.grants]

    @property
    def grant(self):
        """The external moderator's grant in effect in the current centre, or None."""
        centre = self.centre
        return self.grants.get(centre.pk) if centre is not None else None

    @property
    def reads_under_grant(self) -> bool:
        """Reads as an external moderator here: holds the role through a grant and no role that reads the whole
        centre (centre admin, moderator). Their reads are the grant's scope (plus, say, their own caseload)."""
        return Role.EXTERNAL_MODERATOR in self.roles and not self.has(Role.CENTRE_ADMIN, Role.MODERATOR)

    def grant_enrolments(self, centre_id: int | None = None):
        """The enrolments in scope of the grant in effect in `centre_id` (the current centre by default), as a
        queryset; None without a grant there."""
        grant = self.grant if centre_id is None else self.grants.get(centre_id)
        if grant is None or self.external_enrolments is None:
            return None
        return self.external_enrolments(grant)

    @property
    def is_grantless_external(self) -> bool:
        """Holds an external moderator's role somewhere, without a grant in effect in the current centre."""
        return self.grant is None and any(m.role == Role.EXTERNAL_MODERATOR for m in self.all_memberships)

    @cached_property
    def centres(self) -> list[Centre]:
        seen: dict[int, Centre] = {}
        for m in self.memberships:
            seen.setdefault(m.centre_id, m.centre)
        return sorted(seen.values(), key=lambda c: c.name)

    @cached_property
    def centre(self) -> Centre | None:
        wanted = self.request.session.get(SESSION_CENTRE_KEY)
        for centre in self.centres:
            if centre.pk == wanted:
                return centre
        return self.centres[0] if self.centres else None

    @cached_property
    def roles(self) -> frozenset[str]:
        centre = self.centre
        return frozenset(m.role for m in self.memberships if centre and m.centre_id == centre.pk)

    @cached_property
    def learner_membership(self) -> Membership | None:
        centre = self.centre
        return next((m for m in self.memberships
                     if centre and m.centre_id == centre.pk and m.role == Role.LEARNER), None)

    @property
    def is_staff_anywhere(self) -> bool:
        return self.user.is_superuser or any(m.role in STAFF_ROLES for m in self.all_memberships)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def cached_memberships(user, *, fetched=None) -> list[Membership]:
    """The person's current memberships with their centre and (for a learner) assessor, from the shared cache.

    The cache holds every membership not ended; whether one has expired is decided here, on each request."""
    rows = read_through(MEMBERSHIPS_CACHE, user.pk, lambda: _membership_rows(user.pk), shared=(CENTRES_GENERATION,),
                        fetched=fetched)
    centres: dict[int, Centre] = {}
    memberships = []
    for membership_row, centre_row, assessor_row in rows:
        membership = from_state(Membership, membership_row)
        if not membership.is_current:
            continue
        membership.user = user
        membership.centre = centres.get(membership.centre_id) or centres.setdefault(
            membership.centre_id, from_state(Centre, centre_row))
        if assessor_row is not None:
            membership.assessor = from_state(get_user_model(), assessor_row)
        memberships.append(membership)
    return memberships


def _membership_rows(user_id: int) -> list[tuple]:
    memberships = Membership.objects.filter(user_id=user_id, ended_at__isnull=True).select_related("centre", "assessor")
    return [(model_state(m), model_state(m.centre),
             model_state(m.assessor, leave_out=("password",)) if m.assessor_id else None) for m in memberships]


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """The signed-in person holds one of `roles` in their current centre."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if request.leap.centre is None or not request.leap.has(*roles):
                if request.leap.is_grantless_external and not request.leap.roles:
                    raise Http404  # outside a grant an external moderator sees nothing, not even refusals
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return mark_access(wrapped, "roles:" + ",".join(roles))

    return decorator


# --- One helper per object type ----------------------------------------------------------------------

def get_learner_for(request: HttpRequest, pk: int, *, write: bool = False) -> Membership:
    """A learner of the current centre: any for its admins (and, read-only, moderators); own for assessors; for an
    external moderator, read-only, those with an enrolment in the grant's scope, also after their membership
    ended (withdrawn and completed learners are part of what an EQA samples)."""
    leap = request.leap
    learners = Membership.objects.current().learners().filter(centre=leap.centre).select_related("user", "assessor")
    if leap.has(Role.CENTRE_ADMIN):
        pass
    elif leap.has(Role.MODERATOR) and not write:
        pass
    elif leap.reads_under_grant and not write and not leap.has(Role.ASSESSOR):
        learners = learners_in_grant(request)
    elif leap.reads_under_grant and not write:
        learners = learners.filter(assessor=request.user) | learners_in_grant(request)
    elif leap.has(Role.ASSESSOR):
        learners = learners.filter(assessor=request.user)
    else:
        raise Http404
    membership = learners.filter(pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def learners_in_grant(request: HttpRequest):
    """Learner memberships (current or ended) of the current centre with an enrolment in the grant's scope."""
    scope = request.leap.grant_enrolments()
    learners = Membership.objects.learners().filter(centre=request.leap.centre).select_related("user", "assessor")
    return learners.none() if scope is None else learners.filter(user__in=scope.values("learner_id"))


def get_staff_membership_for(request: HttpRequest, pk: int) -> Membership:
    if not request.leap.has(Role.CENTRE_ADMIN):
        raise Http404
    membership = Membership.objects.current().staff().filter(centre=request.leap.centre, pk=pk).first()
    if membership is None:
        raise Http404
    return membership


def get_invitation_for(request: HttpRequest, pk: int) -> Invitation:
    if not request.leap.has(Role.CENTRE_ADMIN):
        raise Http404
    invitation = Invitation.objects.filter(centre=request.leap.centre, pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def platform_admin_required(view: Callable) -> Callable:
    """The platform administrator (a superuser, who has set up a second factor like all staff); everyone else gets
    404, as if the platform pages did not exist."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_superuser:
            raise Http404
        return view(request, *args, **kwargs)

    return mark_access(wrapped, "platform-admin")


def get_centre_for_platform(request: HttpRequest, pk: int) -> Centre:
    if not request.user.is_superuser:
        raise Http404
    centre = Centre.objects.filter(pk=pk).first()
    if centre is None:
        raise Http404
    return centre
