"""The platform administrator (a superuser) sets up centres in the product: country, languages, branding and an
invitation to the first centre admin; everybody else finds no such pages."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from centres.branding import contrast_with_white
from centres.models import Centre, Invitation, Role
from tests.conftest import client_for
from tests.factories import CentreFactory, UserFactory, learner, staff, with_totp

pytestmark = pytest.mark.django_db


def image(fmt: str = "PNG", size=(120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 60, 120)).save(out, fmt)
    return out.getvalue()


def upload(body: bytes, name: str = "logo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type=content_type)


@pytest.fixture
def platform_admin():
    return with_totp(UserFactory(is_superuser=True, is_staff=True, email="platform@example.org"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def creation(**overrides) -> dict:
    return {"name": "Harbour Skills Institute", "country": "IE", "languages": ["en"], "brand_colour": "#7A1F5C",
            "admin_email": "First.Admin@Harbour.example", "creation_token": "token-1", **overrides}


def create(client, data: dict, capture):
    with capture(execute=True):
        return client.post(reverse("platform_centre_create"), data)


def test_the_platform_admin_creates_a_centre_and_invites_its_first_admin(platform_admin, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    response = create(client_for(platform_admin), creation(logo=upload(image())), django_capture_on_commit_callbacks)
    centre = Centre.objects.get(name="Harbour Skills Institute")
    assert response.status_code == 302 and response.url == reverse("platform_centre_edit", args=[centre.pk])
    assert (centre.country, centre.languages, centre.brand_colour) == ("IE", ["en"], "#7A1F5C")
    assert centre.logo.name.endswith(".png")
    invitation = Invitation.objects.get(centre=centre)
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "first.admin@harbour.example", Role.CENTRE_ADMIN, platform_admin)
    assert [m.to for m in mailoutbox] == [["first.admin@harbour.example"]]
    assert "Harbour Skills Institute" in mailoutbox[0].body and "/invitation/" in mailoutbox[0].body
    actions = set(AuditEvent.objects.filter(centre_id=centre.pk).values_list("action", flat=True))
    assert {"centre.created", "centre.set_up", "invitation.sent"} <= actions
    set_up = AuditEvent.objects.get(centre_id=centre.pk, action="centre.set_up")
    assert set_up.actor == platform_admin and set_up.data["first_admin"] == "first.admin@harbour.example"


def test_a_jpeg_logo_is_kept_as_a_jpeg(platform_admin, django_capture_on_commit_callbacks):
    create(client_for(platform_admin), creation(logo=upload(image("JPEG"), "logo.jpg", "image/jpeg")),
           django_capture_on_commit_callbacks)
    assert Centre.objects.get(name="Harbour Skills Institute").logo.name.endswith(".jpg")


def test_the_invited_admin_accepts_and_runs_the_centre(platform_admin, mailoutbox, client,
                                                         django_capture_on_commit_callbacks):
    import re

    create(client_for(platform_admin), creation(), django_capture_on_commit_callbacks)
    link = re.search(r"https?://[^/\s]+(/invitation/\S+/)", mailoutbox[0].body).group(1)
    client.post(link, {"first_name": "Fia", "last_name": "Byrne", "password1": "a-long-safe-password-1",
                       "password2": "a-long-safe-password-1"})
    centre = Centre.objects.get(name="Harbour Skills Institute")
    assert centre.memberships.filter(role=Role.CENTRE_ADMIN, user__email="first.admin@harbour.example").exists()


@pytest.mark.parametrize("data, message", [
    ({"brand_colour": "red;}"}, "Give a colour as #RRGGBB."),
    ({"brand_colour": "#FFD400"}, "it needs at least 4.5:1"),
    ({"country": "XX"}, "Select a valid choice"),
    ({"languages": []}, "Choose at least one language."),
    ({"languages": ["xx"]}, "Select a valid choice"),
    ({"admin_email": "not-an-email"}, "Enter a valid email address."),
    ({"name": ""}, "This field is required."),
    ({"logo": upload(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "image/svg+xml")},
     "The logo must be a PNG or JPEG image."),
    ({"logo": upload(image("GIF"), "logo.gif", "image/gif")}, "The logo must be a PNG or JPEG image."),
    ({"logo": upload(b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024), "big.png")}, "The logo is larger than 1 MB."),
])
def test_bad_input_says_what_is_wrong_and_creates_nothing(platform_admin, mailoutbox, data, message,
                                                          django_capture_on_commit_callbacks):
    response = create(client_for(platform_admin), creation(**data), django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not Centre.objects.filter(name="Harbour Skills Institute").exists()
    assert not Invitation.objects.exists() and not mailoutbox


def test_the_contrast_rule_is_white_text_at_four_and_a_half_to_one():
    assert round(contrast_with_white("#000000"), 1) == 21.0
    assert round(contrast_with_white("#FFFFFF"), 1) == 1.0
    assert contrast_with_white("#767676") >= 4.5 > contrast_with_white("#777777")


def test_a_double_posted_form_makes_one_centre_and_one_invitation(platform_admin, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    client = client_for(platform_admin)
    first = create(client, creation(), django_capture_on_commit_callbacks)
    again = create(client, creation(), django_capture_on_commit_callbacks)
    assert first.status_code == again.status_code == 302 and first.url == again.url
    assert Centre.objects.filter(name="Harbour Skills Institute").count() == 1
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1


def test_a_second_centre_of_the_same_name_in_the_same_country_is_refused(platform_admin,
                                                                          django_capture_on_commit_callbacks):
    client = client_for(platform_admin)
    create(client, creation(), django_capture_on_commit_callbacks)
    response = create(client, creation(creation_token="token-2", name="harbour skills institute"),
                      django_capture_on_commit_callbacks)
    assert "already exists in this country" in response.content.decode()
    create(client, creation(creation_token="token-3", country="GB"), django_capture_on_commit_callbacks)
    assert Centre.objects.filter(name__iexact="Harbour Skills Institute").count() == 2


def test_the_platform_admin_changes_country_languages_and_branding_later(platform_admin, personas, settings):
    settings.LANGUAGES = [("en", "English"), ("de", "Deutsch")]
    client = client_for(platform_admin)
    url = reverse("platform_centre_edit", args=[personas.centre.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"country": "DE", "languages": ["de", "en"], "brand_colour": "#1F5C2E",
                                 "logo": upload(image())})
    assert response.status_code == 302
    centre = Centre.objects.get(pk=personas.centre.pk)
    assert (centre.country, centre.languages, centre.brand_colour, centre.main_language) == (
        "DE", ["en", "de"], "#1F5C2E", "en")  # kept in the order LEAP lists its languages
    event = AuditEvent.objects.get(action="centre.settings_changed")
    assert event.actor == platform_admin and event.data["country"] == {"from": "GB", "to": "DE"}
    client.post(url, {"country": "DE", "languages": ["de"], "brand_colour": "#1F5C2E", "remove_logo": "on"})
    centre.refresh_from_db()
    assert not centre.logo and centre.languages == ["de"]
    assert AuditEvent.objects.filter(action="centre.settings_changed").count() == 2


def test_a_low_contrast_colour_is_refused_when_editing_too(platform_admin, personas):
    response = client_for(platform_admin).post(reverse("platform_centre_edit", args=[personas.centre.pk]), {
        "country": "GB", "languages": ["en"], "brand_colour": "#9FC5E8"})
    assert "it needs at least 4.5:1" in response.content.decode()
    personas.centre.refresh_from_db()
    assert personas.centre.brand_colour == "#0B5CAB"
    assert not AuditEvent.objects.filter(action="centre.settings_changed").exists()


def test_the_platform_admin_invites_another_centre_admin(platform_admin, personas, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(platform_admin).post(
            reverse("platform_centre_invite", args=[personas.centre.pk]), {"email": "second.admin@example.org"})
    assert response.status_code == 302
    assert Invitation.objects.get(email="second.admin@example.org").role == Role.CENTRE_ADMIN
    assert mailoutbox[-1].to == ["second.admin@example.org"]
    page = client_for(platform_admin).get(reverse("platform_centre_edit", args=[personas.centre.pk]))
    assert "second.admin@example.org" in page.content.decode()


@pytest.mark.parametrize("who", ["admin", "assessor", "moderator", "external_moderator", "learner",
                                 "other_centre_assessor", "outsider"])
def test_everybody_but_the_platform_admin_finds_no_platform_pages(personas, who, mailoutbox):
    client = client_for(getattr(personas, who))
    pk = personas.centre.pk
    for url in (reverse("platform_centres"), reverse("platform_centre_create"),
                reverse("platform_centre_edit", args=[pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("platform_centre_create"), creation()).status_code in (403, 404)
    assert client.post(reverse("platform_centre_edit", args=[pk]), {
        "country": "DE", "languages": ["en"], "brand_colour": "#000000"}).status_code in (403, 404)
    assert client.post(reverse("platform_centre_invite", args=[pk]),
                       {"email": "x@example.org"}).status_code in (403, 404)
    assert not Centre.objects.filter(name="Harbour Skills Institute").exists()
    assert Centre.objects.get(pk=pk).country == "GB" and not Invitation.objects.exists()


def test_a_centre_admin_cannot_invite_staff_to_another_centre_through_the_service(personas):
    from django.core.exceptions import PermissionDenied

    from centres.services import staff_invite

    with pytest.raises(PermissionDenied):
        staff_invite(centre=personas.other_centre, email="x@example.org", role=Role.CENTRE_ADMIN, actor=personas.admin)


def test_a_superuser_without_a_second_factor_is_sent_to_set_one_up_first():
    user = UserFactory(is_superuser=True, is_staff=True)
    response = client_for(user).get(reverse("platform_centres"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")


def test_the_list_shows_each_centre_with_its_people_in_a_fixed_number_of_queries(platform_admin, personas,
                                                                                 django_assert_num_queries):
    client = client_for(platform_admin)
    client.get(reverse("platform_centres"))  # the first request of a session reads more (session, second factor)
    with django_assert_num_queries(2) as few:  # warm: the person and memberships come from the cache
        page = client.get(reverse("platform_centres"))
    counted = len(few.captured_queries)  # now: each request empties the connection's query log
    rows = {c.name: (c.learner_count, c.staff_count, c.admin_count) for c in page.context["page"]}
    # North: 2 learners; admin, 2 assessors, moderator, EQA. South: 1 learner, 1 assessor, no admin.
    assert rows == {"North Vocational College": (2, 5, 1), "South Skills Academy": (1, 1, 0)}
    for _ in range(6):
        centre = CentreFactory()
        assessor = staff(centre, Role.ASSESSOR)
        staff(centre, Role.CENTRE_ADMIN)
        learner(centre, assessor)
    client.get(reverse("platform_centres"))  # the writes forgot the people concerned: warm the cache again
    with django_assert_num_queries(counted):
        page = client.get(reverse("platform_centres"))
    assert len(page.context["page"]) == 8
    assert "each person counted once" in page.content.decode()


def test_a_person_with_two_staff_roles_counts_once(platform_admin, personas):
    from tests.factories import MembershipFactory

    MembershipFactory(user=personas.assessor, centre=personas.centre, role=Role.MODERATOR)
    page = client_for(platform_admin).get(reverse("platform_centres"))
    north = next(c for c in page.context["page"] if c.pk == personas.centre.pk)
    assert north.staff_count == 5


def test_a_centre_without_an_admin_shows_whether_one_is_invited(platform_admin, personas,
                                                                 django_capture_on_commit_callbacks):
    client = client_for(platform_admin)
    assert "No centre admin" in client.get(reverse("platform_centres")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("platform_centre_invite", args=[personas.other_centre.pk]), {"email": "a@example.org"})
    assert "Invitation sent" in client.get(reverse("platform_centres")).content.decode()


def test_the_centre_admins_own_branding_form_checks_the_contrast_too(personas):
    response = client_for(personas.admin).post(reverse("centre_settings"), {
        "branding": "1", "brand_colour": "#FFD400", "accent_colour": "#ffcc00"})
    assert "it needs at least 4.5:1" in response.content.decode()
    personas.centre.refresh_from_db()
    assert personas.centre.brand_colour == "#0B5CAB"


# --- The logo, public like the centre's badges --------------------------------------------------------

def test_the_logo_is_served_to_anyone_and_cached_by_its_version(client, personas):
    from django.core.files.base import ContentFile

    from centres.branding import logo_url

    personas.centre.logo.save("logo.png", ContentFile(image()), save=True)
    response = client.get(logo_url(personas.centre))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    stale = client.get(reverse("centre_logo", args=[personas.centre.pk]) + "?v=old")
    assert stale.status_code == 200 and "immutable" not in stale["Cache-Control"]


def test_a_centre_without_a_logo_sends_leaps_icon(client, personas):
    response = client.get(reverse("centre_logo", args=[personas.centre.pk]))
    assert response.status_code == 302 and response.url.endswith(".png")
    assert client.get(reverse("centre_logo", args=[987654])).status_code == 404


def test_the_header_gets_the_current_centres_brand_without_a_query(personas, rf, django_assert_num_queries):
    from centres.access import LeapContext
    from centres.context_processors import navigation

    request = rf.get("/")
    request.user, request.session = personas.assessor, {}
    request.leap = LeapContext(request)
    assert request.leap.centre == personas.centre  # loads the memberships, as every page does
    with django_assert_num_queries(0):
        brand = navigation(request)["centre_brand"]()
    assert brand == {"name": personas.centre.name, "colour": "#0B5CAB", "text_colour": "#FFFFFF",
                     "logo_url": None}
