"""The platform administrator, signed in with their second factor on a laptop, creates a centre with its
branding and invites its first centre admin; the invitation arrives under the new centre's colour."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from PIL import Image

from accounts.models import User
from centres.models import Centre, Invitation, Role
from leap import demo

from .conftest import sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails under LEAP_REQUIRE_SERVICES=1) with the reason
    expect = None

pytestmark = pytest.mark.services


def platform_admin() -> tuple[User, str]:
    user = User.objects.create_user(email="platform@leap.test", password=demo.DEMO_PASSWORD, first_name="Pat",
                                    last_name="Lindqvist", is_superuser=True, is_staff=True)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


def logo_file(tmp_path):
    path = tmp_path / "harbour-logo.png"
    out = io.BytesIO()
    Image.new("RGB", (160, 60), (122, 31, 92)).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def test_the_platform_admin_creates_a_centre_and_invites_its_first_admin(laptop, mailoutbox, tmp_path):
    user, secret = platform_admin()
    page = laptop()
    sign_in(page, user.email, secret)
    page.goto("/platform/")
    expect(page.get_by_role("heading", name="Centres on the platform")).to_be_visible()
    page.get_by_role("link", name="Create a centre").click()

    page.get_by_label("Name of the centre").fill("Harbour Skills Institute")
    page.get_by_label("Country").select_option("IE")
    page.get_by_label("Main colour").fill("#ffd400")  # too pale for white text: refused, nothing made
    page.get_by_label("Email of the first centre admin").fill("fia.byrne@harbour.example")
    page.get_by_role("button", name="Create the centre and send the invitation").click()
    expect(page.get_by_text("it needs at least 4.5:1")).to_be_visible()
    assert not Centre.objects.filter(name="Harbour Skills Institute").exists()

    page.get_by_label("Main colour").fill("#7a1f5c")
    page.get_by_label("Logo (PNG or JPEG, up to 1 MB)").set_input_files(str(logo_file(tmp_path)))
    page.get_by_role("button", name="Create the centre and send the invitation").click()
    expect(page.get_by_role("heading", name="Harbour Skills Institute")).to_be_visible()
    expect(page.get_by_text("its centre admin was sent to fia.byrne@harbour.example")).to_be_visible()
    expect(page.get_by_role("img", name="Logo of Harbour Skills Institute")).to_be_visible()

    centre = Centre.objects.get(name="Harbour Skills Institute")
    assert (centre.country, centre.brand_colour) == ("IE", "#7A1F5C") and centre.logo
    assert Invitation.objects.get(centre=centre).role == Role.CENTRE_ADMIN
    message = mailoutbox[-1]
    assert message.to == ["fia.byrne@harbour.example"]
    html = message.alternatives[0][0]
    assert "background:#7A1F5C" in html and f"/centre/{centre.pk}/logo/" in html
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", message.body).group(1)

    page.goto("/platform/")
    row = page.get_by_role("row").filter(has_text="Harbour Skills Institute")
    expect(row.get_by_text("Invitation sent")).to_be_visible()

    invited = laptop()
    invited.goto(link)
    expect(invited.get_by_role("heading", name="Create your account")).to_be_visible()
    expect(invited.get_by_text("Harbour Skills Institute").first).to_be_visible()
