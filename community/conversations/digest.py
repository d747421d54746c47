"""The learners' messages in their assessor's daily digest (assessment.reminders.DIGEST_EXTRAS)."""

import datetime

from django.db.models import Count, F
from django.urls import reverse

from .models import Message
from .selectors import read_at_of


def messages_for_digest(*, assessor, since: datetime.datetime, now: datetime.datetime) -> dict[str, list]:
    """Per conversation of the assessor's learners: the messages the learner sent since the last digest that the
    assessor has not read yet. One query."""
    rows = (Message.objects.filter(conversation__enrolment__assessor=assessor, created_at__gt=since,
                                   created_at__lte=now, author=F("conversation__enrolment__learner"))
            .alias(read_at=read_at_of(assessor)).filter(created_at__gt=F("read_at"))
            .values("conversation__enrolment_id", "author__first_name", "author__last_name", "author__email",
                    "conversation__enrolment__version__title")
            .annotate(count=Count("pk")).order_by("conversation__enrolment_id"))
    return {"messages": [{
        "learner": " ".join(filter(None, (r["author__first_name"], r["author__last_name"]))) or r["author__email"],
        "qualification": r["conversation__enrolment__version__title"], "count": r["count"],
        "url": reverse("conversation_detail", args=[r["conversation__enrolment_id"]]),
    } for r in rows]}
