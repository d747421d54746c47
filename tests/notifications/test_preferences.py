"""Each person chooses which emails they get: non-essential ones can be turned off, uploads can wait for a digest."""

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications.services import notify
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _notify(recipient, **extra):
    with transaction.atomic():
        return notify(recipient=recipient, kind="assessor_changed", url="/",
                      context={"learner_name": "Maya", "assessor_name": "Sam Okafor", "centre_name": "North College"},
                      **extra)


def test_a_user_with_non_essential_emails_off_gets_the_in_app_notification_but_no_email():
    user = UserFactory(email_non_essential=False)
    notification = _notify(user, essential=False)
    assert user.notifications.unread().get() == notification
    assert not notification.send_email
    assert mail.outbox == []


def test_non_essential_emails_are_sent_to_whoever_keeps_them_on():
    user = UserFactory()
    _notify(user, essential=False)
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_essential_emails_are_sent_even_with_non_essential_emails_off():
    user = UserFactory(email_non_essential=False)
    _notify(user)
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_a_digestible_email_is_left_out_for_a_digest_reader_but_the_notification_stays():
    reader, other = UserFactory(email_daily_digest=True), UserFactory()
    _notify(reader, digestible=True)
    _notify(other, digestible=True)
    assert reader.notifications.filter(kind="assessor_changed", send_email=False).exists()
    assert [m.to for m in mail.outbox] == [[other.email]]


def test_an_address_without_an_account_always_gets_the_email():
    _notify("new.person@example.org", essential=False, digestible=True)
    assert [m.to for m in mail.outbox] == [["new.person@example.org"]]


def test_the_profile_page_shows_both_preferences_with_their_help_texts_and_saves_them(personas):
    client = client_for(personas.assessor)
    page = client.get(reverse("profile")).content.decode()
    assert 'type="checkbox" name="email_non_essential"' in page and 'name="email_daily_digest"' in page
    assert "Sign-in, invitations and decisions about your work are always emailed." in page
    assert "new evidence is listed in one email each morning" in page
    response = client.post(reverse("profile"), {"first_name": "Sam", "last_name": "Assessor", "language": "en",
                                                "email_daily_digest": "on"})
    assert response.status_code == 302
    personas.assessor.refresh_from_db()
    assert personas.assessor.email_daily_digest and not personas.assessor.email_non_essential


def test_someone_signed_out_cannot_open_the_profile_page(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
