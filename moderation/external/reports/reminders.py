"""What the beat chases for EQA action points: each open point of a signed report, 7 days before it is due and
once it is overdue. Its owner and the centre's admins are told, each reminder once per person (notifications'
`notify_once`), so the beat may run as often as it likes."""

import datetime
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone

from centres.models import Membership, Role
from notifications.reminders import notify_once

from .models import EqaActionPoint, EqaReport

DUE = "eqa_action_due"
OVERDUE = "eqa_action_overdue"
DUE_WITHIN_DAYS = 7


def _open_points(today: datetime.date):
    return (EqaActionPoint.objects.filter(status=EqaActionPoint.Status.OPEN,
                                          due_date__lte=today + datetime.timedelta(days=DUE_WITHIN_DAYS))
            .exclude(report__status=EqaReport.Status.DRAFT)
            .select_related("owner", "centre").order_by("due_date", "pk"))


def _admins_by_centre(centre_ids: set[int]) -> dict[int, list]:
    admins = defaultdict(list)
    for m in (Membership.objects.current().filter(centre_id__in=centre_ids, role=Role.CENTRE_ADMIN,
                                                  user__is_active=True).select_related("user")):
        admins[m.centre_id].append(m.user)
    return admins


def remind_action_points(*, now: datetime.datetime | None = None) -> int:
    """Returns how many reminders were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    points = list(_open_points(today))
    admins = _admins_by_centre({p.centre_id for p in points})
    sent = 0
    for point in points:
        overdue = point.due_date < today
        recipients = {u.pk: u for u in [point.owner, *admins[point.centre_id]] if u.is_active}
        for user in recipients.values():
            sent += bool(notify_once(
                recipient=user, kind=OVERDUE if overdue else DUE, object_key=f"eqa_action:{point.pk}:{user.pk}",
                period_key=point.due_date.isoformat(), url=reverse("centre_actions"), essential=False, now=now,
                context={"recipient_name": user.first_name or user.display_name, "text": point.text,
                         "owner": point.owner.display_name, "due": point.due_date.isoformat(),
                         "days": (point.due_date - today).days, "report": point.report_id,
                         "centre_name": point.centre.name}))
    return sent
