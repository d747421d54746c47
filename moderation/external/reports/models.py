"""EQA reports. Imported by `moderation.external.models`, so they belong to the moderation app.

An external moderator writes one **report** per visit under their grant: per-item **judgements** of the sampled
decisions (agreed or changed), a red/amber/green **rating** per criterion of the centre's EQA **checklist**,
**action points** for the centre's staff, and optionally a **sanction** that holds certification of the grant's
qualification(s) until a centre admin lifts it. Sample size, coverage, agreement and the overall rating are
computed from the rows, never typed. Signing freezes the report; the centre admin acknowledges it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_CHECKLIST = (
    _("Assessment decisions are valid, authentic, current and sufficient"),
    _("Internal quality assurance is planned and carried out"),
    _("Standardisation takes place"),
    _("Records are accurate and complete"),
    _("Learner support and feedback"),
    _("Resources and staff competence"),
    _("Actions from the last visit are done"),
)


class Rag(models.TextChoices):
    RED = "red", _("Red")
    AMBER = "amber", _("Amber")
    GREEN = "green", _("Green")


RAG_WORST_FIRST = (Rag.RED, Rag.AMBER, Rag.GREEN)


class EqaChecklistItem(models.Model):
    """One criterion of the awarding body's checklist, as the centre keeps it. Deactivated items stay on the
    reports that rated them."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="eqa_checklist")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(_("criterion"), max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["centre", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class EqaReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SIGNED = "signed", _("Signed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the centre")

    MOVES = {Status.DRAFT: {Status.SIGNED}, Status.SIGNED: {Status.ACKNOWLEDGED}, Status.ACKNOWLEDGED: set()}

    class Sanction(models.TextChoices):
        NONE = "none", _("None")
        HOLD = "hold_certification", _("Hold certification")

    grant = models.ForeignKey("moderation.EqaGrant", on_delete=models.PROTECT, related_name="reports")
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="eqa_reports")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    visit_date = models.DateField(_("visit date"))
    sample_basis = models.TextField(_("basis for the sample"), blank=True)
    good_practice = models.TextField(_("good practice"), blank=True)
    concerns = models.TextField(_("concerns"), blank=True)
    improvements = models.TextField(_("improvements"), blank=True)
    sanction = models.CharField(_("sanction"), max_length=20, choices=Sanction.choices, default=Sanction.NONE)
    sanction_reason = models.TextField(_("reason for the sanction"), blank=True)
    # Fixed when the sanction is set: the grant's qualification(s) at that moment.
    sanction_qualifications = models.ManyToManyField("qualifications.Qualification", blank=True, related_name="+")
    sanction_lifted_at = models.DateTimeField(null=True, blank=True)
    sanction_lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    sanction_lift_reason = models.TextField(blank=True)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visit_date", "-pk"]
        indexes = [models.Index(fields=["centre", "sanction", "sanction_lifted_at"], name="eqa_report_sanction")]
        verbose_name = _("EQA report")

    def __str__(self) -> str:
        return f"EQA report #{self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def holds_certification(self) -> bool:
        return (self.sanction == self.Sanction.HOLD and self.sanction_lifted_at is None
                and self.status != self.Status.DRAFT)


class EqaJudgement(models.Model):
    """The EQA's judgement of one sampled decision: an enrolment's unit, as its assessor decided it."""

    report = models.ForeignKey(EqaReport, on_delete=models.CASCADE, related_name="judgements")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agreed = models.BooleanField(_("decision agreed"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "pk"]
        constraints = [models.UniqueConstraint(fields=["report", "enrolment", "unit"], name="eqa_judgement_once")]

    def __str__(self) -> str:
        return f"judgement {self.pk} ({'agreed' if self.agreed else 'changed'})"


class EqaRating(models.Model):
    report = models.ForeignKey(EqaReport, on_delete=models.CASCADE, related_name="ratings")
    item = models.ForeignKey(EqaChecklistItem, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=300)  # the criterion as it read when rated
    rating = models.CharField(_("rating"), max_length=5, choices=Rag.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["report", "item__position", "item_id"]
        constraints = [models.UniqueConstraint(fields=["report", "item"], name="eqa_rating_once")]

    def __str__(self) -> str:
        return f"{self.text}: {self.rating}"


class EqaActionPoint(models.Model):
    """Something the centre must do after the visit. It lands in the centre's action list once the report is
    signed; its owner or a centre admin marks it done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    MOVES = {Status.OPEN: {Status.DONE}, Status.DONE: set()}

    report = models.ForeignKey(EqaReport, on_delete=models.CASCADE, related_name="action_points")
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("action"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["centre", "status", "due_date"], name="eqa_action_centre")]
        verbose_name = _("EQA action point")

    def __str__(self) -> str:
        return self.text[:60]


class EqaComment(models.Model):
    """A comment the external moderator addresses to the centre, shown to its admins."""

    grant = models.ForeignKey("moderation.EqaGrant", on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey("portfolios.Enrolment", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    text = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]

