"""At risk: every learner in learning who is off track, inactive (or never started), late, or has unresolved IQA
actions, or whom a staff member has flagged, listed with each reason that applies."""

import datetime
from functools import reduce
from operator import or_
from types import SimpleNamespace

from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from accounts.pseudonyms import Masking, current_masking
from moderation.models import SampleAction
from portfolios.models import Enrolment

from ..models import RiskFlag
from .base import Figure, Filters, Report, Result, register
from .days import unit_criteria
from .measures import (
    EARLY_BELOW,
    IN_LEARNING,
    end_band_q,
    inactive_q,
    margin,
    never_started_q,
    off_track_q,
    progress_band,
    unresolved_actions_q,
    with_time_and_progress,
)

REASONS = {
    "off_track": gettext_lazy("Off track"),
    "inactive": gettext_lazy("Inactive for 28 days"),
    "never_started": gettext_lazy("Never started"),
    "late": gettext_lazy("Late, more than 4 weeks"),
    "iqa_actions": gettext_lazy("Unresolved IQA actions"),
    "flagged": gettext_lazy("Flagged by staff"),
}
BUCKETS = {"all": gettext_lazy("At risk, for any reason"), **REASONS}
ACTIVE = Enrolment.Status.ACTIVE.value  # a plain str: comparing with the choices member is slow once per learner


def _flag(field: str) -> Subquery:
    flags = RiskFlag.objects.filter(enrolment=OuterRef("pk"), status=RiskFlag.Status.RAISED).annotate(
        raiser=Concat("raised_by__first_name", Value(" "), "raised_by__last_name"))  # staff keep their names
    return Subquery(flags.values(field)[:1])


def _unresolved_actions() -> Coalesce:
    actions = (SampleAction.objects.filter(sample__enrolment=OuterRef("pk")).exclude(status=SampleAction.Status.CLOSED)
               .order_by().values("sample__enrolment").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(actions, output_field=IntegerField()), 0)


def reasons_q(in_learning: QuerySet[Enrolment], today: datetime.date, criteria: dict[int, int]) -> dict[str, Q]:
    """Each reason as a condition on enrolments; those over other tables are id sets, read once per query."""
    return {"off_track": off_track_q(in_learning, today, criteria), "inactive": inactive_q(today),
            "never_started": never_started_q(today), "late": end_band_q("late", today),
            "iqa_actions": unresolved_actions_q(),
            "flagged": Q(pk__in=RiskFlag.objects.filter(status=RiskFlag.Status.RAISED).values("enrolment_id"))}


def with_reasons(enrolments: QuerySet[Enrolment], filters: Filters, today: datetime.date,
                 bucket: str = "all") -> QuerySet[Enrolment]:
    """Learners in learning with at least one reason (or the reason `bucket`), annotated for `reasons_of`:
    `time_used` and `achieved`, a boolean per reason over other tables, the count of unresolved IQA actions and
    the raised flag (`flag_id`, `flag_reason`, `flag_raised_at`, `flag_raised_by`). Two queries: the units'
    criteria counts, then the rows."""
    def reason(q: Q) -> ExpressionWrapper:
        return ExpressionWrapper(q, output_field=BooleanField())

    in_learning = filters.apply(enrolments).filter(status__in=IN_LEARNING)
    criteria = unit_criteria(in_learning)
    reasons = reasons_q(in_learning, today, criteria)
    chosen = reduce(or_, reasons.values()) if bucket == "all" else reasons[bucket]
    return with_time_and_progress(in_learning.filter(chosen), today, criteria).annotate(
        inactive=reason(reasons["inactive"]), never_started=reason(reasons["never_started"]),
        late=reason(reasons["late"]), iqa_actions=_unresolved_actions(),
        flag_id=_flag("pk"), flag_reason=_flag("reason"), flag_raised_at=_flag("raised_at"),
        flag_raised_by=_flag("raiser"))


def is_off_track(e: Enrolment, margin_points: int | None = None) -> bool:
    """The off-track rule on the row's own time used and achieved (the same numbers the query compared)."""
    return e.status == ACTIVE and progress_band(e.time_used, e.achieved, margin_points) == "off_track"


