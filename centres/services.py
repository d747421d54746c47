import secrets
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.request_cache import forget_person
from audit.services import audit_record
from notifications.services import notify

from .branding import logo_file_name, logo_format
from .csv_files import CsvProblem, CsvUnreadable, csv_records
from .models import STAFF_ROLES, Centre, Invitation, Membership, Role, hash_token, new_token
from .web_urls import web_url_problem

User = get_user_model()

# Apps above this one react to an accepted invitation without centres knowing them (moderation links the
# external moderator's EQA grants). Sent once the acceptance commits.
invitation_accepted = Signal()  # sender=Invitation, invitation=..., user=...


class ServiceError(Exception):
    """A domain act refused for a reason the user can act on; the message is shown to them."""


def has_role(user, centre: Centre, *roles: str) -> bool:
    return Membership.objects.current().filter(user=user, centre=centre, role__in=roles).exists()


def ensure_role(user, centre: Centre, *roles: str) -> None:
    if not (user.is_authenticated and has_role(user, centre, *roles)):
        raise PermissionDenied


# --- Centres and memberships -------------------------------------------------------------------------

def centre_create(*, name: str, country: str, actor: User | None = None) -> Centre:
    with transaction.atomic():
        base = slugify(name)[:40] or "centre"
        slug, n = base, 1
        while Centre.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        centre = Centre.objects.create(name=name, slug=slug, country=country.upper())
        audit_record(action="centre.created", actor=actor, centre=centre, target=centre,
                     data={"name": name, "country": centre.country})
    return centre


def membership_grant(
    *, centre: Centre, user, role: str, actor: User | None = None, assessor=None, expires_at: datetime | None = None
) -> Membership:
    """Give a person a role in a centre, or bring back one that had ended. Recorded in the audit trail."""
    if role == Role.LEARNER and assessor is None:
        raise ServiceError(_("Every learner needs an assigned assessor."))
    if assessor is not None and not has_role(assessor, centre, Role.ASSESSOR):
        raise ServiceError(_("%(name)s is not an assessor at this centre.") % {"name": assessor})
    with transaction.atomic():
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user, centre=centre, role=role,
            defaults={"assessor": assessor, "expires_at": expires_at},
        )
        if not created:
            membership.assessor = assessor or membership.assessor
            membership.expires_at = expires_at
            membership.ended_at = None
            membership.save(update_fields=["assessor", "expires_at", "ended_at"])
        audit_record(action="membership.granted", actor=actor, centre=centre, target=membership,
                     data={"user": user.email, "role": role,
                           "assessor": getattr(assessor, "email", None),
                           "expires_at": expires_at.isoformat() if expires_at else None})
    return membership


def membership_end(*, membership: Membership, actor: User) -> Membership:
    ensure_role(actor, membership.centre, Role.CENTRE_ADMIN)
    if membership.role == Role.ASSESSOR and Membership.objects.current().filter(
        centre=membership.centre, role=Role.LEARNER, assessor=membership.user
    ).exists():
        raise ServiceError(_("Assign this assessor's learners to another assessor first."))
    if membership.role == Role.CENTRE_ADMIN and membership.user_id == actor.pk:
        raise ServiceError(_("You cannot remove your own centre admin role."))
    with transaction.atomic():
        membership.ended_at = timezone.now()
        membership.save(update_fields=["ended_at"])
        audit_record(action="membership.ended", actor=actor, centre=membership.centre, target=membership,
                     data={"user": membership.user.email, "role": membership.role})
    return membership


