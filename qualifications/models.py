"""Qualification specifications: versioned, and frozen once anyone is enrolled on a version."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Qualification(models.Model):
    """The lasting identity of a qualification or short course at a centre; its content lives in versions."""

    class Kind(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        SHORT_COURSE = "short_course", _("Short course")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="qualifications")
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.QUALIFICATION)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["centre", "code"], name="qualification_code_per_centre")]

    def __str__(self) -> str:
        return self.code


class QualificationVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    class Framework(models.TextChoices):
        EQF = "EQF", _("European Qualifications Framework (EQF)")
        RQF = "RQF", _("Regulated Qualifications Framework (RQF)")
        SCQF = "SCQF", _("Scottish Credit and Qualifications Framework (SCQF)")
        NQF = "NQF", _("National qualifications framework")
        NONE = "", _("Not on a framework")

    # The only moves a status may make, applied by centres.workflow.move_status.
    MOVES = {
        Status.DRAFT: {Status.PUBLISHED, Status.RETIRED},
        Status.PUBLISHED: {Status.RETIRED},
        Status.RETIRED: set(),
    }

    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    awarding_body = models.CharField(_("awarding body"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=20, blank=True)
    framework = models.CharField(_("framework"), max_length=8, choices=Framework.choices, blank=True)
    total_credits = models.PositiveIntegerField(_("total credits"), default=0)
    guided_learning_hours = models.PositiveIntegerField(_("guided learning hours"), default=0)
    minimum_credits = models.PositiveIntegerField(
        _("minimum credits"), default=0, help_text=_("Rule of combination: the chosen units must add up to this.")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True,
                                     help_text=_("Set when the first learner is enrolled; the content cannot change."))
    revision = models.PositiveIntegerField(default=1, help_text=_("Bumped by every edit; stale forms are refused."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["qualification__code", "-number"]
        constraints = [models.UniqueConstraint(fields=["qualification", "number"], name="qualification_version_number")]

    def __str__(self) -> str:
        return f"{self.qualification.code} v{self.number} — {self.title}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def is_editable(self) -> bool:
        return self.frozen_at is None and self.status != self.Status.RETIRED


class Unit(models.Model):
    version = models.ForeignKey(QualificationVersion, on_delete=models.CASCADE, related_name="units")
    position = models.PositiveIntegerField(default=0)
    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("level"), max_length=20, blank=True)
    credits = models.PositiveIntegerField(_("credits"), default=0)
    guided_learning_hours = models.PositiveIntegerField(_("guided learning hours"), default=0)
    mandatory = models.BooleanField(_("mandatory"), default=True)

    class Meta:
        ordering = ["version", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="unit_code_per_version")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class LearningOutcome(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveIntegerField(default=0)
    number = models.CharField(max_length=10, blank=True)
    text = models.TextField(_("learning outcome"))

    class Meta:
        ordering = ["unit", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.number} {self.text}"


class AssessmentCriterion(models.Model):
    outcome = models.ForeignKey(LearningOutcome, on_delete=models.CASCADE, related_name="criteria")
    # Denormalised so progress can count criteria per unit without joining through outcomes.
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="criteria")
    # Numbered through the whole unit (outcome order, then criterion order) so criteria sort without a join.
    position = models.PositiveIntegerField(default=0)
    number = models.CharField(max_length=10, blank=True)
    text = models.TextField(_("assessment criterion"))

    class Meta:
        ordering = ["unit", "position", "pk"]
        verbose_name_plural = _("assessment criteria")

    def __str__(self) -> str:
        return f"{self.number} {self.text}"
