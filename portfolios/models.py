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

    # The only moves a status may make; services enforce them.
    MOVES = {
        Status.ACTIVE: {Status.ON_BREAK, Status.WITHDRAWN, Status.COMPLETED},
        Status.ON_BREAK: {Status.ACTIVE, Status.WITHDRAWN},
        Status.WITHDRAWN: set(),
        Status.COMPLETED: set(),
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

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["centre", "assessor", "status"]), models.Index(fields=["learner", "centre"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(planned_end_date__gt=models.F("start_date")),
                                   name="enrolment_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.version}"


class EnrolmentUnit(models.Model):
    """A unit the learner has chosen (or must take) within their enrolment."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="enrolment_units")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="enrolment_units")

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
