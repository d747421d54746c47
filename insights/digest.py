"""The weekly management information email: each centre admin who chose it gets, once an ISO week per centre they
administer, the centre's headline figures with their formulas and links."""

import datetime

from django.urls import reverse
from django.utils import timezone

from centres.models import Membership, Role
from notifications.reminders import notify_once, reminder_was_sent, week_key
from portfolios.models import Enrolment

from .headlines import LEARNING, headlines

DIGEST = "insights_digest"


def send_mi_digests(*, now: datetime.datetime | None = None) -> int:
    """Safe to run again the same week: a digest already sent for the week is not sent twice."""
    now = now or timezone.now()
    today, period_key = timezone.localdate(now), week_key(now)
    admins = (Membership.objects.current().filter(role=Role.CENTRE_ADMIN, user__email_weekly_mi=True,
                                                  user__is_active=True)
              .select_related("user", "centre").order_by("centre_id", "user_id"))
    figures: dict[int, list[dict]] = {}
    sent = 0
    for membership in admins:
        object_key = f"centre:{membership.centre_id}:user:{membership.user_id}"
        if reminder_was_sent(kind=DIGEST, object_key=object_key, period_key=period_key):
            continue
        if membership.centre_id not in figures:  # each centre's figures are worked out once per run
            figures[membership.centre_id] = [
                {"label": h.label, "text": h.text, "formula": h.formula, "url": h.url}
                for h in headlines(Enrolment.objects.filter(centre=membership.centre), wanted=LEARNING, today=today)]
        user = membership.user
        sent += bool(notify_once(
            recipient=user, kind=DIGEST, object_key=object_key, period_key=period_key, essential=False, now=now,
            context={"recipient_name": user.get_full_name() or user.email, "centre": membership.centre.name,
                     "day": today.isoformat(), "figures": figures[membership.centre_id]},
            url=reverse("insights_home")))
    return sent
