"""Asking a witness: who may ask about which evidence, the email with the single-use link, and what is kept."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import hash_token
from centres.services import ServiceError
from community.witness.models import WitnessRequest
from community.witness.services import email_hash, witness_request_create
from notifications.models import Notification
from tests.conftest import client_for

from .world import LINK, ask, draft, enrolment_with_criteria, link_in_last_email, signed_off, submitted

pytestmark = pytest.mark.django_db


def _form(criteria, **extra):
    return {"name": "Pat Okafor", "email": "pat.supervisor@example.com", "role": "Supervisor",
            "criteria": [c.pk for c in criteria], "message": "You saw me on Friday.", **extra}


def test_the_learner_asks_a_witness_about_their_draft_and_the_witness_is_emailed_a_single_use_link(
        personas, django_capture_on_commit_callbacks):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = draft(personas, enrolment, criteria)
    client = client_for(personas.learner)
    page = client.get(reverse("witness_request_new", args=[evidence.pk]))
    assert page.status_code == 200 and "Criteria the statement should cover" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("witness_request_new", args=[evidence.pk]), _form(criteria[:1]), follow=True)
    assert "Pat Okafor has been emailed a link" in response.content.decode()
    witness_request = WitnessRequest.objects.get(evidence=evidence)
    assert witness_request.status == "pending" and witness_request.requested_by == personas.learner
    assert list(witness_request.criteria.all()) == criteria[:1]
    assert witness_request.expires_at - timezone.now() > datetime.timedelta(days=13, hours=23)
    [email] = [m for m in mail.outbox if m.to == ["pat.supervisor@example.com"]]
    assert email.subject == "Maya asks you for a witness statement"
    assert "Served a table of six" in email.body and criteria[0].text in email.body and "14 days" in email.body
    token = LINK.search(email.body).group(1)
    assert witness_request.token_hash == hash_token(token)  # only the hash is kept...
    notification = Notification.objects.get(email_to="pat.supervisor@example.com")
    assert token not in str(notification.data) and token not in notification.url  # ...and the outbox forgets it
    event = AuditEvent.objects.get(action="witness.requested")
    assert event.data["witness_email_sha256"] == email_hash("pat.supervisor@example.com")
    assert "pat.supervisor" not in str(event.data) and event.actor == personas.learner


def test_the_enrolments_assessor_asks_about_submitted_evidence(personas, django_capture_on_commit_callbacks):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = submitted(personas, enrolment, criteria)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.assessor).post(reverse("witness_request_new", args=[evidence.pk]),
                                                      _form(criteria))
    assert response.status_code == 302
    assert WitnessRequest.objects.get(evidence=evidence).requested_by == personas.assessor
    [email] = [m for m in mail.outbox if m.to == ["pat.supervisor@example.com"]]
    assert "Sam Assessor, assessor at North Vocational College" in email.body


@pytest.mark.parametrize("who", ["second_learner", "second_assessor", "moderator", "admin", "other_centre_assessor",
                                 "outsider"])
def test_nobody_else_may_ask_and_they_are_told_nothing_exists(personas, who):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = submitted(personas, enrolment, criteria)
    client = client_for(getattr(personas, who))
    url = reverse("witness_request_new", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form(criteria)).status_code == 404
    assert not WitnessRequest.objects.exists() and not mail.outbox


def test_the_learner_cannot_ask_once_the_evidence_is_submitted(personas):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = submitted(personas, enrolment, criteria)
    response = client_for(personas.learner).post(reverse("witness_request_new", args=[evidence.pk]), _form(criteria),
                                                 follow=True)
    assert "Once it is submitted, your assessor can ask." in response.content.decode()
    assert not WitnessRequest.objects.exists()


def test_no_new_request_once_the_unit_is_signed_off(personas):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = signed_off(personas, enrolment, criteria)
    with pytest.raises(ServiceError, match="signed-off unit and is locked"):
        witness_request_create(evidence=evidence, actor=personas.assessor, name="Pat", email="p@example.com",
                               role="Supervisor", criteria=criteria)
    response = client_for(personas.assessor).get(reverse("witness_request_new", args=[evidence.pk]), follow=True)
    assert "signed-off unit and is locked" in response.content.decode()
    assert "Ask a witness for a statement" not in response.content.decode()  # the evidence page offers no button
    assert not WitnessRequest.objects.exists()


def test_criteria_outside_the_evidences_units_are_refused(personas):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = draft(personas, enrolment, criteria[:1])
    other_unit = enrolment.version.units.order_by("position").last().criteria.first()
    response = client_for(personas.learner).post(reverse("witness_request_new", args=[evidence.pk]),
                                                 _form([other_unit]))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not WitnessRequest.objects.exists()


def test_the_link_lasts_as_long_as_the_setting_says(personas, settings):
    settings.LEAP_WITNESS_LINK_DAYS = 3
    enrolment, criteria = enrolment_with_criteria(personas)
    witness_request = ask(draft(personas, enrolment, criteria), personas.learner, criteria)
    assert datetime.timedelta(days=2, hours=23) < witness_request.expires_at - timezone.now() <= datetime.timedelta(3)
    assert "3 days" in mail.outbox[-1].body and link_in_last_email("pat.supervisor@example.com")


def test_asking_is_rate_limited_per_person(personas):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = draft(personas, enrolment, criteria)
    for n in range(10):
        ask(evidence, personas.learner, criteria, email=f"w{n}@example.com")
    with pytest.raises(ServiceError, match="very quickly"):
        ask(evidence, personas.learner, criteria, email="w10@example.com")
    assert WitnessRequest.objects.count() == 10


def test_the_same_form_posted_twice_sends_one_request(personas, django_capture_on_commit_callbacks):
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = draft(personas, enrolment, criteria)
    client = client_for(personas.learner)
    url = reverse("witness_request_new", args=[evidence.pk])
    token = client.get(url).context["form"]["form_token"].value()
    assert token
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, _form(criteria, form_token=token))
        again = client.post(url, _form(criteria, form_token=token), follow=True)
    assert "This request was already sent to Pat Okafor: nothing more was sent." in again.content.decode()
    assert WitnessRequest.objects.count() == 1 and len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="witness.requested").count() == 1
