"""A newly invited member of staff goes from creating their account straight to setting up TOTP."""

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accounts.models import User
from centres.models import Role
from centres.services import staff_invite
from tests.accounts.test_second_factor_setup import secret_on_screen
from tests.accounts.test_sign_in_and_second_factor import totp_now

pytestmark = pytest.mark.django_db(transaction=True)


def accept_by_creating_an_account(client, personas, mailoutbox, email: str) -> User:
    staff_invite(centre=personas.centre, email=email, role=Role.ASSESSOR, actor=personas.admin)
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", mailoutbox[-1].body).group(1)
    response = client.post(link, {"first_name": "Ola", "last_name": "Nowak", "password1": "a-long-safe-password-1",
                                  "password2": "a-long-safe-password-1"})
    assert response.status_code == 302
    return User.objects.get(email=email)


def test_new_staff_are_not_asked_for_their_password_again_before_setting_up_totp(client, personas, mailoutbox):
    user = accept_by_creating_an_account(client, personas, mailoutbox, "new.assessor@example.org")
    assert client.get("/").url == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.get("Location")  # not sent to "Confirm access"
    assert "Confirm access" not in page.content.decode()
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret_on_screen(page))})
    assert response.status_code == 302 and "reauthenticate" not in response.url
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def test_after_the_timeout_a_sensitive_change_asks_for_the_password_again(client, personas, mailoutbox,
                                                                             settings):
    accept_by_creating_an_account(client, personas, mailoutbox, "new.assessor@example.org")
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = -1
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302 and "reauthenticate" in response.url
