"""A learner's request for their whole portfolio as a ZIP: built by a worker, downloaded by the learner.

Its status moves queued → building → ready (or failed, which may be built again); a ready export's ZIP is kept
until `expires_at` (7 days after the build), when the nightly sweep deletes the file and marks it expired. The
emailed link carries a random token that is stored only as its SHA-256 (`token_hash`) and works once; a new
link replaces it, without building again. Whoever follows a link must also be signed in as the person it is
for: the learner, or for a subject-access request the centre admin who hands the export over.
"""

import datetime
import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LINK_DAYS = 7


class ExportRequest(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        BUILDING = "building", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class Purpose(models.TextChoices):
        SELF = "self", _("Asked for by the learner")
        STAFF = "staff", _("Asked for by the centre for the learner")
        SUBJECT_ACCESS = "subject_access", _("Subject-access request")

    MOVES = {Status.QUEUED: {Status.BUILDING, Status.FAILED}, Status.BUILDING: {Status.READY, Status.FAILED},
             Status.FAILED: {Status.BUILDING}, Status.READY: {Status.EXPIRED}}
    PENDING = (Status.QUEUED, Status.BUILDING)
    # How each status shows, for `{% status %}` (leap/templatetags/leap_ui.py).
    STATUS_KINDS = {Status.QUEUED: "waiting", Status.BUILDING: "in_progress", Status.READY: "done",
                    Status.FAILED: "error", Status.EXPIRED: "withdrawn"}

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portfolio_exports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # None: every enrolment of the learner in every centre (their own request); a centre: only that centre's.
    centre = models.ForeignKey("centres.Centre", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.SELF)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to="portfolio-exports/", max_length=300, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)  # of the ZIP
    file_count = models.PositiveIntegerField(default=0)
    token_hash = models.CharField(max_length=64, blank=True)  # SHA-256 of the current link's token
    token_used_at = models.DateTimeField(null=True, blank=True)  # the current link has been followed
    expires_at = models.DateTimeField(null=True, blank=True)  # built + LINK_DAYS
    downloaded_at = models.DateTimeField(null=True, blank=True)  # the first download
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["learner", "status"], name="export_learner_status"),
                   models.Index(fields=["status", "expires_at"], name="export_status_expiry")]
        constraints = [models.UniqueConstraint(fields=["token_hash"], condition=~Q(token_hash=""),
                                               name="export_token_once")]

    def __str__(self) -> str:
        return f"portfolio export #{self.pk} of user #{self.learner_id}"

    @property
    def recipient_id(self) -> int:
        """Who downloads it: the learner, except a subject-access export, which the admin hands over."""
        return self.requested_by_id if self.purpose == self.Purpose.SUBJECT_ACCESS else self.learner_id

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.expires_at is not None and self.expires_at <= timezone.now())

    @property
    def is_downloadable(self) -> bool:
        return self.status == self.Status.READY and not self.is_expired and bool(self.file)

    @property
    def shown_status(self) -> str:
        """The status as the learner sees it: a ready export past its expiry is expired, swept or not yet."""
        return self.Status.EXPIRED if self.status == self.Status.READY and self.is_expired else self.status

    @property
    def status_kind(self) -> str:
        return self.STATUS_KINDS[self.shown_status]

    def get_shown_status_display(self) -> str:
        return self.Status(self.shown_status).label

    def days_left(self, now: datetime.datetime | None = None) -> int:
        """Days until the link expires, rounded up: (expires_at − now) ÷ 24 hours, so 7 right after the build and
        1 on its last day."""
        if self.expires_at is None:
            return 0
        left = (self.expires_at - (now or timezone.now())).total_seconds()
        return max(0, math.ceil(left / 86400))
