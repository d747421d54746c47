"""A learner's portfolio: enrolments on qualification versions, assessment plans, and criteria achieved."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Method(models.TextChoices):
    OBSERVATION = "observation", _("Observation")
    PROFESSIONAL_DISCUSSION = "professional_discussion", _("Professional discussion")
    PRODUCT = "product", _("Product evidence")
    WITNESS_TESTIMONY = "witness_testimony", _("Witness testimony")
    WRITTEN_ASSIGNMENT = "written_assignment", _("Written assignment")
    QUESTIONING = "questioning", _("Questioning")
    RPL = "rpl", _("Recognition of prior learning")


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ON_BREAK = "on_break", _("On break")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")

    # The only moves a status may make, applied by centres.workflow.move_status. A completed enrolment becomes
    # active again when one of its units is unlocked (enrolment_reopen), never by hand.
    MOVES = {
        Status.ACTIVE: {Status.ON_BREAK, Status.WITHDRAWN, Status.COMPLETED},
        Status.ON_BREAK: {Status.ACTIVE, Status.WITHDRAWN},
        Status.WITHDRAWN: set(),
        Status.COMPLETED: {Status.ACTIVE},
    }

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="enrolments")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments")
    version = models.ForeignKey("qualifications.QualificationVersion", on_delete=models.PROTECT,
                                related_name="enrolments", verbose_name=_("qualification"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("assessor"))
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("moderator"))
    start_date = models.DateField(_("start date"))
    planned_end_date = models.DateField(_("planned end date"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    break_return_date = models.DateField(_("return date"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    units = models.ManyToManyField("qualifications.Unit", through="EnrolmentUnit", related_name="+")
    # Progress, counted from the rows by `portfolios.progress_counts.refresh` only: the criteria of the chosen
    # units, and those of them achieved. A save of the enrolment never writes them (see `save`).
    criteria_count = models.PositiveIntegerField(default=0, editable=False)
    met_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["centre", "assessor", "status"]), models.Index(fields=["learner", "centre"]),
                   # Management information: cohorts (start month) of a centre.
                   models.Index(fields=["centre", "start_date"], name="enrolment_centre_cohort")]
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_end_date__gt=models.F("start_date")),
                                   name="enrolment_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.version}"

    def save(self, *args, **kwargs) -> None:
        """Saving an enrolment read earlier must not put back the progress counts it was read with."""
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key and f.name not in ("criteria_count", "met_count")]
        super().save(*args, **kwargs)


class EnrolmentUnit(models.Model):
    """A unit the learner has chosen (or must take) within their enrolment."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="enrolment_units")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="enrolment_units")
    # Set when the unit is signed off: its evidence, mappings and decisions can no longer change.
    locked_at = models.DateTimeField(null=True, blank=True)
    # Set when a signed-off unit is unlocked (reopened), cleared when it is signed off again.
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "unit"], name="enrolment_unit_once")]

    def __str__(self) -> str:
        return f"{self.unit} in enrolment {self.enrolment_id}"


class AchievedCriterion(models.Model):
    """A criterion the learner has met in an enrolment: the current outcome of the assessment decisions.

    Assessment writes and removes these rows; progress only counts them.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="achieved_criteria")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    achieved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrolment", "criterion"], name="criterion_achieved_once")]
        indexes = [models.Index(fields=["enrolment", "unit"])]

    def __str__(self) -> str:
        return f"criterion {self.criterion_id} met in enrolment {self.enrolment_id}"


class AssessmentPlan(models.Model):
    """One version of an enrolment's assessment plan. Agreed when both assessor and learner have signed."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING = "awaiting", _("Awaiting agreement")
        AGREED = "agreed", _("Agreed")
        SUPERSEDED = "superseded", _("Superseded")

    # The first signature makes a draft await the other party; the second agrees it. A new version supersedes
    # one still awaiting agreement; an agreed version stays agreed (the latest agreed one is in force).
    MOVES = {
        Status.DRAFT: {Status.AWAITING},
        Status.AWAITING: {Status.AGREED, Status.SUPERSEDED},
        Status.AGREED: set(),
        Status.SUPERSEDED: set(),
    }

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    notes = models.TextField(_("notes"), blank=True)
    document = models.FileField(_("plan document"), upload_to="plans/%Y/%m/", blank=True)
    document_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revision = models.PositiveIntegerField(default=1)
    assessor_signed_name = models.CharField(max_length=200, blank=True)
    assessor_signed_at = models.DateTimeField(null=True, blank=True)
    learner_signed_name = models.CharField(max_length=200, blank=True)
    learner_signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["enrolment", "-number"]
        constraints = [models.UniqueConstraint(fields=["enrolment", "number"], name="plan_version_number")]

    def __str__(self) -> str:
        return f"Plan v{self.number} for {self.enrolment}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT and not (self.assessor_signed_at or self.learner_signed_at)


