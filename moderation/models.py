"""Internal quality assurance (IQA): sampling strategies, assessor risk, sampling plans, samples and their
actions, observations of assessor practice, and standardisation.

Words as in DOMAIN.md: a **sampling strategy** is the rules (per centre and qualification, versioned, approved
by a moderator); a **sampling plan** is what will be sampled in one cycle, generated from a strategy with a
stored seed; a **plan item** is one thing chosen, with why; a **sample** is the moderator's record of one
sampled item; **actions** are what the assessor must do after it.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RiskTier(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class SampleKind(models.TextChoices):
    INTERIM = "interim", _("Interim (work in progress)")
    SUMMATIVE = "summative", _("Summative (signed-off unit)")
    OBSERVATION = "observation", _("Observation of practice")
    LEARNER_INTERVIEW = "learner_interview", _("Learner interview")
    ASSESSOR_INTERVIEW = "assessor_interview", _("Assessor interview")


# The defaults of a new strategy's tiers (all editable): learner %, units per learner, unit %, interim %,
# observations of practice per year. A unit share (%) applies when units_per_learner is None.
DEFAULT_TIER_RATES = {
    RiskTier.HIGH: {"learner_percent": 100, "units_per_learner": None, "unit_percent": 100, "interim_percent": 50,
                    "observations_per_year": 2},
    RiskTier.MEDIUM: {"learner_percent": 50, "units_per_learner": 1, "unit_percent": None, "interim_percent": 30,
                      "observations_per_year": 1},
    RiskTier.LOW: {"learner_percent": 20, "units_per_learner": 1, "unit_percent": None, "interim_percent": 25,
                   "observations_per_year": 1},
}


class SamplingStrategy(models.Model):
    """The rules for one centre and qualification. A new version replaces the approved one; old ones are kept."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        RETIRED = "retired", _("Retired")

    MOVES = {
        Status.DRAFT: {Status.APPROVED, Status.RETIRED},
        Status.APPROVED: {Status.RETIRED},
        Status.RETIRED: set(),
    }

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="sampling_strategies")
    qualification = models.ForeignKey("qualifications.Qualification", on_delete=models.PROTECT,
                                      related_name="sampling_strategies")
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The cycle: by default 1 August for 12 months.
    cycle_start_month = models.PositiveSmallIntegerField(_("cycle starts in month"), default=8)
    cycle_start_day = models.PositiveSmallIntegerField(_("cycle starts on day"), default=1)
    cycle_months = models.PositiveSmallIntegerField(_("cycle length in months"), default=12)
    # Coverage rules, on by default: each at least once per cycle.
    cover_assessor_units = models.BooleanField(_("every assessor × every unit they assessed"), default=True)
    cover_methods = models.BooleanField(_("every assessment method used"), default=True)
    cover_locations = models.BooleanField(_("every assessment location"), default=True)
    cover_resubmissions = models.BooleanField(_("returned and resubmitted work"), default=True)
    # Offered only as a labelled option, never the default: the "square root of N" rule is statistically
    # discredited.
    square_root_rule = models.BooleanField(_("square root of N learners (not recommended)"), default=False)
    # Certification gate: planned summative sampling done and its actions closed before the qualification badge
    # and certificate are issued.
    gate_certification = models.BooleanField(_("hold certification until summative sampling is done"),
                                             default=False)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_name = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["centre", "qualification", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "qualification", "version"], name="strategy_version_unique"),
            models.UniqueConstraint(fields=["centre", "qualification"], condition=Q(status="approved"),
                                    name="strategy_one_approved"),
            models.CheckConstraint(condition=Q(cycle_start_month__gte=1, cycle_start_month__lte=12),
                                   name="strategy_cycle_month"),
            models.CheckConstraint(condition=Q(cycle_start_day__gte=1, cycle_start_day__lte=28),
                                   name="strategy_cycle_day"),
            models.CheckConstraint(condition=Q(cycle_months__gte=1, cycle_months__lte=24),
                                   name="strategy_cycle_length"),
        ]
        verbose_name = _("sampling strategy")
        verbose_name_plural = _("sampling strategies")

    def __str__(self) -> str:
        return f"{self.qualification} v{self.version}"

    def cycle_for(self, start_year: int) -> tuple[datetime.date, datetime.date]:
        """(first day, last day) of the cycle that starts in `start_year`."""
        start = datetime.date(start_year, self.cycle_start_month, self.cycle_start_day)
        months = start.month - 1 + self.cycle_months
        next_start = datetime.date(start.year + months // 12, months % 12 + 1, start.day)
        return start, next_start - datetime.timedelta(days=1)

    def cycle_start_year_of(self, day: datetime.date) -> int:
        """The start year of the cycle `day` falls in (cycles of 12 months or less are assumed to tile years)."""
        start = datetime.date(day.year, self.cycle_start_month, self.cycle_start_day)
        return day.year if day >= start else day.year - 1


class TierRate(models.Model):
    """One risk tier's rates in a strategy. Percentages are 0-100."""

    strategy = models.ForeignKey(SamplingStrategy, on_delete=models.CASCADE, related_name="tier_rates")
    tier = models.CharField(max_length=8, choices=RiskTier.choices)
    learner_percent = models.PositiveSmallIntegerField(_("learners sampled (%)"))
    units_per_learner = models.PositiveSmallIntegerField(_("units per sampled learner"), null=True, blank=True)
    unit_percent = models.PositiveSmallIntegerField(_("units per sampled learner (%)"), null=True, blank=True)
    interim_percent = models.PositiveSmallIntegerField(_("interim share (%)"))
    observations_per_year = models.PositiveSmallIntegerField(_("observations of practice a year"))

    class Meta:
        ordering = ["strategy", "tier"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "tier"], name="tier_rate_unique"),
            models.CheckConstraint(condition=Q(learner_percent__lte=100, interim_percent__lte=100)
                                   & (Q(unit_percent__isnull=True) | Q(unit_percent__lte=100)),
                                   name="tier_rate_percentages"),
            models.CheckConstraint(condition=Q(units_per_learner__isnull=False) | Q(unit_percent__isnull=False),
                                   name="tier_rate_units_given"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy}: {self.tier}"

