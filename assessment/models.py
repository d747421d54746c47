"""Assessment: reviews of submitted evidence, decisions per criterion, countersigning, unit sign-off."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Review(models.Model):
    """The assessor's review of one submitted revision of an evidence item."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for resubmission")

    submission = models.OneToOneField("portfolios.EvidenceSubmission", on_delete=models.PROTECT,
                                      related_name="review")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)
    actions = models.TextField(_("actions for the learner"), blank=True)
    voice_feedback = models.FileField(upload_to="feedback/", max_length=200, blank=True)
    voice_feedback_type = models.CharField(max_length=60, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Decisions of an assessor who is not yet qualified count only once a qualified assessor countersigns.
    needs_countersign = models.BooleanField(default=False)
    countersigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    countersigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # Management information: an assessor's decisions in a period, and the countersigning backlog.
            models.Index(fields=["assessor", "decided_at"], name="review_assessor_decided"),
            models.Index(fields=["assessor"], name="review_awaiting_countersign",
                         condition=models.Q(needs_countersign=True, countersigned_at__isnull=True,
                                            decided_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"Review of {self.submission}"

    @property
    def counts(self) -> bool:
        return bool(self.decided_at) and (not self.needs_countersign or bool(self.countersigned_at))


class CriterionDecision(models.Model):
    """Met / not yet met, for one criterion, in one review."""

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="decisions")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField()
    mapped_by_assessor = models.BooleanField(default=False)
    decided_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "criterion"], name="one_decision_per_criterion")]
        indexes = [models.Index(fields=["enrolment", "unit"])]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {'met' if self.met else 'not yet met'}"


class UnitSignOff(models.Model):
    """A signed-off (locked) version of a unit's record. Unlocking keeps it, readable, and opens a new one."""

    enrolment_unit = models.ForeignKey("portfolios.EnrolmentUnit", on_delete=models.PROTECT, related_name="sign_offs")
    number = models.PositiveIntegerField()
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField()
    declaration = models.TextField()
    seal = models.JSONField(default=dict, help_text="File hashes and decisions of the unit when it was signed off.")
    seal_hash = models.CharField(max_length=64)
    unlocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlock_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["enrolment_unit", "-number"]
        constraints = [models.UniqueConstraint(fields=["enrolment_unit", "number"], name="sign_off_number")]

    def __str__(self) -> str:
        return f"Sign-off {self.number} of {self.enrolment_unit}"


class UnitUnlock(models.Model):
    """The record of one unlock, written before the unit's lock is cleared, and never changed.

    On PostgreSQL the database refuses to clear a unit's lock in a transaction that has not written one of
    these (assessment/migrations/0004_unlock_record_triggers.py)."""

    sign_off = models.OneToOneField(UnitSignOff, on_delete=models.PROTECT, related_name="unlock")
    enrolment_unit = models.ForeignKey("portfolios.EnrolmentUnit", on_delete=models.PROTECT, related_name="+")
    unlocked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    unlocked_at = models.DateTimeField()
    reason = models.TextField()
    # Set by PostgreSQL (txid_current()) whatever the insert says; null on SQLite.
    transaction_id = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["unlocked_at"]

    def __str__(self) -> str:
        return f"Unlock of {self.sign_off}"


from .comment_bank.models import CommentSnippet  # noqa: E402,F401 (the comment bank belongs to this app)
