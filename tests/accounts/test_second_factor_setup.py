"""Setting up TOTP: the secret on screen stays valid whatever else the browser asks for meanwhile."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from centres.models import Role
from tests.accounts.test_sign_in_and_second_factor import sign_in, totp_now
from tests.factories import CentreFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
SETUP = "/accounts/2fa/totp/activate"
IMAGE_REQUEST = {"HTTP_ACCEPT": "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8",
                 "HTTP_SEC_FETCH_DEST": "image"}


@pytest.fixture
def new_staff(client):
    user = UserFactory()
    MembershipFactory(user=user, centre=CentreFactory(), role=Role.ASSESSOR)
    assert sign_in(client, user).status_code == 302
    return user


def secret_on_screen(page) -> str:
    return re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', page.content.decode()).group(1)


def test_the_setup_page_shows_the_same_secret_on_every_visit(client, new_staff):
    first = secret_on_screen(client.get(reverse("mfa_activate_totp")))
    assert secret_on_screen(client.get(reverse("mfa_activate_totp"))) == first
    assert client.session["mfa.totp.secret"] == first


def test_the_browser_asking_for_the_favicon_on_the_setup_page_does_not_spoil_the_code(client, new_staff):
    secret = secret_on_screen(client.get(reverse("mfa_activate_totp")))
    icon = client.get("/favicon.ico", **IMAGE_REQUEST)
    assert icon.status_code == 302 and icon.url.endswith("/icons/favicon.ico")
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302 and "Incorrect code" not in response.content.decode()
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/favicon.ico", "/apple-touch-icon.png", "/apple-touch-icon-precomposed.png",
                                  "/apple-touch-icon-120x120.png", "/robots.txt", "/site.webmanifest",
                                  "/manifest.webmanifest",
                                  "/static/css/leap.css", "/media/evidence/x.jpg"])
def test_files_the_browser_fetches_by_itself_are_never_sent_to_the_setup_page(client, new_staff, path):
    response = client.get(path, **IMAGE_REQUEST)
    assert SETUP not in response.get("Location", ""), path
    response = client.get(path)  # nor when the browser names no type
    assert SETUP not in response.get("Location", ""), path


def test_an_image_or_data_request_for_a_page_is_refused_not_redirected(client, new_staff):
    for headers in [IMAGE_REQUEST, {"HTTP_ACCEPT": "application/json"}, {"HTTP_SEC_FETCH_DEST": "empty"}]:
        response = client.get(reverse("learner_list"), **headers)
        assert response.status_code == 403, headers
    response = client.post(reverse("profile"), {"first_name": "Changed"})
    assert response.status_code == 403
    new_staff.refresh_from_db()
    assert new_staff.first_name != "Changed"


def test_a_page_the_browser_navigates_to_is_still_sent_to_the_setup_page(client, new_staff):
    response = client.get("/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8",
                          HTTP_SEC_FETCH_DEST="document")
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


@pytest.mark.parametrize("name, size", [("favicon.ico", 48), ("apple-touch-icon.png", 180), ("icon-192.png", 192),
                                        ("icon-512.png", 512)])
def test_the_app_icons_are_real_images(name, size):
    with Image.open(finders.find(f"icons/{name}")) as image:
        assert image.size == (size, size)
    assert finders.find("icons/favicon.svg")


def test_every_page_links_the_icons(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'rel="icon" href="/static/icons/favicon.ico"' in page
    assert 'rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png"' in page