class AssessorRiskOverride(models.Model):
    """A moderator's written decision to put an assessor in another tier than the facts give. The latest one that
    has not been withdrawn applies."""

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="+")
    qualification = models.ForeignKey("qualifications.Qualification", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=8, choices=RiskTier.choices)
    reason = models.TextField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-set_at", "-pk"]
        indexes = [models.Index(fields=["centre", "qualification", "assessor"], name="risk_override_lookup")]

    def __str__(self) -> str:
        return f"{self.assessor}: {self.tier}"

class SamplingPlan(models.Model):
    """What will be sampled in one cycle of a strategy. Generating again (after the cohort changed) makes a new
    plan that names the one it replaces; items say what was added and removed."""

    strategy = models.ForeignKey(SamplingStrategy, on_delete=models.PROTECT, related_name="plans")
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="sampling_plans")
    cycle_start = models.DateField()
    cycle_end = models.DateField()
    number = models.PositiveIntegerField(default=1)  # 1, 2, ... per strategy and cycle: each regeneration
    seed = models.CharField(max_length=64)
    replaces = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="replaced_by")
    current = models.BooleanField(default=True)
    # None: generated by the system (`manage.py sampling_plan --generate`).
    generated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    generated_at = models.DateTimeField(auto_now_add=True)
    # What the generator saw and decided, for the page and for `sampling_plan --json`: tiers per assessor,
    # coverage gaps it could not fill, the diff against the plan it replaces.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-cycle_start", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "cycle_start", "number"], name="plan_number_unique"),
            models.UniqueConstraint(fields=["strategy", "cycle_start"], condition=Q(current=True),
                                    name="plan_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.strategy.qualification} {self.cycle_start:%Y}/{self.cycle_end:%y} #{self.number}"


class PlanItem(models.Model):
    """One thing chosen for sampling, and why ("coverage: method=observation, assessor=..." or "rate: tier=high")."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="items")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=SampleKind.choices)
    method = models.CharField(max_length=32, blank=True)
    location = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")  # None: chosen by the generator
    added_reason = models.TextField(blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "position", "pk"]
        indexes = [models.Index(fields=["plan", "assessor"], name="plan_item_assessor"),
                   models.Index(fields=["moderator", "removed_at"], name="plan_item_moderator")]

    def __str__(self) -> str:
        return f"plan item {self.pk} ({self.kind})"

class Sample(models.Model):
    """The moderator's record of one sampled item. Starting it snapshots what it looks at into the audit trail."""

    class Status(models.TextChoices):
        STARTED = "started", _("In progress")
        AWAITING_SECOND = "awaiting_second", _("Awaiting second signature")
        SIGNED = "signed", _("Signed")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged by the assessor")

    MOVES = {
        Status.STARTED: {Status.SIGNED, Status.AWAITING_SECOND},
        Status.AWAITING_SECOND: {Status.SIGNED},
        Status.SIGNED: {Status.ACKNOWLEDGED},
        Status.ACKNOWLEDGED: set(),
    }

    class Outcome(models.TextChoices):
        AGREE = "agree", _("Agree")
        AGREE_ADVICE = "agree_advice", _("Agree with advice")
        DISAGREE_ACT = "disagree_act", _("Disagree — assessor to act")
        DISAGREE_OVERTURN = "disagree_overturn", _("Disagree — decision overturned")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="samples")
    plan_item = models.ForeignKey(PlanItem, null=True, blank=True, on_delete=models.PROTECT, related_name="samples")
    enrolment = models.ForeignKey("portfolios.Enrolment", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("qualifications.Unit", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=SampleKind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.STARTED)
    resample_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="resamples")
    # The snapshot taken at the start: {"files": {id: sha256}, "decisions": {...}, "mappings": [...],
    # "feedback": {...}, "hash": "..."}; the same is in the audit event `sample.started`.
    snapshot = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    criteria_sampled = models.ManyToManyField("qualifications.AssessmentCriterion", blank=True, related_name="+")
    # {"valid": {"ok": true, "note": ""}, "authentic": ..., "current": ..., "sufficient": ...}
    vacs = models.JSONField(default=dict, blank=True)
    # {"plan_followed": {"ok": ..., "note": ...}, "feedback_developmental": ..., "declaration_present": ...,
    #  "records_accurate": ...}
    process_checks = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    feedback = models.TextField(_("feedback to the assessor"), blank=True)
    signed_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    second_signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+")
    second_signed_name = models.CharField(max_length=200, blank=True)
    second_signed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["centre", "assessor", "status"], name="sample_assessor"),
                   models.Index(fields=["centre", "moderator", "status"], name="sample_moderator")]
        verbose_name = _("sample")

    def __str__(self) -> str:
        return f"sample {self.pk} ({self.get_kind_display()})"