def learner_assessor_change(*, membership: Membership, assessor, actor: User) -> Membership:
    ensure_role(actor, membership.centre, Role.CENTRE_ADMIN)
    if not has_role(assessor, membership.centre, Role.ASSESSOR):
        raise ServiceError(_("%(name)s is not an assessor at this centre.") % {"name": assessor})
    if membership.assessor_id == assessor.pk:
        return membership
    with transaction.atomic():
        previous = membership.assessor
        membership.assessor = assessor
        membership.save(update_fields=["assessor"])
        forget_person(previous.pk)  # the saved membership forgets the learner and the new assessor
        audit_record(action="membership.assessor_changed", actor=actor, centre=membership.centre,
                     target=membership,
                     data={"learner": membership.user.email, "from": previous.email, "to": assessor.email})
        notify(recipient=membership.user, kind="assessor_changed", centre=membership.centre,
               context={"learner_name": membership.user.first_name, "assessor_name": str(assessor),
                        "centre_name": membership.centre.name},
               url=reverse("home"))
    return membership


# --- Staff invitations -------------------------------------------------------------------------------

def staff_invite(*, centre: Centre, email: str, role: str, actor: User) -> Invitation:
    """A centre admin invites staff to their centre; the platform administrator (a superuser) to any centre."""
    if not actor.is_superuser:
        ensure_role(actor, centre, Role.CENTRE_ADMIN)
    email = email.strip().lower()
    if role not in STAFF_ROLES:
        raise ServiceError(_("Only staff roles are given by invitation."))
    if Membership.objects.current().filter(centre=centre, user__email__iexact=email, role=role).exists():
        raise ServiceError(_("%(email)s already has this role here.") % {"email": email})
    token = new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            centre=centre, email=email, role=role, token_hash=hash_token(token), invited_by=actor,
            expires_at=timezone.now() + timedelta(days=settings.LEAP_INVITATION_DAYS),
        )
        audit_record(action="invitation.sent", actor=actor, centre=centre, target=invitation,
                     data={"email": email, "role": role})
        existing = User.objects.filter(email__iexact=email).first()
        notify(recipient=existing or email, kind="staff_invitation", centre=centre,
               url=reverse("invitation_accept", args=[token]),
               context={"centre_name": centre.name, "role": str(Role(role).label),
                        "inviter_name": str(actor), "days": settings.LEAP_INVITATION_DAYS})
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.select_related("centre").filter(token_hash=hash_token(token)).first()


def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    ensure_role(actor, invitation.centre, Role.CENTRE_ADMIN)
    if invitation.status != Invitation.Status.PENDING:
        raise ServiceError(_("This invitation is no longer pending."))
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(action="invitation.revoked", actor=actor, centre=invitation.centre, target=invitation,
                     data={"email": invitation.email})
    return invitation


def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Use an invitation once. The accepting account must hold the invited email address."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.PENDING:
            raise ServiceError(_("This invitation has been used, revoked or has expired."))
        if user.email.lower() != invitation.email.lower():
            raise ServiceError(_("This invitation was sent to %(email)s. Sign in with that address.")
                               % {"email": invitation.email})
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        audit_record(action="invitation.accepted", actor=user, centre=invitation.centre, target=invitation,
                     data={"email": invitation.email, "role": invitation.role})
        transaction.on_commit(lambda: invitation_accepted.send(sender=Invitation, invitation=invitation, user=user))
        return membership_grant(centre=invitation.centre, user=user, role=invitation.role,
                                actor=invitation.invited_by)


def invited_user_create(*, invitation: Invitation, first_name: str, last_name: str, password: str):
    """Create the account for an invitation sent to an address with no account, and accept it."""
    with transaction.atomic():
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ServiceError(_("An account with this email already exists. Sign in to accept."))
        user = User.objects.create_user(email=invitation.email, password=password,
                                        first_name=first_name, last_name=last_name)
        invitation_accept(invitation=invitation, user=user)
    return user


# --- Learners ----------------------------------------------------------------------------------------

def set_password_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("welcome_set_password", args=[uid, default_token_generator.make_token(user)])


