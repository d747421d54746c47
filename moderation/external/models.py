"""EQA grants and sample packs. Imported by `moderation.models`, so they belong to the moderation app.

A **grant** is the only way an external moderator sees anything of a centre: a scope (the whole centre, a
qualification, a cohort, listed learners, or the learners of an IQA sampling plan), widened by learners added
on the day, between a start and an expiry at most 90 days later. Outside an active grant the external
moderator's membership gives nothing.
"""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.request_cache import forget_people

MAX_GRANT_DAYS = 90
DEFAULT_GRANT_DAYS = 14


def _pseudonym_key() -> str:
    return secrets.token_hex(16)


class EqaGrantQuerySet(models.QuerySet):
    def update(self, **kwargs) -> int:
        # A bulk change bypasses the save signals: the moderators' cached grants are dropped here instead.
        moderator_ids = list(self.values_list("moderator_id", flat=True).distinct())
        count = super().update(**kwargs)
        forget_people(moderator_ids)
        return count

    def active(self, at: datetime.datetime | None = None) -> "EqaGrantQuerySet":
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, moderator__isnull=False, starts_at__lte=at, expires_at__gt=at)


class EqaGrant(models.Model):
    class Scope(models.TextChoices):
        CENTRE = "centre", _("The whole centre")
        QUALIFICATION = "qualification", _("One qualification")
        COHORT = "cohort", _("A cohort (learners who started in one month)")
        LEARNERS = "learners", _("Listed learners")
        IQA_PLAN = "iqa_plan", _("The learners of an IQA sampling plan")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="eqa_grants")
    email = models.EmailField(_("external moderator's email"))
    # Set when the invitation is accepted (or at once when the address already has the centre's EQA role).
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="eqa_grants")
    invitation = models.ForeignKey("centres.Invitation", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    awarding_body = models.CharField(_("awarding body"), max_length=200, blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices)
    # QUALIFICATION: the qualification; COHORT: optionally narrows the cohort to one qualification.
    qualification = models.ForeignKey("qualifications.Qualification", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    cohort_month = models.DateField(_("cohort (start month)"), null=True, blank=True)  # first day of the month
    plan = models.ForeignKey("moderation.SamplingPlan", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="eqa_grants")
    # LEARNERS: the list; any other scope: learners added to it ("expand the sample on the day").
    learners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    starts_at = models.DateTimeField(_("access starts"))
    expires_at = models.DateTimeField(_("access ends"))
    visit_on = models.DateField(_("visit date"), null=True, blank=True)
    show_contact_details = models.BooleanField(_("show learners' contact details"), default=False)
    blind = models.BooleanField(_("blind mode (learner names pseudonymised)"), default=False)
    pseudonym_key = models.CharField(max_length=32, default=_pseudonym_key, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoke_reason = models.TextField(blank=True)
    # Visit reminders already sent to the centre admins, by name ("6w", "4w", "48h").
    reminders_sent = models.JSONField(default=list, blank=True)

    objects = EqaGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["moderator", "revoked_at", "expires_at"], name="eqa_grant_moderator"),
                   models.Index(fields=["centre", "expires_at"], name="eqa_grant_centre")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("starts_at")),
                                   name="eqa_grant_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"EQA grant #{self.pk} ({self.email})"

    def is_active(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return (self.revoked_at is None and self.moderator_id is not None
                and self.starts_at <= at < self.expires_at)

    @property
    def state(self) -> str:
        now = timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.moderator_id is None:
            return "invited"
        if self.starts_at > now:
            return "scheduled"
        return "active"


class SamplePack(models.Model):
    """A ZIP of a grant's scope for a remote EQA, built by a Celery task; its link is for one person and expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being built")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    MOVES = {Status.QUEUED: {Status.BUILDING, Status.FAILED}, Status.BUILDING: {Status.READY, Status.FAILED},
             Status.FAILED: {Status.BUILDING}}

    grant = models.ForeignKey(EqaGrant, on_delete=models.PROTECT, related_name="packs")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="sample-packs/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)  # of the ZIP
    file_count = models.PositiveIntegerField(default=0)
    checkpoint = models.JSONField(default=dict, blank=True)  # the audit chain head it was built from
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"sample pack #{self.pk} of grant #{self.grant_id}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


from .reports.models import (  # noqa: E402,F401 (EQA report models belong to this app)
    EqaActionPoint,
    EqaChecklistItem,
    EqaComment,
    EqaJudgement,
    EqaRating,
    EqaReport,
)
