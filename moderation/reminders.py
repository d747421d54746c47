"""What the beat chases for IQA: sample actions falling due in 2 days, and overdue ones.

Each reminder goes at most once per period (notifications.reminders.notify_once): a due reminder once per action
and due date, an overdue one once a week per action. Safe to run again.
"""

import datetime

from django.urls import reverse
from django.utils import timezone

from notifications.reminders import notify_once, week_key

from .models import Sample, SampleAction

DUE = "iqa_action_due"
OVERDUE = "iqa_action_overdue"
DUE_WITHIN_DAYS = 2
SIGNED = (Sample.Status.SIGNED, Sample.Status.ACKNOWLEDGED)


def _open_actions():
    return (SampleAction.objects.filter(status=SampleAction.Status.OPEN, sample__status__in=SIGNED,
                                        owner__is_active=True)
            .select_related("owner", "sample__unit", "sample__enrolment__learner").order_by("due_date", "pk"))


def _context(action: SampleAction, today: datetime.date) -> dict:
    sample = action.sample
    return {"recipient_name": action.owner.first_name or action.owner.display_name, "text": action.text,
            "due": action.due_date.isoformat(), "days": (action.due_date - today).days, "sample": sample.pk,
            "unit_code": sample.unit.code, "learner_name": str(sample.enrolment.learner)}


def remind_actions(*, now: datetime.datetime | None = None) -> int:
    """Tell each owner of an open action due within 2 days (once per due date), and of each overdue one (once a
    week). Returns how many reminders were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for action in _open_actions().filter(due_date__lte=today + datetime.timedelta(days=DUE_WITHIN_DAYS)):
        overdue = action.due_date < today
        sent += bool(notify_once(
            recipient=action.owner, kind=OVERDUE if overdue else DUE, object_key=f"action:{action.pk}",
            period_key=week_key(now) if overdue else action.due_date.isoformat(),
            context=_context(action, today), url=reverse("iqa_my_samples"), essential=False, now=now))
    return sent