def phrases() -> dict[str, str]:
    """The reasons' wording in the current language, translated once per list rather than once per learner."""
    return {"off_track": _("Off track: %(used)s %% of the time used, %(achieved)s %% achieved"),
            "inactive": _("Inactive: no evidence and no decision in the last 28 days"),
            "never_started": _("Never started: no evidence since the start on %(start)s"),
            "late": _("Late: planned end date %(end)s"),
            "flagged": _("Flagged by %(who)s on %(day)s: %(reason)s")}


def reasons_of(e: Enrolment, words: dict[str, str] | None = None, days: dict[datetime.date, str] | None = None,
               margin_points: int | None = None) -> list[str]:
    """One learner's reasons, in words, with the numbers behind each (for a whole list, read once: `words`,
    `phrases()`; `days`, the dates already written out; `margin_points`, `margin()`)."""
    words = words or phrases()
    days = {} if days is None else days

    def day(value: datetime.date) -> str:
        if value not in days:
            days[value] = date_format(value, "j M Y")
        return days[value]

    reasons = []
    if is_off_track(e, margin_points):
        reasons.append(words["off_track"] % {"used": round(e.time_used), "achieved": round(e.achieved)})
    if e.inactive:
        reasons.append(words["inactive"])
    if e.never_started:
        reasons.append(words["never_started"] % {"start": day(e.start_date)})
    if e.late:
        reasons.append(words["late"] % {"end": day(e.planned_end_date)})
    if e.iqa_actions:
        reasons.append(ngettext("%(n)s unresolved IQA action", "%(n)s unresolved IQA actions", e.iqa_actions)
                       % {"n": e.iqa_actions})
    if e.flag_id:
        day = date_format(timezone.localtime(e.flag_raised_at), "j M Y")
        reasons.append(words["flagged"] % {"who": e.flag_raised_by, "day": day, "reason": e.flag_reason})
    return reasons


def _in_learning_with_measures(enrolments: QuerySet[Enrolment], filters: Filters,
                               today: datetime.date) -> QuerySet[Enrolment]:
    """Every learner in learning, each with the numbers and booleans `reasons_of` reads, each computed once (the
    off-track rule is applied to them in Python, as `is_off_track`): no reason is a condition of the query, which
    would compute a learner's achieved % once more. The achieved % is counted only where the rule reads it, for
    active learners past the early part of their time (`judged_achieved`, 0 elsewhere): the two criteria counts
    per learner are most of the query's time. The raised flag (at most one per enrolment) is a join."""
    in_learning = filters.apply(enrolments).filter(status__in=IN_LEARNING)
    judged = Q(status=Enrolment.Status.ACTIVE) & ~Q(time_used__lt=EARLY_BELOW)  # where `is_off_track` compares
    return with_time_and_progress(in_learning, today).annotate(
        judged_achieved=Case(When(judged, then=F("achieved")), default=Value(0.0), output_field=FloatField()),
        inactive=ExpressionWrapper(inactive_q(today), output_field=BooleanField()),
        never_started=ExpressionWrapper(never_started_q(today), output_field=BooleanField()),
        late=ExpressionWrapper(end_band_q("late", today), output_field=BooleanField()),
        iqa_actions=_unresolved_actions(),
        flag=FilteredRelation("risk_flags", condition=Q(risk_flags__status=RiskFlag.Status.RAISED)),
    )


ROW_FIELDS = ("pk", "status", "start_date", "planned_end_date", "time_used", "judged_achieved", "inactive",
              "never_started", "late", "iqa_actions")
PERSON_FIELDS = ("id", "first_name", "last_name", "email")


def _name(row: dict, prefix: str, names: dict[int, str], masking: Masking | None) -> str:
    """The person of the row's columns as the current reader must see them, once per person (`names`). Someone
    the reader's masking covers is named by a User of those columns (built as the ORM builds `.only()` rows), whose
    `display_name` applies the pseudonym and hides contact details; anyone else by `display_name`'s own rule for
    the unmasked, full name or else email, without building a User for each of thousands of learners."""
    pk = row[f"{prefix}__id"]
    if pk not in names:
        if masking is not None and masking.covers(pk):
            person = User.from_db(None, PERSON_FIELDS, [row[f"{prefix}__{field}"] for field in PERSON_FIELDS])
            names[pk] = person.display_name
        else:
            full_name = f"{row[f'{prefix}__first_name']} {row[f'{prefix}__last_name']}".strip()
            names[pk] = full_name or row[f"{prefix}__email"]
    return names[pk]