class SampleAction(models.Model):
    """Something the assessor must do after a sample, by a date. The assessor marks it done; the moderator
    closes it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done, awaiting the moderator")
        CLOSED = "closed", _("Closed")

    MOVES = {
        Status.OPEN: {Status.DONE},
        Status.DONE: {Status.CLOSED, Status.OPEN},
        Status.CLOSED: set(),
    }

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="actions")
    text = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["owner", "status", "due_date"], name="sample_action_owner")]

    def __str__(self) -> str:
        return self.text[:60]

class Observation(models.Model):
    """An observation of an assessor's practice: scheduled, then recorded with a checklist."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        RECORDED = "recorded", _("Recorded")
        CANCELLED = "cancelled", _("Cancelled")

    MOVES = {
        Status.SCHEDULED: {Status.RECORDED, Status.CANCELLED},
        Status.RECORDED: set(),
        Status.CANCELLED: set(),
    }

    class Outcome(models.TextChoices):
        MEETS = "meets", _("Meets the standard")
        DEVELOPMENT = "development", _("Meets the standard, with development points")
        BELOW = "below", _("Below the standard")

    CHECKLIST = ("planning", "questioning", "judgement", "feedback", "record_keeping", "equality_and_safety")

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="observations")
    qualification = models.ForeignKey("qualifications.Qualification", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    scheduled_for = models.DateField()
    place = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    checklist = models.JSONField(default=dict, blank=True)  # {item: {"ok": bool, "note": str}} over CHECKLIST
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    development_points = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheduled_for", "pk"]
        indexes = [models.Index(fields=["centre", "assessor", "status"], name="observation_assessor")]

    def __str__(self) -> str:
        return f"observation of {self.assessor} on {self.scheduled_for}"

class StandardisationMeeting(models.Model):
    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="standardisation_meetings")
    qualification = models.ForeignKey("qualifications.Qualification", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    title = models.CharField(max_length=200)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    minutes = models.TextField(blank=True)
    decisions = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"

class MeetingFile(models.Model):
    meeting = models.ForeignKey(StandardisationMeeting, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to="standardisation/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name

class CoMarkingExercise(models.Model):
    """Blind co-marking: invited assessors judge the same evidence per criterion without seeing each other's."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    MOVES = {Status.OPEN: {Status.CLOSED}, Status.CLOSED: set()}

    centre = models.ForeignKey("centres.Centre", on_delete=models.PROTECT, related_name="co_marking_exercises")
    evidence = models.ForeignKey("portfolios.Evidence", on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(StandardisationMeeting, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="exercises")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    invited = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    criteria = models.ManyToManyField("qualifications.AssessmentCriterion", related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

class CoMarkingJudgement(models.Model):
    exercise = models.ForeignKey(CoMarkingExercise, on_delete=models.CASCADE, related_name="judgements")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey("qualifications.AssessmentCriterion", on_delete=models.PROTECT, related_name="+")
    met = models.BooleanField()
    note = models.TextField(blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["exercise", "assessor", "criterion"],
                                               name="co_marking_one_judgement")]

    def __str__(self) -> str:
        return f"{self.assessor}: {self.criterion_id} {'met' if self.met else 'not yet met'}"


from .external.models import EqaGrant, SamplePack  # noqa: E402,F401 (EQA models belong to this app)
