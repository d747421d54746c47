import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import send_notification_email
from tests.conftest import client_for
from tests.factories import UserFactory

from .flaky_backend import FlakyBackend

pytestmark = pytest.mark.django_db(transaction=True)


def _notify(user, **extra):
    with transaction.atomic():
        return notify(recipient=user, kind="assessor_changed", url="/",
                      context={"learner_name": user.first_name, "assessor_name": "Sam Okafor",
                               "centre_name": "North College"}, **extra)


def test_notify_stores_an_in_app_notification_and_sends_text_and_html_email_after_commit():
    user = UserFactory(first_name="Maya")
    notification = _notify(user)
    assert notification.subject == "Your assessor at North College is now Sam Okafor"
    assert Notification.objects.filter(user=user).unread().count() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "Hello Maya" in message.body and "http://127.0.0.1:8000/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and "<strong>Sam Okafor</strong>" in html
    notification.refresh_from_db()
    assert notification.email_sent_at is not None


def test_no_email_is_sent_when_the_transaction_rolls_back():
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipient=user, kind="assessor_changed", context={"assessor_name": "x", "centre_name": "y"})
        raise RuntimeError("the act failed")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_running_the_send_task_again_does_not_send_twice():
    notification = _notify(UserFactory())
    assert send_notification_email.delay(notification.pk).get() is False
    assert send_notification_email(notification.pk) is False
    assert len(mail.outbox) == 1


@pytest.fixture
def eager_retries():
    # Eager tasks only re-run on retry when errors are not propagated to the caller.
    from leap.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def test_an_smtp_error_is_retried_and_the_email_sent_once(settings, eager_retries):
    settings.EMAIL_BACKEND = "tests.notifications.flaky_backend.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.attempts = 2, 0
    notification = _notify(UserFactory())
    assert FlakyBackend.attempts == 3
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_sent_at is not None


def test_email_to_an_address_without_account_has_no_in_app_entry():
    with transaction.atomic():
        notification = notify(recipient="new.person@example.org", kind="staff_invitation", url="/invitation/x/",
                              context={"centre_name": "C", "role": "Assessor", "inviter_name": "A", "days": 7})
    assert notification.user is None
    assert mail.outbox[0].to == ["new.person@example.org"]


def test_bell_shows_unread_count_and_opening_marks_read():
    user = UserFactory()
    first = _notify(user)
    _notify(user)
    client = client_for(user)
    page = client.get(reverse("notification_list"))
    assert '<span class="count">2' in page.content.decode()
    response = client.post(reverse("notification_open", args=[first.pk]))
    assert response.status_code == 302 and response.url == "/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("notification_read_all"))
    assert Notification.objects.filter(user=user).unread().count() == 0


def test_someone_elses_notification_is_not_found():
    notification = _notify(UserFactory())
    response = client_for(UserFactory()).post(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_email_is_written_in_the_recipients_language(settings):
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    user = UserFactory(language="fr")
    notification = _notify(user)
    assert notification.language == "fr"
    assert "<html" in mail.outbox[0].alternatives[0][0]


def test_plain_text_emails_are_not_html_escaped():
    user = UserFactory(first_name="Siobhán")
    with transaction.atomic():
        notify(recipient=user, kind="assessor_changed", url="/",
               context={"learner_name": "Siobhán", "assessor_name": "Pat O'Brien & Co", "centre_name": "C"})
    message = mail.outbox[-1]
    assert message.subject == "Your assessor at C is now Pat O'Brien & Co"
    assert "Pat O'Brien & Co" in message.body
    assert "O&#x27;Brien &amp; Co" in message.alternatives[0][0]
