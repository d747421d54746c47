import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.request_cache import forget_people


class Role(models.TextChoices):
    LEARNER = "learner", _("Learner")
    ASSESSOR = "assessor", _("Assessor")
    MODERATOR = "moderator", _("Internal moderator (IQA)")
    EXTERNAL_MODERATOR = "external_moderator", _("External moderator (EQA)")
    CENTRE_ADMIN = "centre_admin", _("Centre admin")


STAFF_ROLES = frozenset({Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR, Role.CENTRE_ADMIN})


class Centre(models.Model):
    """A training provider: the tenant everything else belongs to."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166 two-letter code"))
    enrolment_code = models.CharField(_("enrolment code"), max_length=32, unique=True, null=True, blank=True)
    self_registration_assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("assessor for self-registered learners"),
    )
    # Branding for badges and certificates.
    brand_colour = models.CharField(_("main colour"), max_length=7, default="#0B5CAB")
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#F5B400")
    logo = models.FileField(_("logo (PNG or JPEG)"), upload_to="centre-logos/", max_length=200, blank=True)
    # Language codes from settings.LANGUAGES; the first is the centre's main language (emails to people without
    # an account yet are written in it). Empty means the site's default language.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # The random token of the platform's "Create a centre" page: a repeated post of that form finds this centre.
    creation_token = models.CharField(max_length=64, blank=True, default="")
    website = models.URLField(_("website"), blank=True)
    review_reminder_days = models.PositiveSmallIntegerField(
        _("remind assessors after (days)"), default=7,
        help_text=_("Evidence waiting longer than this is chased: first the assessor, then the centre admins."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["creation_token"], condition=~Q(creation_token=""),
                                               name="centre_creation_token_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def main_language(self) -> str:
        return self.languages[0] if self.languages else settings.LANGUAGE_CODE

    @property
    def self_registration_open(self) -> bool:
        return bool(self.enrolment_code and self.self_registration_assessor_id)


class MembershipQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # A bulk change bypasses the save signals: the people's cached memberships are dropped here instead.
        user_ids = list(self.values_list("user_id", flat=True).distinct())
        count = super().update(**kwargs)
        forget_people(user_ids)
        return count

    def current(self) -> "MembershipQuerySet":
        now = timezone.now()
        return self.filter(ended_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    def learners(self) -> "MembershipQuerySet":
        return self.filter(role=Role.LEARNER)

    def staff(self) -> "MembershipQuerySet":
        return self.filter(role__in=STAFF_ROLES)


class AgeBand(models.TextChoices):
    UNDER_19 = "16-18", _("16–18")
    YOUNG_ADULT = "19-24", _("19–24")
    ADULT = "25-49", _("25–49")
    OLDER = "50+", _("50 and over")


class Membership(models.Model):
    """One role of one person in one centre. Learner memberships carry the assigned assessor."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_learner_memberships", verbose_name=_("assessor"),
    )
    # Assessors not yet qualified have their decisions countersigned by a qualified assessor before they count.
    qualified = models.BooleanField(_("qualified assessor"), default=True)
    # Optional facts about a learner, recorded only where the centre does (never required): they let the IQA
    # sampling plan show its spread of candidates.
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    gender = models.CharField(_("gender"), max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("access ends"), null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "centre", "role"], name="membership_one_role_per_centre"),
            models.CheckConstraint(
                condition=~Q(role=Role.LEARNER) | Q(assessor__isnull=False),
                name="membership_learner_has_assessor",
            ),
        ]
        indexes = [models.Index(fields=["centre", "role"]), models.Index(fields=["assessor", "centre"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.centre}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None and (self.expires_at is None or self.expires_at > timezone.now())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Invitation(models.Model):
    """A single-use, expiring link that gives a staff role in a centre to whoever holds the email."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    centre = models.ForeignKey(Centre, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=24, choices=[(r.value, r.label) for r in Role if r in STAFF_ROLES])
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_role_display()} at {self.centre}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label
