import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Role
from tests.factories import PASSWORD, CentreFactory, MembershipFactory, UserFactory, learner, staff

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def sign_in(client: Client, user) -> object:
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


@pytest.fixture
def centre():
    return CentreFactory()


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.MODERATOR, Role.EXTERNAL_MODERATOR, Role.CENTRE_ADMIN])
def test_staff_without_a_second_factor_reach_nothing_before_setting_it_up(centre, client, role):
    user = UserFactory()
    MembershipFactory(user=user, centre=centre, role=role)
    assert sign_in(client, user).status_code == 302
    setup = reverse("mfa_activate_totp")
    for url in ["/", reverse("learner_list"), reverse("profile"), reverse("notification_list"), "/django-admin/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url == setup, url

    page = client.get(setup)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(setup, {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()
    assert client.get("/").status_code == 200


def test_a_superuser_also_needs_a_second_factor(client):
    user = UserFactory(is_superuser=True, is_staff=True)
    sign_in(client, user)
    assert client.get("/django-admin/").url == reverse("mfa_activate_totp")


def test_a_learner_signs_in_without_a_second_factor(centre, client):
    user = learner(centre, staff(centre, Role.ASSESSOR))
    response = sign_in(client, user)
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="account.signed_in", actor=user).exists()


def test_the_sign_in_record_names_the_client_behind_the_load_balancer(centre, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    user = learner(centre, staff(centre, Role.ASSESSOR))
    Client().post(reverse("account_login"), {"login": user.email, "password": PASSWORD},
                  REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.44")
    Client().post(reverse("account_login"), {"login": user.email, "password": "not the password"},
                  REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    signed_in = AuditEvent.objects.get(action="account.signed_in", actor=user)
    failed = AuditEvent.objects.get(action="account.sign_in_failed")
    assert signed_in.data["ip"] == "192.0.2.44" and failed.data["ip"] == "198.51.100.7"


def test_staff_with_totp_must_give_a_code_to_sign_in(centre, client):
    user = staff(centre, Role.ASSESSOR)
    response = sign_in(client, user)
    assert response.url == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # not signed in yet
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    assert client.post(reverse("mfa_authenticate"), {"code": "000000"}).status_code == 200
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_failed_sign_ins_are_audited_and_rate_limited(centre, client):
    user = learner(centre, staff(centre, Role.ASSESSOR))
    pages = [client.post(reverse("account_login"), {"login": user.email, "password": "wrong"}).content.decode()
             for _ in range(6)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    assert AuditEvent.objects.filter(action="account.sign_in_failed", data__email=user.email).exists()
    # Even the right password is refused while the limit holds.
    response = sign_in(client, user)
    assert response.status_code == 200 and "Too many failed login attempts" in response.content.decode()
    assert client.get("/").status_code == 302


def test_password_reset_sends_a_link(centre, client, mailoutbox):
    user = learner(centre, staff(centre, Role.ASSESSOR))
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert mailoutbox[-1].to == [user.email] and "/accounts/password/reset/key/" in mailoutbox[-1].body
