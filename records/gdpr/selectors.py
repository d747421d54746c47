"""Reads of data-subject requests: a centre's list, the admin's home list, one request."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from centres.models import Centre, Membership

from .models import DataRequest


@dataclass(frozen=True)
class DueWords:
    text: str
    overdue: bool


def due_words(request: DataRequest, today: datetime.date) -> DueWords:
    """"due in N days" (N = due date - today), "due today", or "overdue by N days" (N = today - due date)."""
    days = request.days_left(today)
    if days > 0:
        return DueWords(ngettext("due in %(n)d day", "due in %(n)d days", days) % {"n": days}, False)
    if days == 0:
        return DueWords(_("due today"), False)
    return DueWords(ngettext("overdue by %(n)d day", "overdue by %(n)d days", -days) % {"n": -days}, True)


def requests_of(*, centre: Centre, status: str | None = None) -> QuerySet[DataRequest]:
    requests = DataRequest.objects.filter(centre=centre).select_related("subject", "recorded_by", "done_by")
    return requests.filter(status=status) if status else requests


def open_requests(*, centre: Centre, today: datetime.date) -> list[tuple[DataRequest, DueWords]]:
    """The centre's open requests, soonest due first, each with its due words (one query)."""
    return [(r, due_words(r, today)) for r in requests_of(centre=centre, status=DataRequest.Status.OPEN)
            .order_by("due_on", "pk")]


def get_request_for(request: HttpRequest, pk: int) -> DataRequest:
    """A request of the current centre (its admins only: the role rule is on the view); 404 otherwise."""
    found = requests_of(centre=request.leap.centre).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def centre_person(*, centre: Centre, email: str):
    """The person with this email address who has (or had) a membership of the centre, or None."""
    members = Membership.objects.filter(centre=centre).values("user_id")
    return get_user_model().objects.filter(Q(pk__in=members), email__iexact=email.strip()).first()
