"""A secret in a notification's context (a single-use link) reaches the email, and is gone from the stored
notification once the email has been sent, given up on, or was never to be sent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from notifications.delivery import EMAIL_GIVE_UP_AFTER, SECRET, notification_emails_sweep
from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
LINK = "https://leap.example/records/exports/download/raw-token-123/"


def _ready(user, **extra) -> Notification:
    with transaction.atomic():
        return notify(recipient=user, kind="portfolio_export_ready", url="/account/",
                      context={"learner_name": "Ana", SECRET: {"download_url": LINK}}, **extra)


def test_the_secret_reaches_the_email_and_leaves_the_stored_notification():
    notification = _ready(UserFactory())
    [email] = mail.outbox
    assert LINK in email.body and LINK in email.alternatives[0][0]
    stored = Notification.objects.get(pk=notification.pk)
    assert stored.email_sent_at is not None
    assert SECRET not in stored.data and "raw-token-123" not in str(stored.data)
    assert stored.data["learner_name"] == "Ana"


def test_a_notification_without_an_email_never_stores_the_secret():
    notification = _ready(UserFactory(), email=False)
    assert mail.outbox == []
    assert SECRET not in Notification.objects.get(pk=notification.pk).data


def test_an_email_given_up_on_forgets_its_secret():
    user = UserFactory()
    with transaction.atomic():  # saved, never sent (the send task was lost)
        notification = Notification.objects.create(user=user, email_to=user.email, kind="portfolio_export_ready",
                                                   send_email=True, data={SECRET: {"download_url": LINK}})
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - EMAIL_GIVE_UP_AFTER - timedelta(minutes=1))
    assert notification_emails_sweep(queue=lambda pk: None) == 0
    assert SECRET not in Notification.objects.get(pk=notification.pk).data