def learner_register(
    *, centre: Centre, email: str, first_name: str, last_name: str, assessor, actor: User
) -> Membership:
    """Register a learner (a new account, or an existing person new to this centre) and welcome them."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and Membership.objects.current().filter(
            user=user, centre=centre, role=Role.LEARNER
        ).exists():
            raise ServiceError(_("%(email)s is already a learner at this centre.") % {"email": email})
        new_account = user is None
        if new_account:
            user = User.objects.create_user(email=email, first_name=first_name.strip(),
                                            last_name=last_name.strip())
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
        membership = membership_grant(centre=centre, user=user, role=Role.LEARNER, assessor=assessor,
                                      actor=actor)
        audit_record(action="learner.registered", actor=actor, centre=centre, target=membership,
                     data={"email": email, "assessor": assessor.email, "new_account": new_account})
        notify(recipient=user, kind="learner_welcome", centre=centre,
               url=set_password_url(user) if new_account else reverse("home"),
               context={"learner_name": user.first_name, "centre_name": centre.name,
                        "assessor_name": str(assessor), "assessor_email": assessor.email,
                        "new_account": new_account})
    return membership


class CsvImportError(ServiceError):
    def __init__(self, problems: list[CsvProblem]):
        self.problems = problems
        super().__init__(ngettext("The file has %(n)s problem; nobody was registered.",
                                  "The file has %(n)s problems; nobody was registered.", len(problems))
                         % {"n": len(problems)})


LEARNER_CSV_COLUMNS = ("first_name", "last_name", "email", "assessor_email")


def _csv_rows(raw: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[CsvProblem]]:
    try:
        return csv_records(raw, required=LEARNER_CSV_COLUMNS, expected=LEARNER_CSV_COLUMNS), []
    except CsvUnreadable as error:
        return [], [CsvProblem(error.line, error.message)]


def learners_csv_validate(*, centre: Centre, raw: bytes) -> list[tuple[int, dict[str, str]]]:
    """Check a cohort CSV whole. Returns its rows, or raises CsvImportError naming every bad line."""
    rows, problems = _csv_rows(raw)
    if problems:
        raise CsvImportError(problems)
    if not rows:
        raise CsvImportError([CsvProblem(2, _("the file has no learners in it."))])
    if len(rows) > settings.LEAP_CSV_MAX_ROWS:
        raise CsvImportError([CsvProblem(1, _("at most %(n)s learners per file.")
                                         % {"n": settings.LEAP_CSV_MAX_ROWS})])
    assessors = {
        m.user.email.lower()
        for m in Membership.objects.current().filter(centre=centre, role=Role.ASSESSOR).select_related("user")
    }
    existing_learners = set(
        Membership.objects.current().filter(centre=centre, role=Role.LEARNER)
        .values_list("user__email", flat=True)
    )
    seen: dict[str, int] = {}
    for line, row in rows:
        email = row.get("email", "").lower()
        if not row.get("first_name") or not row.get("last_name"):
            problems.append(CsvProblem(line, _("first name and last name are required.")))
        try:
            validate_email(email)
        except ValidationError:
            problems.append(CsvProblem(line, _("“%(email)s” is not a valid email address.") % {"email": email}))
        else:
            if email in seen:
                problems.append(CsvProblem(line, _("%(email)s is also on line %(other)s.")
                                           % {"email": email, "other": seen[email]}))
            elif email in existing_learners:
                problems.append(CsvProblem(line, _("%(email)s is already a learner at this centre.")
                                           % {"email": email}))
            seen.setdefault(email, line)
        assessor_email = row.get("assessor_email", "").lower()
        if assessor_email not in assessors:
            problems.append(CsvProblem(line, _("“%(email)s” is not an assessor at this centre.")
                                       % {"email": assessor_email}))
    if problems:
        raise CsvImportError(problems)
    return rows


def learners_import_csv(*, centre: Centre, raw: bytes, actor: User) -> list[Membership]:
    """Register a cohort from CSV: all of it, or — if any line is bad — none of it."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    rows = learners_csv_validate(centre=centre, raw=raw)
    assessors = {u.email.lower(): u for u in User.objects.filter(
        memberships__centre=centre, memberships__role=Role.ASSESSOR)}
    with transaction.atomic():
        memberships = [
            learner_register(centre=centre, email=row["email"], first_name=row["first_name"],
                             last_name=row["last_name"], assessor=assessors[row["assessor_email"].lower()],
                             actor=actor)
            for _line, row in rows
        ]
        audit_record(action="learners.imported", actor=actor, centre=centre, target=centre,
                     data={"count": len(memberships)})
    return memberships


