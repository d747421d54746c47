"""Emails of the sign-in library (password reset, email confirmation, security notices) speak as LEAP."""

import re
from pathlib import Path

import allauth
import pytest
from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import PASSWORD

SITE = "https://leap.example.org"
NOT_OURS = ("127.0.0.1:8000", "example.com", "testserver", "Hello from", "Thank you for using")
ALLAUTH_TEMPLATES = Path(allauth.__file__).parent / "templates"
OUR_TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _html(message) -> str:
    (html, mimetype), = message.alternatives
    assert mimetype == "text/html"
    return html


def _link(message, path_start: str) -> str:
    """The one link in the text body that starts with SITE_URL + path_start, as a path for the test client."""
    links = re.findall(re.escape(SITE) + r"(/\S+)", message.body)
    matching = [link for link in links if link.startswith(path_start)]
    assert len(matching) == 1, message.body
    return matching[0]


def _assert_branded(message) -> None:
    assert message.subject.startswith("LEAP: ")
    for body in (message.body, _html(message)):
        assert "LEAP" in body and SITE in body
        for text in NOT_OURS:
            assert text not in body
    assert "<" not in message.body and "&#x27;" not in message.body  # plain text is not HTML
    assert 'href="' + SITE in _html(message)


def test_the_password_reset_email_is_leap_s_and_its_link_sets_a_new_password(personas, client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": personas.learner.email})
    assert response.status_code == 302
    message, = mailoutbox
    assert message.to == [personas.learner.email]
    assert message.subject == "LEAP: Reset your password"
    _assert_branded(message)
    assert "Hello Maya" in message.body and "The link works once, for 3 days." in message.body
    assert "Choose a new password" in _html(message)

    page = client.get(_link(message, "/accounts/password/reset/key/"), follow=True)
    assert page.status_code == 200 and b'name="password1"' in page.content
    done = client.post(page.redirect_chain[-1][0], {"password1": "a-fresh-long-password-7",
                                                    "password2": "a-fresh-long-password-7"})
    assert done.status_code == 302
    personas.learner.refresh_from_db()
    assert personas.learner.check_password("a-fresh-long-password-7")


def test_a_password_reset_for_an_unknown_address_says_so_and_links_to_sign_up(db, client, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    message, = mailoutbox
    assert message.subject == "LEAP: No account has this email address"
    _assert_branded(message)
    assert "Hello," in message.body and "nobody@example.org" in message.body
    assert client.get(_link(message, reverse("account_signup"))).status_code == 200


def test_the_email_confirmation_of_a_sign_up_is_leap_s_and_its_link_confirms(personas, client, mailoutbox):
    client_for(personas.admin).post(reverse("centre_settings"), {"self_registration": "1", "enabled": "on",
                                                                "assessor": personas.second_assessor.pk})
    personas.centre.refresh_from_db()
    client.post(reverse("account_signup"), {
        "enrolment_code": personas.centre.enrolment_code, "first_name": "Jo", "last_name": "Iner",
        "email": "joiner@example.org", "password1": "a-long-safe-password-1", "password2": "a-long-safe-password-1"})
    message, = [m for m in mailoutbox if "Confirm" in m.subject]
    assert message.subject == "LEAP: Confirm your email address"
    _assert_branded(message)
    assert "Hello Jo Iner" in message.body and "The link works for 3 days." in message.body

    path = _link(message, "/accounts/confirm-email/")
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(email="joiner@example.org").verified


@pytest.mark.parametrize("prefix", sorted(
    str(path.relative_to(ALLAUTH_TEMPLATES)).removesuffix("_message.txt")
    for folder in ("account/email", "mfa/email") for path in (ALLAUTH_TEMPLATES / folder).glob("*_message.txt")
    if path.name != "base_message.txt"))
def test_every_email_of_the_sign_in_library_has_leap_s_text_and_html(prefix, personas, mailoutbox):
    assert (OUR_TEMPLATES / f"{prefix}_subject.txt").is_file()
    assert (OUR_TEMPLATES / f"{prefix}_message.txt").is_file() and (OUR_TEMPLATES / f"{prefix}_message.html").is_file()
    request = RequestFactory().get("/", HTTP_USER_AGENT="Firefox")
    request.user = AnonymousUser()  # the notices go to people signed in or not; the email names them from `user`
    values = {"user": personas.learner, "code": "ABC123", "timestamp": timezone.now(), "ip": "192.0.2.1",
              "user_agent": "Firefox", "from_email": "old@example.org", "to_email": "new@example.org",
              "deleted_email": "old@example.org", "reset_days": 3, "activate_url": "http://testserver/a/",
              "password_reset_url": "http://testserver/b/", "signup_url": "http://testserver/c/"}
    with allauth_context.request_context(request):
        get_adapter(request).send_mail(prefix, personas.learner.email, values)
    message, = mailoutbox
    assert message.subject.startswith("LEAP: ") and len(message.subject) > len("LEAP: ")
    _assert_branded(message)


def test_changing_the_password_sends_a_security_notice(personas, mailoutbox):
    client = client_for(personas.learner)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "a-fresh-long-password-7",
        "password2": "a-fresh-long-password-7"})
    assert response.status_code == 302, response.content.decode()[:500]
    personas.learner.refresh_from_db()
    assert personas.learner.check_password("a-fresh-long-password-7")
    message, = mailoutbox
    assert message.to == [personas.learner.email]
    assert message.subject.startswith("LEAP: ") and "password" in message.subject.lower()
    _assert_branded(message)
