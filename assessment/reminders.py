"""What the beat chases: evidence waiting too long for a decision, planned units falling due, and the
assessors' daily digest of new evidence.

Each reminder goes at most once per period (notifications.reminders.notify_once), so every service here is
safe to run again: a retried task or a second beat sends nothing new.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from centres.models import Centre, Membership, Role
from notifications.reminders import day_key, notify_once, reminder_last_sent_at, reminder_was_sent, week_key
from portfolios.models import AssessmentPlan, Enrolment, EnrolmentUnit, Evidence, EvidenceSubmission, PlanItem

WAITING = "reminder_waiting"
WAITING_ESCALATED = "reminder_waiting_escalated"
UNITS_DUE = "reminder_units_due"
DIGEST = "assessor_digest"
DUE_WITHIN_DAYS = 7
# Enrolments whose evidence still needs a decision: a learner on a break keeps the evidence they submitted.
OPEN_ENROLMENTS = (Enrolment.Status.ACTIVE, Enrolment.Status.ON_BREAK)
CURRENT_PLANS = (AssessmentPlan.Status.AGREED, AssessmentPlan.Status.AWAITING)
# What layers above add to the assessor's digest (community's messages from learners): functions of
# (assessor=, since=, now=) giving a dict of context entries, each a list; registered from their AppConfig.ready.
DIGEST_EXTRAS: list[Callable[..., dict[str, list]]] = []


def _name(user) -> str:
    return user.first_name or user.display_name


def _evidence_line(evidence: Evidence, now: datetime.datetime) -> dict:
    enrolment = evidence.enrolment
    return {"title": str(evidence), "learner": str(enrolment.learner), "qualification": enrolment.version.title,
            "days": (now - evidence.submitted_at).days, "url": reverse("evidence_detail", args=[evidence.pk])}


def waiting_evidence(*, now: datetime.datetime) -> list[Evidence]:
    """Submitted evidence that has waited longer than its centre's `review_reminder_days`, oldest first."""
    shortest = Centre.objects.aggregate(days=Min("review_reminder_days"))["days"]
    if shortest is None:
        return []
    candidates = (Evidence.objects.filter(status=Evidence.Status.SUBMITTED, enrolment__status__in=OPEN_ENROLMENTS,
                                          submitted_at__lt=now - datetime.timedelta(days=shortest))
                  .select_related("enrolment__learner", "enrolment__assessor", "enrolment__centre",
                                  "enrolment__version")
                  .order_by("submitted_at", "pk"))
    return [e for e in candidates if now - e.submitted_at > _threshold(e)]


def _threshold(evidence: Evidence) -> datetime.timedelta:
    return datetime.timedelta(days=evidence.enrolment.centre.review_reminder_days)


def remind_waiting_evidence(*, now: datetime.datetime | None = None) -> int:
    """One reminder a day to each assessor with overdue evidence, listing it all; past twice the centre's
    limit, one a day to each centre admin too, listing the overdue evidence by assessor. Returns how many
    reminders were sent."""
    now = now or timezone.now()
    overdue = waiting_evidence(now=now)
    by_assessor: dict = defaultdict(list)
    for evidence in overdue:
        by_assessor[evidence.enrolment.assessor].append(evidence)
    sent = 0
    for assessor, items in by_assessor.items():
        if not assessor.is_active:
            continue
        sent += bool(notify_once(
            recipient=assessor, kind=WAITING, object_key=f"assessor:{assessor.pk}", period_key=day_key(now),
            context={"recipient_name": _name(assessor), "count": len(items),
                     "items": [_evidence_line(e, now) for e in items]},
            url=reverse("assessment_queue"), essential=False, now=now))
    escalated = [e for e in overdue if now - e.submitted_at > 2 * _threshold(e)]
    return sent + _escalate(escalated, now)


def _escalate(overdue: list[Evidence], now: datetime.datetime) -> int:
    centres = {e.enrolment.centre_id for e in overdue}
    admins: dict = defaultdict(set)
    for membership in (Membership.objects.current().filter(centre_id__in=centres, role=Role.CENTRE_ADMIN,
                                                           user__is_active=True).select_related("user")):
        admins[membership.user].add(membership.centre_id)
    sent = 0
    for admin, admin_centres in admins.items():
        groups: dict = defaultdict(list)
        for evidence in overdue:
            if evidence.enrolment.centre_id in admin_centres:
                groups[(evidence.enrolment.centre, evidence.enrolment.assessor)].append(evidence)
        sent += bool(notify_once(
            recipient=admin, kind=WAITING_ESCALATED, object_key=f"admin:{admin.pk}", period_key=day_key(now),
            context={"recipient_name": _name(admin), "count": sum(len(items) for items in groups.values()),
                     "groups": [{"assessor": str(assessor), "centre": centre.name,
                                 "limit": 2 * centre.review_reminder_days,
                                 "items": [_evidence_line(e, now) for e in items]}
                                for (centre, assessor), items in groups.items()]},
            url=reverse("assessment_workload"), essential=False, now=now))
    return sent