class PlanItem(models.Model):
    plan = models.ForeignKey(AssessmentPlan, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    method = models.CharField(_("method"), max_length=32, choices=Method.choices)
    target_date = models.DateField(_("target date"))
    notes = models.TextField(_("notes"), blank=True)
    units = models.ManyToManyField("qualifications.Unit", related_name="+", verbose_name=_("units"))
    criteria = models.ManyToManyField("qualifications.AssessmentCriterion", blank=True, related_name="+",
                                      verbose_name=_("criteria"))

    class Meta:
        ordering = ["plan", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_method_display()} by {self.target_date}"


def evidence_file_path(instance: "EvidenceFile", filename: str) -> str:
    """A random, unguessable key: the learner's file name is kept only in `original_name`."""
    import uuid

    return f"evidence/{uuid.uuid4().hex}{instance.extension}"


class Evidence(models.Model):
    """One item a learner submits: files and/or text, claiming criteria of their enrolment."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        ACCEPTED = "accepted", _("Accepted")
        RETURNED = "returned", _("Returned for resubmission")

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    # Submitted by the learner; withdrawn by them (back to draft) until the review starts; decided by the assessor.
    MOVES = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.DRAFT, Status.ACCEPTED, Status.RETURNED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.ACCEPTED: set(),
    }

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="evidence")
    title = models.CharField(_("title"), max_length=200, blank=True)
    reflection = models.TextField(_("reflection"), blank=True)
    method = models.CharField(_("method"), max_length=32, choices=Method.choices, blank=True)
    activity_date = models.DateField(_("date of the activity"), null=True, blank=True)
    activity_place = models.CharField(_("place of the activity"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    declared_at = models.DateTimeField(null=True, blank=True)
    declaration = models.JSONField(default=dict, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    # The random token of the "Add evidence" page that created this draft: a repeated first save finds it.
    draft_token = models.CharField(max_length=64, blank=True, default="")
    criteria = models.ManyToManyField("qualifications.AssessmentCriterion", through="EvidenceCriterion",
                                      related_name="+")

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["enrolment", "status"]), models.Index(fields=["status", "submitted_at"])]
        constraints = [models.UniqueConstraint(fields=["enrolment", "draft_token"], condition=~models.Q(draft_token=""),
                                               name="evidence_draft_token_once")]
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.title or str(_("Untitled evidence"))

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class EvidenceCriterion(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="claims")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evidence", "criterion"], name="evidence_claims_once")]
        indexes = [models.Index(fields=["unit", "criterion"])]

    def __str__(self) -> str:
        return f"evidence {self.evidence_id} claims criterion {self.criterion_id}"


class EvidenceFile(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("Photo")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        PDF = "pdf", _("PDF")
        DOCUMENT = "document", _("Document")
        TEXT = "text", _("Text")

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=evidence_file_path, max_length=200)
    original_name = models.CharField(max_length=200)
    extension = models.CharField(max_length=10)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    thumbnail = models.FileField(upload_to="thumbnails/", max_length=200, blank=True)
    capture_time = models.DateTimeField(null=True, blank=True)
    location_removed = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evidence", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_processed(self) -> bool:
        return self.processed_at is not None


class EvidenceSubmission(models.Model):
    """One submitted revision of an evidence item: what was declared, with which files and claims.

    Each resubmission after a return is a new revision; earlier ones (and their feedback) stay readable.
    """

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="submissions")
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=200)
    reflection = models.TextField(blank=True)
    declaration = models.JSONField(default=dict)
    claimed = models.JSONField(default=list, help_text="Criterion ids claimed in this revision.")
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["evidence", "number"]
        constraints = [models.UniqueConstraint(fields=["evidence", "number"], name="evidence_submission_number")]
        # Management information: an enrolment's submissions in a period (inactivity, turnaround).
        indexes = [models.Index(fields=["evidence", "submitted_at"], name="submission_evidence_time")]

    def __str__(self) -> str:
        return f"{self.evidence} (revision {self.number})"

    @property
    def file_ids(self) -> list[int]:
        return [f["id"] for f in self.declaration.get("files", [])]


class PendingUpload(models.Model):
    """A direct-to-S3 upload we authorised: only keys issued here can be confirmed and attached."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="pending_uploads")
    key = models.CharField(max_length=200, unique=True)
    original_name = models.CharField(max_length=200)
    declared_size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key
