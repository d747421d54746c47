"""The email outbox: a broker down at commit loses no email, and an email is claimed before it is sent."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications.delivery import EMAIL_LEASE, notification_send_email
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import sweep_unsent_emails
from tests.conftest import client_for
from tests.csv_data import cohort_csv
from tests.factories import UserFactory

from .celery_worker import TasksToRedis

pytestmark = pytest.mark.django_db(transaction=True)
CLOSED_PORT = "redis://127.0.0.1:6399/0"


def _notify(user, **extra) -> Notification:
    with transaction.atomic():
        return notify(recipient=user, kind="assessor_changed", url="/",
                      context={"assessor_name": "Sam Okafor", "centre_name": "North College"}, **extra)


def _age(*notifications: Notification, minutes: float = 2) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.fixture
def broker_down():
    """Tasks go to a broker nobody listens on; `.restore()` brings the (eager) broker back."""
    tasks = TasksToRedis(CLOSED_PORT)
    yield tasks
    tasks.restore()


def test_a_broker_down_at_commit_does_not_fail_the_request_and_the_sweep_sends_the_emails_later(
        personas, broker_down, caplog):
    with caplog.at_level(logging.WARNING, logger="notifications.services"):
        response = client_for(personas.admin).post(reverse("learner_import"), {
            "file": SimpleUploadedFile("cohort.csv", cohort_csv(2, personas.assessor.email), content_type="text/csv")})
    assert response.status_code == 302
    unsent = Notification.objects.filter(kind="learner_welcome", email_sent_at__isnull=True)
    assert unsent.count() == 2 and mail.outbox == []
    assert "the outbox sweep will send it" in caplog.text

    broker_down.restore()
    assert sweep_unsent_emails.delay().get() == 0  # too recent: they may still be in the queue
    _age(*unsent)
    assert sweep_unsent_emails.delay().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["learner0@cohort.example.org", "learner1@cohort.example.org"]
    assert sweep_unsent_emails() == 0
    assert len(mail.outbox) == 2


def test_the_sweep_skips_an_email_under_a_live_lease_and_takes_it_once_the_lease_is_over():
    notification = _notify(UserFactory())
    mail.outbox.clear()
    Notification.objects.filter(pk=notification.pk).update(email_sent_at=None, email_sending_at=timezone.now())
    _age(notification)
    assert sweep_unsent_emails() == 0 and mail.outbox == []

    Notification.objects.filter(pk=notification.pk).update(email_sending_at=timezone.now() - EMAIL_LEASE * 1.1)
    assert sweep_unsent_emails() == 1
    assert len(mail.outbox) == 1


def test_the_sweep_queues_an_unsent_email_again_at_most_once_per_lease(broker_down):
    notification = _notify(UserFactory())  # the broker is down: not queued, not sent
    _age(notification)
    broker_down.restore()
    Notification.objects.filter(pk=notification.pk).update(email_swept_at=timezone.now())
    assert sweep_unsent_emails() == 0
    Notification.objects.filter(pk=notification.pk).update(email_swept_at=timezone.now() - EMAIL_LEASE * 1.1)
    assert sweep_unsent_emails() == 1


def test_the_sweep_gives_up_on_an_email_unsent_for_days(broker_down):
    notification = _notify(UserFactory())
    _age(notification, minutes=3 * 24 * 60)
    assert sweep_unsent_emails() == 0


def test_a_claimed_email_is_not_sent_by_a_second_task_while_the_lease_holds():
    notification = _notify(UserFactory(), email=False)
    Notification.objects.filter(pk=notification.pk).update(send_email=True, email_sending_at=timezone.now())
    assert notification_send_email(notification_id=notification.pk) is False
    assert mail.outbox == []

    Notification.objects.filter(pk=notification.pk).update(email_sending_at=timezone.now() - EMAIL_LEASE * 1.1)
    assert notification_send_email(notification_id=notification.pk) is True
    notification.refresh_from_db()
    assert notification.email_sent_at is not None and notification.email_sending_at is None


def test_every_attempt_at_an_email_carries_the_same_message_id(settings):
    settings.SITE_URL = "https://leap.example.org"
    notification = _notify(UserFactory())
    Notification.objects.filter(pk=notification.pk).update(email_sent_at=None)
    assert notification_send_email(notification_id=notification.pk) is True
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"] == notification.message_id
    assert first.message()["Message-ID"] == notification.message_id
    assert notification.message_id.startswith(f"<notification-{notification.pk}.")
    assert notification.message_id.endswith("@leap.example.org>")
