"""The witness's link: writing the statement without an account, what is recorded, and every way the link stops
working (used, expired, withdrawn, unknown, the unit signed off)."""

import datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from community.witness.models import WitnessRequest, WitnessStatement
from community.witness.services import email_hash, witness_requests_expire
from notifications.models import Notification
from tests.conftest import client_for

from .world import ask, draft, enrolment_with_criteria, link_in_last_email, signed_off, statement_data, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(personas):
    """The learner's submitted evidence, and a link the assessor sent about it."""
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = submitted(personas, enrolment, criteria)
    witness_request = ask(evidence, personas.assessor, criteria)
    return evidence, criteria, link_in_last_email("pat.supervisor@example.com"), witness_request


def test_the_witness_writes_the_statement_from_the_link_without_an_account(
        personas, asked, django_capture_on_commit_callbacks):
    evidence, criteria, link, witness_request = asked
    witness = Client()
    page = witness.get(link).content.decode()
    assert "A witness statement for Maya" in page and "Closed the till" in page and criteria[0].text in page
    assert personas.learner.last_name not in page  # the learner's first name only
    assert "Sign out" not in page and 'class="topnav"' not in page and "North Vocational College" in page
    assert AuditEvent.objects.filter(action="witness.opened").count() == 1
    witness.get(link)
    assert AuditEvent.objects.filter(action="witness.opened").count() == 1  # the first view only
    with django_capture_on_commit_callbacks(execute=True):
        response = witness.post(link, statement_data(criteria[:1]), REMOTE_ADDR="203.0.113.9",
                                HTTP_USER_AGENT="PhoneBrowser/1.0")
    assert response.status_code == 200 and "Thank you: your statement has been sent" in response.content.decode()
    statement = WitnessStatement.objects.get(request__evidence=evidence)
    assert statement.email == "pat.supervisor@example.com" and statement.ip_address == "203.0.113.9"
    assert statement.user_agent == "PhoneBrowser/1.0" and statement.typed_name == "Pat Okafor"
    assert list(statement.criteria.all()) == criteria[:1] and statement.submitted_at > evidence.submitted_at
    witness_request.refresh_from_db()
    assert witness_request.status == "used" and witness_request.closed_at
    event = AuditEvent.objects.get(action="witness.submitted")
    assert event.actor is None and event.data["statement"] == statement.pk and event.data["after_submission"]
    assert event.data["witness_email_sha256"] == email_hash(statement.email)
    assert "till" not in str(event.data) and "pat.supervisor" not in str(event.data)  # no text, no address
    told = Notification.objects.filter(kind="witness_statement_received")
    assert {n.user for n in told} == {personas.learner, personas.assessor}
    assert {m.to[0] for m in mail.outbox if "Witness statement received" in m.subject} == {
        personas.learner.email, personas.assessor.email}
    evidence.refresh_from_db()
    assert evidence.status == "submitted" and not evidence.enrolment.achieved_criteria.exists()  # nothing met


