"""Recording a request, the admin's home list until it is answered, refusing one, and who may see the pages."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.services import ServiceError
from records.gdpr.models import DataRequest, due_date
from records.gdpr.services import data_request_refuse
from tests.conftest import client_for
from tests.factories import staff

from .world import record

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def home_section(personas) -> str:
    html = client_for(personas.admin).get(reverse("home")).content.decode()
    match = re.search(r'<section class="card" aria-labelledby="data-requests-h">(.*?)</section>', html, re.S)
    assert match, "no data-subject request section on the admin's home"
    return " ".join(re.sub(r"<[^>]+>", " ", match[1]).split())


def test_an_admin_records_a_request_received_in_the_past_and_it_is_due_a_month_later(personas):
    client = client_for(personas.admin)
    received = timezone.localdate() - 10 * DAY
    response = client.post(reverse("data_request_new"), {"email": personas.learner.email.upper(), "kind": "access",
                                                         "received_on": received.isoformat(), "notes": "By letter"})
    request = DataRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("data_request_detail", args=[request.pk])
    assert (request.subject, request.kind, request.received_on, request.recorded_by) == (
        personas.learner, "access", received, personas.admin)
    assert request.due_on == due_date(received)
    event = AuditEvent.objects.get(action="data_request.recorded")
    assert event.data == {"kind": "access", "received_on": received.isoformat(),
                          "due_on": request.due_on.isoformat()}
    assert personas.learner.email not in str(event.data)


def test_posting_the_same_request_twice_records_it_once_and_says_so(personas):
    client = client_for(personas.admin)
    data = {"email": personas.learner.email, "kind": "erasure", "received_on": timezone.localdate().isoformat()}
    client.post(reverse("data_request_new"), data)
    again = client.post(reverse("data_request_new"), data, follow=True)
    assert DataRequest.objects.count() == 1
    assert "This request was already recorded" in again.content.decode()


@pytest.mark.parametrize(("email", "received", "problem"), [
    ("nobody@example.org", 0, "Nobody with this email address has a membership of this centre."),
    ("other", 0, "Nobody with this email address has a membership of this centre."),
    ("learner", -1, "The date received cannot be in the future."),
])
def test_a_request_for_someone_unknown_here_or_received_in_the_future_is_refused(personas, email, received,
                                                                                 problem):
    email = {"other": personas.other_centre_learner.email, "learner": personas.learner.email}.get(email, email)
    response = client_for(personas.admin).post(reverse("data_request_new"), {
        "email": email, "kind": "access", "received_on": (timezone.localdate() - received * DAY).isoformat()})
    assert response.status_code == 200 and problem in response.content.decode()
    assert not DataRequest.objects.exists()


def test_the_admins_home_lists_open_requests_with_the_days_left_or_overdue_until_answered(personas):
    today = timezone.localdate()
    overdue = record(personas, "access", received_on=today - 40 * DAY)
    soon = record(personas, "erasure", subject=personas.second_learner, received_on=today)
    text = home_section(personas)
    assert "2 data-subject requests to answer" in text
    assert f"overdue by {(today - overdue.due_on).days} days" in text
    assert f"due in {(soon.due_on - today).days} days" in text
    assert text.index("Subject access") < text.index("Erasure")  # the overdue one first
    data_request_refuse(request=overdue, reason="Identity not proven", actor=personas.admin)
    text = home_section(personas)
    assert "1 data-subject request to answer" in text and "Subject access" not in text
    assert f"overdue by {(today - overdue.due_on).days} days" not in text
    data_request_refuse(request=soon, reason="Withdrawn by the person", actor=personas.admin)
    assert "None open" in home_section(personas)


def test_refusing_needs_a_reason_and_a_refused_request_cannot_be_answered_again(personas):
    request = record(personas, "access")
    client = client_for(personas.admin)
    page = client.post(reverse("data_request_refuse", args=[request.pk]), {"reason": " "}, follow=True)
    assert "Give the reason for refusing the request" in page.content.decode()
    assert DataRequest.objects.get().status == "open"
    client.post(reverse("data_request_refuse", args=[request.pk]), {"reason": "Identity not proven"})
    again = client.post(reverse("data_request_refuse", args=[request.pk]), {"reason": "Twice"}, follow=True)
    request.refresh_from_db()
    assert (request.status, request.refusal_reason) == ("refused", "Identity not proven")
    assert "This request has already been answered." in again.content.decode()


def test_the_list_shows_open_and_answered_requests_in_a_fixed_number_of_queries(personas,
                                                                                django_assert_num_queries):
    client = client_for(personas.admin)
    client.get(reverse("data_request_list"))  # the session's first request also checks the second factor
    record(personas, "access")
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("data_request_list"))
    for _ in range(5):
        person = staff(personas.centre, "assessor")
        data_request_refuse(request=record(personas, "erasure", subject=person), reason="x", actor=personas.admin)
        record(personas, "access", subject=person)
    with django_assert_num_queries(LIST_QUERIES):
        html = client.get(reverse("data_request_list")).content.decode()
    assert "6 open requests" in html and html.count("Refused") >= 5


LIST_QUERIES = 2  # the open requests + the answered ones (the person and memberships come from the request cache)


@pytest.mark.parametrize("who", ["learner", "assessor", "moderator"])
def test_only_centre_admins_reach_the_pages(personas, who):
    request = record(personas, "erasure")
    client = client_for(getattr(personas, who))
    for url in (reverse("data_request_list"), reverse("data_request_detail", args=[request.pk]),
                reverse("data_request_erasure_review", args=[request.pk])):
        assert client.get(url).status_code == 403


def test_another_centres_admin_gets_404_for_a_request(personas):
    request = record(personas, "erasure")
    other_admin = staff(personas.other_centre, "centre_admin")
    client = client_for(other_admin)
    for name in ("data_request_detail", "data_request_erasure_review"):
        assert client.get(reverse(name, args=[request.pk])).status_code == 404
    assert client.post(reverse("data_request_erase", args=[request.pk]), {"confirm": "on"}).status_code == 404
    assert client.get(reverse("data_request_file", args=[request.pk, "letter"])).status_code == 404
    assert DataRequest.objects.get().status == "open"


def test_a_request_cannot_be_recorded_for_someone_of_another_centre(personas):
    with pytest.raises(ServiceError):
        record(personas, "erasure", subject=personas.other_centre_learner)
    assert not DataRequest.objects.exists()
