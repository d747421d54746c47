"""Retention rules as data, legal holds, the nightly list of records due for destruction, and tombstones.

A centre keeps each kind of record (schedule.Kind) for as long as its rule says: until the latest of the
bases that apply (N years after the end of the course, N years after a successful EQA review of the learner's
work, a fixed date for funded provision); a legal hold stops all destruction it covers. Nothing is destroyed
without a centre admin's approval of a DestructionBatch; what is destroyed leaves a Tombstone.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .kinds import DEFAULT_YEARS, Kind


class RetentionRule(models.Model):
    """How long one centre keeps one kind of record. A centre without a row has the default (3 years after the
    end of the course, the common awarding-body rule): `schedule.rules_for` answers for every kind."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="retention_rules")
    kind = models.CharField(_("kind of record"), max_length=20, choices=Kind.choices)
    # The end of the course is the latest of certification, completion and withdrawal.
    years_after_end = models.PositiveSmallIntegerField(_("years after the end of the course"), default=DEFAULT_YEARS)
    # Counted from the signing of the latest EQA report that agreed the learner's assessment; learner work only.
    years_after_eqa = models.PositiveSmallIntegerField(_("years after a successful EQA review"), null=True,
                                                       blank=True)
    # Funded provision: the date the funder's contract gives (for example six years on).
    keep_until_date = models.DateField(_("keep at least until"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["centre", "kind"]
        constraints = [models.UniqueConstraint(fields=["centre", "kind"], name="retention_rule_once")]
        verbose_name = _("retention rule")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at centre {self.centre_id}"


class LegalHold(models.Model):
    """Stops destruction of everything it covers (one learner's records, or the whole centre's) until lifted."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="legal_holds")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("learner"),
                                help_text=_("Leave empty to hold every record of the centre."))
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(auto_now_add=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        indexes = [models.Index(fields=["centre", "lifted_at"], name="legal_hold_centre_open")]
        verbose_name = _("legal hold")

    def __str__(self) -> str:
        return f"legal hold {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class DestructionBatch(models.Model):
    """One night's list of a centre's records due for destruction, waiting for a centre admin's approval."""

    class Status(models.TextChoices):
        LISTED = "listed", _("Waiting for approval")
        DESTROYED = "destroyed", _("Approved and destroyed")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="destruction_batches")
    listed_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LISTED)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-listed_at", "-pk"]
        verbose_name = _("destruction batch")
        verbose_name_plural = _("destruction batches")

    def __str__(self) -> str:
        return f"destruction batch {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.LISTED


class DestructionItem(models.Model):
    """One kind of record of one learner (one enrolment, or all of them for learner-wide kinds), due since a date."""

    class Status(models.TextChoices):
        LISTED = "listed", _("Listed")
        DESTROYED = "destroyed", _("Destroyed")
        KEPT = "kept", _("Kept (unticked)")
        NOT_DUE = "not_due", _("No longer due when approved")  # a hold since listing: listed again once due

    batch = models.ForeignKey(DestructionBatch, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("portfolios.Enrolment", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    due_since = models.DateField()
    rule = models.CharField(max_length=300)  # the schedule's words when listed: "3 years after certification"
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.LISTED)
    kept_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "learner_id", "enrolment_id", "kind", "pk"]
        indexes = [models.Index(fields=["learner", "kind"], name="destruction_item_learner")]

    def __str__(self) -> str:
        return f"{self.kind} of learner {self.learner_id} (enrolment {self.enrolment_id})"


class Tombstone(models.Model):
    """What is left of one destroyed object: which it was, when and under what it was destroyed, and the SHA-256
    of each file destroyed (so that a sealed unit's verification can tell destruction from tampering)."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment_id = models.PositiveBigIntegerField(null=True, blank=True)
    learner_ref = models.CharField(max_length=16)  # schedule.learner_ref: a pseudonymous code, not the person
    destroyed_at = models.DateTimeField()
    destroyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    reason = models.CharField(max_length=40)  # "retention", "erasure-request"
    rule = models.CharField(max_length=300, blank=True)
    batch = models.ForeignKey(DestructionBatch, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="tombstones")
    reference = models.JSONField(default=dict, blank=True)
    sha256s = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-destroyed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "object_type", "object_id"],
                                               name="tombstone_once")]
        indexes = [models.Index(fields=["centre", "learner_ref"], name="tombstone_centre_learner")]

    def __str__(self) -> str:
        return f"tombstone of {self.object_type} {self.object_id} ({self.kind})"
