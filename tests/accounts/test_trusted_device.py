"""Five wrong passwords for an account lock out browsers that never signed in to it, not the owner's own."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt
from django.core import signing
from django.test import Client
from django.urls import reverse

from accounts.devices import COOKIE, MAX_AGE
from centres.models import Role
from tests.accounts.test_sign_in_and_second_factor import totp_now
from tests.factories import PASSWORD, CentreFactory, learner, staff

pytestmark = pytest.mark.django_db
ATTACKER_IP = "203.0.113.9"
LOCKED = "Too many failed login attempts"


@pytest.fixture
def owner():
    centre = CentreFactory()
    return learner(centre, staff(centre, Role.ASSESSOR))


def sign_in(client: Client, email: str, password: str = PASSWORD, ip: str = "127.0.0.1"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def owners_browser(owner) -> Client:
    """A browser the owner has signed in with before, signed out since."""
    browser = Client()
    assert sign_in(browser, owner.email).status_code == 302
    browser.post(reverse("account_logout"))
    assert COOKIE in browser.cookies
    return browser


def lock_out(email: str) -> None:
    attacker = Client()
    pages = [sign_in(attacker, email, "wrong-guess", ATTACKER_IP).content.decode() for _ in range(6)]
    assert LOCKED in pages[-1]


def test_the_owner_signs_in_from_their_own_browser_while_the_account_is_locked(owner):
    browser = owners_browser(owner)
    lock_out(owner.email)
    response = sign_in(browser, owner.email)
    assert response.status_code == 302 and response.url == reverse("home")
    assert browser.get("/").status_code == 200


def test_without_the_device_cookie_the_lock_holds(owner):
    lock_out(owner.email)
    response = sign_in(Client(), owner.email)
    assert response.status_code == 200 and LOCKED in response.content.decode()


def test_the_device_cookie_of_another_account_does_not_lift_the_lock(owner):
    membership = owner.memberships.get()
    other = learner(membership.centre, membership.assessor)
    browser = owners_browser(other)
    lock_out(owner.email)
    assert LOCKED in sign_in(browser, owner.email).content.decode()


def test_a_forged_device_cookie_does_not_lift_the_lock(owner):
    lock_out(owner.email)
    browser = Client()
    browser.cookies[COOKIE] = signing.dumps({"u": owner.pk}, salt="some-other-purpose")
    assert LOCKED in sign_in(browser, owner.email).content.decode()
    browser.cookies[COOKIE] = f"{owner.pk}"
    assert LOCKED in sign_in(browser, owner.email).content.decode()


def test_the_owners_browser_has_its_own_limit_of_wrong_passwords(owner):
    browser = owners_browser(owner)
    pages = [sign_in(browser, owner.email, "wrong-guess").content.decode() for _ in range(6)]
    assert LOCKED not in pages[0] and LOCKED in pages[-1]
    assert sign_in(Client(), owner.email, ip="198.51.100.7").status_code == 302  # others are not locked out by it


def test_the_per_ip_limit_still_applies_to_the_owners_browser(owner):
    browser = owners_browser(owner)
    attacker = Client()
    for n in range(10):  # ten different accounts tried from the owner's network
        sign_in(attacker, f"guess{n}@example.org", "wrong-guess")
    assert LOCKED in sign_in(browser, owner.email).content.decode()
    assert sign_in(browser, owner.email, ip="198.51.100.7").status_code == 302


def test_the_device_cookie_is_long_lived_httponly_and_secure_in_production(owner, settings):
    settings.SESSION_COOKIE_SECURE = True
    browser = Client()
    sign_in(browser, owner.email)
    cookie = browser.cookies[COOKIE]
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
    assert cookie["max-age"] == MAX_AGE


def test_staff_get_the_device_cookie_only_after_their_second_factor(client):
    user = staff(CentreFactory(), Role.ASSESSOR)
    assert sign_in(client, user.email).url == reverse("mfa_authenticate")
    assert COOKIE not in client.cookies
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    assert client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)}).status_code == 302
    assert COOKIE in client.cookies
