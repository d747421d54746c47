"""Recognised prior learning: criteria a learner achieved at another centre (or another LEAP deployment), read from
their portfolio export (`data.json`) and decided on, criterion by criterion, by the receiving assessor.

Nothing here counts by itself: a claim moves progress, sign-off and management information only once it is
accepted, when assessment's achievement row is written for it (`services.claims_decide`).

The uploaded file is not kept. What is kept is the provenance parsed from it (the source centre, the assessor's
name and email, dates, seal hashes, the titles of the evidence cited) and the file's SHA-256 (so the same file
cannot be imported twice for one enrolment). That provenance is personal data of the learner and of the source
assessor: it belongs with the learner's decisions and feedback under the centre's retention rules.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PriorLearningImport(models.Model):
    """One learner's export file read into one enrolment here: where it came from and what it held."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # SHA-256 of data.json itself (also when it came inside the export ZIP), so both forms of a file match.
    sha256 = models.CharField(max_length=64)
    source_site_name = models.CharField(max_length=200, blank=True)
    source_url = models.CharField(max_length=400, blank=True)
    source_centre_name = models.CharField(max_length=400, blank=True)
    exported_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    claims_count = models.PositiveIntegerField(default=0)
    not_on_course_count = models.PositiveIntegerField(default=0)
    already_met_count = models.PositiveIntegerField(default=0)
    # Criteria met elsewhere that this course does not have: {"qualification", "unit", "number", "centre", "why"}.
    not_on_course = models.JSONField(default=list, blank=True)
    # The warnings (learner's name or email in the file differ) the centre admin confirmed before importing.
    confirmed_warnings = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "sha256"], name="prior_learning_file_once")]

    def __str__(self) -> str:
        return f"Prior learning import {self.pk} into enrolment {self.enrolment_id}"


class PriorLearningClaim(models.Model):
    """One criterion of this enrolment the file shows as achieved elsewhere, with its provenance, awaiting (or
    carrying) the receiving assessor's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    prior_import = models.ForeignKey(PriorLearningImport, on_delete=models.CASCADE, related_name="claims")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT,
                                  related_name="prior_learning_claims")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    # Provenance, as the file gives it.
    source_centre_name = models.CharField(max_length=200)
    source_qualification_code = models.CharField(max_length=60)
    source_unit_code = models.CharField(max_length=60)
    source_unit_title = models.CharField(max_length=200, blank=True)
    assessor_name = models.CharField(max_length=200, blank=True)
    assessor_email = models.CharField(max_length=254, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)
    seal_hash = models.CharField(max_length=64, blank=True)  # of the source unit's current sign-off, if signed off
    signed_off_at = models.DateTimeField(null=True, blank=True)
    evidence_titles = models.JSONField(default=list, blank=True)
    # The receiving assessor's decision.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["unit__position", "criterion__position"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "criterion"], name="prior_learning_claim_live_once",
                                               condition=models.Q(status__in=["pending", "accepted"]))]
        indexes = [models.Index(fields=["enrolment", "status"], name="prior_learning_claim_state")]

    def __str__(self) -> str:
        return f"Prior learning claim {self.pk}: criterion {self.criterion_id} ({self.status})"

    @property
    def signed_off(self) -> bool:
        return bool(self.seal_hash)
