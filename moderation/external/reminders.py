"""What the beat tells the centre admins before an EQA visit: 6 weeks, 4 weeks and 48 hours ahead of a grant's visit
date, each once (recorded in `EqaGrant.reminders_sent`), naming what the awarding body usually wants by then.

Each reminder has its window: from its moment until the next reminder's (the last one until the visit). A reminder
whose window passed unsent (a grant made 3 weeks before its visit) is not sent late; the next one is. Safe to run
again: the grant row is locked while its reminder is sent and recorded, and each admin is told once per visit.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from centres.models import Membership, Role
from notifications.reminders import notify_once

from .models import EqaGrant

KIND = "eqa_visit_reminder"
VISIT_HOUR = 9  # a visit is taken to start at 09:00 local time on its date
# (name, how long before the visit), the earliest first.
STAGES = (("6w", datetime.timedelta(weeks=6)), ("4w", datetime.timedelta(weeks=4)),
          ("48h", datetime.timedelta(hours=48)))


def visit_moment(grant: EqaGrant) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(grant.visit_on, datetime.time(VISIT_HOUR)))


def due_stage(grant: EqaGrant, now: datetime.datetime) -> str | None:
    """The reminder whose window `now` is in, if not sent yet."""
    visit = visit_moment(grant)
    ends = [visit - before for _, before in STAGES[1:]] + [visit]
    for (name, before), end in zip(STAGES, ends, strict=True):
        if visit - before <= now < end:
            return None if name in grant.reminders_sent else name
    return None


def remind_visits(*, now: datetime.datetime | None = None) -> int:
    """Send each grant's due visit reminder to its centre's admins. Returns how many notifications were sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    upcoming = (EqaGrant.objects.filter(visit_on__gte=today, visit_on__lte=today + STAGES[0][1],
                                        revoked_at__isnull=True)
                .select_related("centre", "moderator").order_by("visit_on", "pk"))
    sent = 0
    for grant in upcoming:
        if due_stage(grant, now) is not None:
            sent += _remind(grant.pk, now)
    return sent


def _remind(grant_id: int, now: datetime.datetime) -> int:
    with transaction.atomic():
        grant = (EqaGrant.objects.select_for_update(of=("self",)).select_related("centre", "moderator")
                 .get(pk=grant_id))
        stage = due_stage(grant, now)
        if stage is None or grant.revoked_at is not None:
            return 0
        admins = (Membership.objects.current().filter(centre=grant.centre, role=Role.CENTRE_ADMIN,
                                                      user__is_active=True)
                  .select_related("user").order_by("user_id"))
        sent = 0
        for membership in admins:
            sent += bool(notify_once(
                recipient=membership.user, kind=KIND, object_key=f"eqa_grant:{grant.pk}:{stage}:{membership.user_id}",
                period_key=grant.visit_on.isoformat(), context=_context(grant, stage, membership.user, now),
                url=reverse("eqa_grant_detail", args=[grant.pk]), essential=False, now=now))
        grant.reminders_sent = [*grant.reminders_sent, stage]
        grant.save(update_fields=["reminders_sent"])
    return sent


def _context(grant: EqaGrant, stage: str, admin, now: datetime.datetime) -> dict:
    moderator = grant.moderator.display_name if grant.moderator else grant.email
    if grant.awarding_body:
        moderator = f"{moderator} ({grant.awarding_body})"
    return {"recipient_name": admin.first_name or admin.display_name, "stage": stage, "grant": grant.pk,
            "centre_name": grant.centre.name, "moderator": moderator,
            "visit": f"{grant.visit_on:%d %b %Y}", "days": (grant.visit_on - timezone.localdate(now)).days}
