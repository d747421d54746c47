"""The other participants are told at once in the app, by email as they prefer, and a learner's messages wait in
their assessor's daily digest when the assessor chose it."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from assessment.reminders import send_assessor_digests
from tests.conftest import client_for
from tests.portfolios.evidence_samples import wav_bytes

from .helpers import course, sampled_by, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_every_other_participant_is_told_in_the_app_and_by_email_without_the_text(personas):
    enrolment = course(personas)
    sampled_by(enrolment, personas.moderator)
    send(client_for(personas.learner), enrolment, "My secret question", voice=("v.wav", wav_bytes()))
    url = reverse("conversation_detail", args=[enrolment.pk])
    for user in (personas.assessor, personas.moderator):
        notification = user.notifications.get(kind="message_received")
        assert notification.url == url and notification.read_at is None
        [email] = _to(user)
        assert email.subject == f"New message from {personas.learner}"
        assert "It has a voice note." in email.body and "secret" not in email.body
    assert not personas.learner.notifications.filter(kind="message_received").exists()  # not to the sender
    client_for(personas.assessor).get(url)  # reading the conversation reads its notifications
    assert personas.assessor.notifications.get(kind="message_received").read_at is not None
    assert personas.moderator.notifications.get(kind="message_received").read_at is None


def test_someone_who_turned_off_non_essential_emails_is_told_only_in_the_app(personas):
    enrolment = course(personas)
    personas.learner.email_non_essential = False
    personas.learner.save()
    send(client_for(personas.assessor), enrolment, "Well done today")
    assert personas.learner.notifications.filter(kind="message_received").exists()
    assert _to(personas.learner) == []


def test_a_learners_message_waits_in_the_assessors_daily_digest(personas):
    enrolment = course(personas)
    personas.assessor.email_daily_digest = True
    personas.assessor.save()
    send(client_for(personas.learner), enrolment, "Question about unit 1")
    send(client_for(personas.learner), enrolment, "And another")
    assert personas.assessor.notifications.filter(kind="message_received").count() == 2
    assert _to(personas.assessor) == []  # no email per message
    assert send_assessor_digests(now=timezone.now()) == 1
    [digest] = _to(personas.assessor)
    assert digest.subject == "Your daily digest: new messages from your learners"
    assert f"{personas.learner} ({enrolment.version.title}): 2 new messages" in digest.body
    assert reverse("conversation_detail", args=[enrolment.pk]) in digest.body
    # Read before the next digest: not listed again.
    client_for(personas.assessor).get(reverse("conversation_detail", args=[enrolment.pk]))
    send(client_for(personas.learner), enrolment, "Third")
    client_for(personas.assessor).get(reverse("conversation_detail", args=[enrolment.pk]))
    assert send_assessor_digests(now=timezone.now() + datetime.timedelta(days=1)) == 0


def test_the_assessors_own_messages_and_other_staff_are_not_held_for_a_digest(personas):
    enrolment = course(personas)
    personas.assessor.email_daily_digest = True
    personas.assessor.save()
    personas.moderator.email_daily_digest = True
    personas.moderator.save()
    sampled_by(enrolment, personas.moderator)
    send(client_for(personas.learner), enrolment, "Hello")
    assert len(_to(personas.moderator)) == 1  # the digest lists only the assessor's learners: emailed at once