def units_due(*, now: datetime.datetime) -> dict[Enrolment, list[dict]]:
    """For each active enrolment, the items of its current plan due in the next 7 days with units not yet
    signed off: {enrolment: [{"date", "days", "units"}]}."""
    today = timezone.localdate(now)
    current_plan = (AssessmentPlan.objects.filter(enrolment=OuterRef("plan__enrolment"), status__in=CURRENT_PLANS)
                    .order_by("-number").values("pk")[:1])
    items = list(PlanItem.objects.filter(plan__enrolment__status=Enrolment.Status.ACTIVE,
                                         target_date__range=(today, today + datetime.timedelta(days=DUE_WITHIN_DAYS)),
                                         plan=Subquery(current_plan))
                 .select_related("plan__enrolment__learner", "plan__enrolment__version")
                 .prefetch_related("units").order_by("target_date", "position", "pk"))
    open_units = set(EnrolmentUnit.objects.filter(enrolment__in={i.plan.enrolment_id for i in items},
                                                  locked_at__isnull=True).values_list("enrolment_id", "unit_id"))
    due: dict[Enrolment, list[dict]] = defaultdict(list)
    for item in items:
        enrolment = item.plan.enrolment
        units = [f"{u.code} {u.title}" for u in item.units.all() if (enrolment.pk, u.pk) in open_units]
        if units:
            due[enrolment].append({"date": item.target_date.isoformat(), "days": (item.target_date - today).days,
                                   "units": units})
    return due


def remind_units_due(*, now: datetime.datetime | None = None) -> int:
    """Once a week, tell each learner which planned units fall due in the next 7 days (one per enrolment)."""
    now = now or timezone.now()
    sent = 0
    for enrolment, items in units_due(now=now).items():
        learner = enrolment.learner
        if not learner.is_active:
            continue
        sent += bool(notify_once(
            recipient=learner, kind=UNITS_DUE, object_key=f"enrolment:{enrolment.pk}", period_key=week_key(now),
            context={"recipient_name": _name(learner), "qualification": enrolment.version.title, "items": items},
            url=reverse("plan_detail", args=[enrolment.pk]), essential=False, now=now))
    return sent


def send_assessor_digests(*, now: datetime.datetime | None = None) -> int:
    """One email a day to each assessor who chose the digest, listing the evidence submitted to them since
    their last digest (or the last day, for a first one) that still awaits a decision. Nothing new, no email."""
    now = now or timezone.now()
    assessors = get_user_model().objects.filter(email_daily_digest=True, is_active=True,
                                                pk__in=Enrolment.objects.values("assessor"))
    sent = 0
    for assessor in assessors:
        object_key, period_key = f"assessor:{assessor.pk}", day_key(now)
        if reminder_was_sent(kind=DIGEST, object_key=object_key, period_key=period_key):
            continue
        since = reminder_last_sent_at(kind=DIGEST, object_key=object_key) or now - datetime.timedelta(days=1)
        # Latest revision of each item only: a returned and resubmitted item is listed once.
        submissions = list({s.evidence_id: s for s in _new_submissions(assessor, since, now)}.values())
        extras = {k: v for extra in DIGEST_EXTRAS for k, v in extra(assessor=assessor, since=since, now=now).items()}
        if not submissions and not any(extras.values()):
            continue
        sent += bool(notify_once(
            recipient=assessor, kind=DIGEST, object_key=object_key, period_key=period_key,
            context={"recipient_name": _name(assessor), "count": len(submissions),
                     "items": [_submission_line(s) for s in submissions], **extras},
            url=reverse("assessment_queue"), now=now))
    return sent


def _new_submissions(assessor, since: datetime.datetime, now: datetime.datetime):
    return (EvidenceSubmission.objects.filter(evidence__enrolment__assessor=assessor, submitted_at__gt=since,
                                              submitted_at__lte=now, withdrawn_at__isnull=True,
                                              evidence__status=Evidence.Status.SUBMITTED)
            .select_related("evidence__enrolment__learner", "evidence__enrolment__version")
            .order_by("submitted_at", "pk"))


def _submission_line(submission: EvidenceSubmission) -> dict:
    enrolment = submission.evidence.enrolment
    return {"title": submission.title, "learner": str(enrolment.learner), "qualification": enrolment.version.title,
            "resubmission": submission.number > 1, "url": reverse("evidence_detail", args=[submission.evidence_id])}
