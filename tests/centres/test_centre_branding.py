import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 40), (10, 20, 30)).save(out, "PNG")
    return out.getvalue()


def test_the_admin_sets_colours_website_and_logo(personas):
    response = client_for(personas.admin).post(reverse("centre_settings"), {
        "branding": "1", "brand_colour": "#112233", "accent_colour": "#ffcc00", "website": "https://north.example",
        "logo": SimpleUploadedFile("logo.png", _png(), content_type="image/png")})
    assert response.status_code == 302
    personas.centre.refresh_from_db()
    assert (personas.centre.brand_colour, personas.centre.accent_colour) == ("#112233", "#FFCC00")
    assert personas.centre.logo and personas.centre.website == "https://north.example"
    assert AuditEvent.objects.filter(action="centre.branding_changed").exists()


def test_a_bad_colour_or_a_logo_that_is_not_a_png_changes_nothing(personas):
    client = client_for(personas.admin)
    response = client.post(reverse("centre_settings"), {"branding": "1", "brand_colour": "red;}", "accent_colour":
                                                        "#ffcc00"})
    assert "#RRGGBB" in response.content.decode()
    response = client.post(reverse("centre_settings"), {
        "branding": "1", "brand_colour": "#112233", "accent_colour": "#ffcc00",
        "logo": SimpleUploadedFile("logo.png", b"<svg></svg>", content_type="image/png")})
    assert "must be a PNG" in response.content.decode()
    personas.centre.refresh_from_db()
    assert personas.centre.brand_colour == "#0B5CAB" and not personas.centre.logo


@pytest.mark.parametrize("who", ["assessor", "learner", "other_centre_assessor", "outsider"])
def test_only_the_centre_admin_brands_the_centre(personas, who):
    response = client_for(getattr(personas, who)).post(reverse("centre_settings"), {
        "branding": "1", "brand_colour": "#112233", "accent_colour": "#ffcc00"})
    assert response.status_code == 403
    personas.centre.refresh_from_db()
    assert personas.centre.brand_colour == "#0B5CAB"