def compute(enrolments: QuerySet[Enrolment], *, filters: Filters, today: datetime.date) -> Result:
    """Two queries: the units' criteria counts, then every learner in learning with their measures, in name order
    (plain rows, no model objects); the reasons and the counts are read from those rows."""
    rows = (_in_learning_with_measures(enrolments, filters, today)
            .order_by("learner__last_name", "learner__first_name", "pk")
            .values(*ROW_FIELDS, *(f"{who}__{field}" for who in ("learner", "assessor") for field in PERSON_FIELDS),
                    "version__qualification__code", flag_id=F("flag__pk"), flag_reason=F("flag__reason"),
                    flag_raised_at=F("flag__raised_at"), flag_raised_by_first=F("flag__raised_by__first_name"),
                    flag_raised_by_last=F("flag__raised_by__last_name")))
    m = margin()
    learners, counts = [], dict.fromkeys(REASONS, 0)
    for row in rows:
        e = SimpleNamespace(**row, achieved=row["judged_achieved"],
                            flag_raised_by=f"{row['flag_raised_by_first']} {row['flag_raised_by_last']}")
        found = [key for key, has in (("off_track", is_off_track(e, m)), ("inactive", e.inactive),
                                      ("never_started", e.never_started), ("late", e.late),
                                      ("iqa_actions", e.iqa_actions), ("flagged", e.flag_id)) if has]
        if found:
            learners.append((row, e))
            for key in found:
                counts[key] += 1
    formulas = {
        "off_track": _("Active learners past 25 %% of their planned time whose time used %% exceeds their achieved "
                       "%% by %(m)s points or more (as in Progress against time).") % {"m": m},
        "inactive": _("Active learners with evidence before but no evidence and no decision in the last 28 days "
                      "(as in Inactivity)."),
        "never_started": _("Active learners who started 28 days ago or more and have never submitted evidence."),
        "late": _("Learners in learning whose planned end date passed more than 4 weeks ago (before %(day)s).")
        % {"day": date_format(today - datetime.timedelta(days=28), "j M Y")},
        "iqa_actions": _("Learners in learning with an IQA action on one of their samples that is open, or done "
                         "and not yet closed by the moderator."),
        "flagged": _("Learners a staff member has flagged by hand, with their reason; a flag adds to the "
                     "computed reasons and never replaces them."),
    }
    figures = [Figure("all", str(BUCKETS["all"]), len(learners),
                      _("Learners in learning (active or on break) with at least one reason: off track, inactive "
                        "for 28 days, never started, late by more than 4 weeks, unresolved IQA actions or flagged by "
                        "staff; a learner with several reasons is counted once."), bucket="all")]
    figures += [Figure(key, str(REASONS[key]), counts[key], formulas[key], bucket=key) for key in REASONS]
    words, statuses = phrases(), {value: str(label) for value, label in Enrolment.Status.choices}
    names: dict[int, str] = {}
    masking = current_masking()
    days: dict[datetime.date, str] = {}
    rows = [[_name(row, "learner", names, masking), row["version__qualification__code"],
             _name(row, "assessor", names, masking), statuses[e.status],
             "; ".join(reasons_of(e, words, days, m))] for row, e in learners]
    return Result(figures=figures, columns=[_("Learner"), _("Qualification"), _("Assessor"), _("Status"),
                                            _("Reasons")], rows=rows)


def drill(enrolments: QuerySet[Enrolment], *, filters: Filters, bucket: str,
          today: datetime.date) -> QuerySet[Enrolment]:
    if bucket not in BUCKETS:
        return enrolments.none()
    return with_reasons(enrolments, filters, today, bucket)


HOW_COUNTED = gettext_lazy(
    "Learners in learning (active or on break) who are off track (Progress against time), inactive for 28 days "
    "or never started (Inactivity), late by more than 4 weeks (Planned end date), or have an IQA action on one of "
    "their samples that is not closed, and those a staff member has flagged by hand. Each learner is listed once "
    "with every reason that applies; a manual flag is shown beside the computed reasons, never instead of them.")

REPORT = register(Report(slug="at_risk", title=gettext_lazy("At risk"), how_counted=HOW_COUNTED,
                         compute=compute, drill=drill, buckets=BUCKETS))
