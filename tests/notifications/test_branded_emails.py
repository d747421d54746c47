"""Emails carry the brand of the centre they speak for: its logo and colour in the header bar of the HTML body,
its name at the end of the plain text."""

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from centres.branding import logo_url
from centres.models import Role
from centres.services import staff_invite
from notifications.branding import acting_in
from notifications.services import notify
from tests.conftest import client_for
from tests.factories import CentreFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def branded(personas):
    out = io.BytesIO()
    Image.new("RGB", (80, 30), (122, 31, 92)).save(out, "PNG")
    centre = personas.centre
    centre.brand_colour = "#7A1F5C"
    centre.logo.save("logo.png", ContentFile(out.getvalue()), save=False)
    centre.save()
    return centre


def html_of(message) -> str:
    return message.alternatives[0][0]


def test_an_invitation_from_a_branded_centre_shows_its_logo_and_colour(branded, personas, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        staff_invite(centre=branded, email="new@example.org", role=Role.ASSESSOR, actor=personas.admin)
    html = html_of(mailoutbox[-1])
    url = logo_url(branded, absolute=True)
    assert url.startswith("http://127.0.0.1:8000/centre/") and f'src="{url}"'.replace("&", "&amp;") in html
    assert "background:#7A1F5C" in html  # the header bar and the button
    assert f"You receive this email from {branded.name}" in html
    text = mailoutbox[-1].body
    assert text.rstrip().endswith(f"-- \n{branded.name}")
    assert url not in text and "#7A1F5C" not in text


def test_the_logo_address_in_the_email_serves_the_logo(branded, client):
    path = logo_url(branded, absolute=True).removeprefix("http://127.0.0.1:8000")
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_an_email_sent_while_acting_in_a_centre_carries_that_centres_brand(branded, personas, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    two_centres = UserFactory()
    for centre in (personas.centre, personas.other_centre):
        MembershipFactory(user=two_centres, centre=centre, role=Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True), acting_in(lambda: branded):
        notify(recipient=two_centres, kind="assessor_changed", context={"assessor_name": "Sam",
                                                                         "centre_name": branded.name})
    assert "background:#7A1F5C" in html_of(mailoutbox[-1])


def test_a_view_sends_its_emails_under_the_centre_of_the_request(branded, personas, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(personas.admin).post(reverse("learner_add"), {
            "first_name": "Noor", "last_name": "Haddad", "email": "noor@example.org",
            "assessor": personas.assessor.pk})
    assert response.status_code == 302
    assert logo_url(branded, absolute=True).replace("&", "&amp;") in html_of(mailoutbox[-1])


def test_a_worker_email_to_someone_of_one_centre_carries_that_centres_brand(branded, personas, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=personas.assessor, kind="assessor_changed", context={"assessor_name": "Sam",
                                                                              "centre_name": "x"})
    assert "background:#7A1F5C" in html_of(mailoutbox[-1])


def test_someone_of_several_centres_gets_leaps_own_header_outside_a_request(personas, mailoutbox,
                                                                             django_capture_on_commit_callbacks):
    two_centres = UserFactory()
    for centre in (personas.centre, personas.other_centre):
        MembershipFactory(user=two_centres, centre=centre, role=Role.MODERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=two_centres, kind="assessor_changed",
                              context={"assessor_name": "Sam", "centre_name": "x"})
    assert "_brand" not in notification.data
    html = html_of(mailoutbox[-1])
    assert ">LEAP</td>" in html and "You receive this email because of your account with LEAP." in html
    assert "-- \n" not in mailoutbox[-1].body


def test_the_centre_named_by_the_caller_wins(branded, personas, mailoutbox, django_capture_on_commit_callbacks):
    personas.other_centre.brand_colour = "#1F5C2E"
    personas.other_centre.save()
    with django_capture_on_commit_callbacks(execute=True), acting_in(lambda: branded):
        notify(recipient=personas.assessor, kind="assessor_changed", centre=personas.other_centre,
               context={"assessor_name": "Sam", "centre_name": "x"})
    html = html_of(mailoutbox[-1])
    assert "background:#1F5C2E" in html and "#7A1F5C" not in html
    assert ">LEAP</td>" not in html and personas.other_centre.name in html


def test_a_colour_saved_before_the_contrast_check_gets_dark_text(personas, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    pale = CentreFactory(brand_colour="#FFD400")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient="someone@example.org", kind="assessor_changed", centre=pale,
               context={"assessor_name": "Sam", "centre_name": pale.name})
    html = html_of(mailoutbox[-1])
    assert "background:#FFD400" in html and "color:#1D2433" in html


def test_an_address_without_an_account_is_written_to_in_the_centres_main_language(settings, personas):
    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch")]
    centre = CentreFactory(languages=["de", "en"])
    notification = notify(recipient="neu@example.org", kind="assessor_changed", centre=centre, email=False,
                          context={"assessor_name": "Sam", "centre_name": centre.name})
    assert notification.language == "de"
    assert notify(recipient=personas.assessor, kind="assessor_changed", centre=centre, email=False,
                  context={"assessor_name": "Sam", "centre_name": "x"}).language == personas.assessor.language