# --- Self-registration with an enrolment code --------------------------------------------------------

def centre_self_registration_set(*, centre: Centre, enabled: bool, assessor, actor: User) -> Centre:
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if enabled and (assessor is None or not has_role(assessor, centre, Role.ASSESSOR)):
        raise ServiceError(_("Choose the assessor who will look after self-registered learners."))
    with transaction.atomic():
        if enabled:
            centre.enrolment_code = centre.enrolment_code or _new_enrolment_code()
            centre.self_registration_assessor = assessor
        else:
            centre.enrolment_code = None
            centre.self_registration_assessor = None
        centre.save(update_fields=["enrolment_code", "self_registration_assessor"])
        audit_record(action="centre.self_registration_changed", actor=actor, centre=centre, target=centre,
                     data={"enabled": enabled, "assessor": getattr(assessor, "email", None)})
    return centre


def _new_enrolment_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read aloud and typed on phones
    while True:
        code = "".join(secrets.choice(alphabet) for _ in range(8))
        if not Centre.objects.filter(enrolment_code=code).exists():
            return code


def centre_for_enrolment_code(code: str) -> Centre | None:
    code = code.strip().upper().replace(" ", "").replace("-", "")
    centre = Centre.objects.filter(enrolment_code=code).first() if code else None
    return centre if centre is not None and centre.self_registration_open else None


def learner_self_register(*, user, code: str) -> Membership:
    centre = centre_for_enrolment_code(code)
    if centre is None:
        raise ServiceError(_("This enrolment code is not valid. Check it with your centre."))
    if Membership.objects.current().filter(user=user, centre=centre, role=Role.LEARNER).exists():
        raise ServiceError(_("You are already a learner at %(centre)s.") % {"centre": centre.name})
    with transaction.atomic():
        membership = membership_grant(centre=centre, user=user, role=Role.LEARNER,
                                      assessor=centre.self_registration_assessor, actor=user)
        audit_record(action="learner.self_registered", actor=user, centre=centre, target=membership,
                     data={"email": user.email, "assessor": centre.self_registration_assessor.email})
        notify(recipient=user, kind="learner_welcome", url=reverse("home"), centre=centre,
               context={"learner_name": user.first_name, "centre_name": centre.name,
                        "assessor_name": str(centre.self_registration_assessor),
                        "assessor_email": centre.self_registration_assessor.email, "new_account": False})
    return membership


def centre_branding_set(*, centre: Centre, actor: User, brand_colour: str, accent_colour: str, website: str = "",
                        logo=None) -> Centre:
    """Colours, website and logo used on the centre's badges and certificates."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if website and (problem := web_url_problem(website)):
        raise ServiceError(_("The website: %(problem)s") % {"problem": problem})
    with transaction.atomic():
        centre.brand_colour, centre.accent_colour, centre.website = brand_colour.upper(), accent_colour.upper(), website
        if logo is not None:
            centre.logo.save(logo_file_name(logo_format(logo)), logo, save=False)
        centre.save(update_fields=["brand_colour", "accent_colour", "website", "logo"])
        audit_record(action="centre.branding_changed", actor=actor, centre=centre, target=centre,
                     data={"brand_colour": centre.brand_colour, "accent_colour": centre.accent_colour,
                           "website": website, "logo": bool(logo)})
    return centre