def test_the_assessor_sees_the_statement_came_from_the_witness(personas, asked):
    evidence, criteria, link, _ = asked
    Client().post(link, statement_data(criteria, text="Balanced the till <script>alert(1)</script> & more"))
    review = client_for(personas.assessor).get(reverse("review_detail", args=[evidence.submissions.get().pk]))
    html = review.content.decode()
    assert ("Written by the witness Pat Okafor, Shift supervisor, Her line manager at the café, from the emailed "
            "link on") in html and "(IP recorded)" in html
    assert "New witness statement since submission" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html and "<script>alert(1)" not in html
    learner_page = client_for(personas.learner).get(reverse("evidence_detail", args=[evidence.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in learner_page and "<script>alert(1)" not in learner_page
    assert "Written by the witness Pat Okafor" in learner_page
    assert "127.0.0.1" not in learner_page  # the IP itself is for staff
    assert "127.0.0.1" in client_for(personas.assessor).get(
        reverse("evidence_detail", args=[evidence.pk])).content.decode()


def test_a_used_link_is_refused_with_no_details_of_the_learner(personas, asked):
    evidence, criteria, link, _ = asked
    witness = Client()
    witness.post(link, statement_data(criteria))
    for response in (witness.get(link), witness.post(link, statement_data(criteria, text="Changed my mind"))):
        html = response.content.decode()
        assert response.status_code == 410 and "This link has already been used" in html
        assert "Maya" not in html and "Closed the till" not in html
    assert WitnessStatement.objects.get().text.startswith("I watched Maya")  # never edited


def test_a_link_expires_after_14_days_and_the_expiry_is_recorded(personas, asked, time_machine):
    evidence, criteria, link, witness_request = asked
    time_machine.move_to(witness_request.expires_at - datetime.timedelta(minutes=1))
    assert Client().get(link).status_code == 200
    time_machine.move_to(witness_request.expires_at + datetime.timedelta(minutes=1))
    response = Client().post(link, statement_data(criteria))
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert "Maya" not in response.content.decode() and not WitnessStatement.objects.exists()
    witness_request.refresh_from_db()
    assert witness_request.status == "expired"
    assert AuditEvent.objects.filter(action="witness.expired").count() == 1
    assert witness_requests_expire() == 0  # already recorded: the sweep has nothing to do


def test_the_nightly_sweep_records_links_that_ran_out(personas, asked, time_machine):
    _, _, _, witness_request = asked
    time_machine.move_to(witness_request.expires_at + datetime.timedelta(hours=1))
    assert witness_requests_expire() == 1 and witness_requests_expire() == 0
    witness_request.refresh_from_db()
    assert witness_request.status == "expired"


def test_the_requester_withdraws_a_waiting_link(personas, asked):
    evidence, criteria, link, witness_request = asked
    revoke = reverse("witness_request_revoke", args=[witness_request.pk])
    assert client_for(personas.learner).post(revoke).status_code == 403  # not theirs: the assessor asked
    assert client_for(personas.second_learner).post(revoke).status_code == 404
    response = client_for(personas.assessor).post(revoke, follow=True)
    assert "The link sent to Pat Okafor no longer works." in response.content.decode()
    witness_request.refresh_from_db()
    assert witness_request.status == "revoked" and witness_request.revoked_by == personas.assessor
    assert AuditEvent.objects.get(action="witness.revoked").actor == personas.assessor
    refused = Client().get(link)
    assert refused.status_code == 410 and "This link has been withdrawn" in refused.content.decode()
    again = client_for(personas.assessor).post(revoke, follow=True)
    assert "no longer waiting for the witness" in again.content.decode()
    assert AuditEvent.objects.filter(action="witness.revoked").count() == 1


def test_the_learner_withdraws_their_own_request_and_the_assessor_may_too(personas):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = draft(personas, enrolment, criteria)
    first, second = ask(evidence, personas.learner, criteria), ask(evidence, personas.learner, criteria)
    assert client_for(personas.learner).post(reverse("witness_request_revoke", args=[first.pk])).status_code == 302
    # The assessor cannot see a draft at all.
    assert client_for(personas.assessor).post(reverse("witness_request_revoke", args=[second.pk])).status_code == 404
    assert set(WitnessRequest.objects.values_list("status", flat=True)) == {"revoked", "pending"}


def test_an_unknown_link_is_not_found():
    response = Client().get(reverse("witness_statement", args=["no-such-token-at-all"]))
    assert response.status_code == 404 and "This link does not work" in response.content.decode()


def test_a_link_whose_unit_was_signed_off_meanwhile_is_refused(personas, asked):
    evidence, criteria, link, _ = asked
    signed_off(personas, evidence.enrolment, criteria, evidence=evidence)
    response = Client().post(link, statement_data(criteria))
    assert response.status_code == 410 and "signed off" in response.content.decode()
    assert not WitnessStatement.objects.exists()


@pytest.mark.parametrize("missing, message", [("typed_name", "Type your full name to sign the statement."),
                                              ("declared", "Tick the declaration to sign the statement."),
                                              ("text", "This field is required."),
                                              ("criteria", "This field is required.")])
def test_the_statement_must_be_written_and_signed(personas, asked, missing, message):
    _, criteria, link, witness_request = asked
    data = statement_data(criteria)
    del data[missing]
    response = Client().post(link, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not WitnessStatement.objects.exists()
    witness_request.refresh_from_db()
    assert witness_request.status == "pending"  # the link still works


def test_observed_dates_cannot_be_in_the_future_or_backwards(personas, asked):
    _, criteria, link, _ = asked
    html = Client().post(link, statement_data(criteria, observed_from="2099-01-01")).content.decode()
    assert "The date cannot be in the future." in html
    html = Client().post(link, statement_data(criteria, observed_from="2026-11-20",
                                              observed_to="2026-11-01")).content.decode()
    assert "The last date cannot be before the first." in html
    assert not WitnessStatement.objects.exists()


def test_the_form_is_rate_limited_per_ip(personas, asked):
    _, criteria, link, _ = asked
    witness = Client()
    unsigned = statement_data(criteria, typed_name="")
    for _ in range(10):
        assert witness.post(link, unsigned, REMOTE_ADDR="198.51.100.7").status_code == 200
    limited = witness.post(link, statement_data(criteria), REMOTE_ADDR="198.51.100.7")
    assert limited.status_code == 429 and "Too many attempts" in limited.content.decode()
    assert not WitnessStatement.objects.exists()
    assert witness.post(link, statement_data(criteria), REMOTE_ADDR="198.51.100.8").status_code == 200  # another IP


def test_the_ip_behind_a_trusted_proxy_comes_from_x_forwarded_for(personas, asked, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    _, criteria, link, _ = asked
    Client().post(link, statement_data(criteria), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    assert WitnessStatement.objects.get().ip_address == "192.0.2.44"


def test_the_form_needs_the_csrf_token_the_page_sets(personas, asked):
    _, criteria, link, _ = asked
    witness = Client(enforce_csrf_checks=True)
    assert witness.post(link, statement_data(criteria)).status_code == 403
    witness.get(link)
    token = witness.cookies["csrftoken"].value
    response = witness.post(link, {**statement_data(criteria), "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and WitnessStatement.objects.exists()


def test_the_evidence_page_lists_requests_in_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = draft(personas, enrolment, criteria)
    client = client_for(personas.learner)
    url = reverse("evidence_detail", args=[evidence.pk])
    ask(evidence, personas.learner, criteria)
    Client().post(link_in_last_email("pat.supervisor@example.com"), statement_data(criteria))
    client.get(url)  # the session and the caches warmed
    with django_assert_max_num_queries(200) as one_request:
        client.get(url)
    with_one = len(one_request)  # now: each request empties the connection's query log
    for n in range(3):  # three more, two of them answered
        ask(evidence, personas.learner, criteria, email=f"w{n}@example.com")
        if n:
            Client().post(link_in_last_email(f"w{n}@example.com"), statement_data(criteria))
    client.get(url)  # the writes forgot the people concerned: warm the cache again
    with django_assert_max_num_queries(with_one):
        page = client.get(url).content.decode()
    assert page.count('class="witness-item"') == 4 and page.count("Written by the witness") == 3
