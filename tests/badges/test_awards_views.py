"""The award pages: deny by default, one helper per object, thin views over the services."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from badges.awards.badge_classes import badge_class_create
from badges.awards.services import award_by_hand
from badges.models import Award, BadgeClass
from badges.openbadges.baking import unbake_png
from tests.conftest import client_for
from tests.factories import learner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://leap.example"


@pytest.fixture
def badge(personas) -> BadgeClass:
    return badge_class_create(centre=personas.centre, actor=personas.admin, kind="participation",
                              name="Barista Taster Day", description="d", criteria_narrative="c")


@pytest.fixture
def award(personas, badge) -> Award:
    return award_by_hand(badge_class=badge, recipient=personas.learner, narrative="Pulled 40 shots",
                         actor=personas.admin)


def png_upload(size=(300, 300)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return SimpleUploadedFile("badge.png", out.getvalue(), content_type="image/png")


# --- The centre's pages -----------------------------------------------------------------------------------

def test_staff_see_the_centres_badges_and_learners_do_not(personas, badge):
    for user in (personas.admin, personas.assessor):
        response = client_for(user).get(reverse("badge_class_list"))
        assert response.status_code == 200 and "Barista Taster Day" in response.content.decode()
    assert client_for(personas.learner).get(reverse("badge_class_list")).status_code == 403
    other = client_for(personas.other_centre_assessor)
    assert "Barista" not in other.get(reverse("badge_class_list")).content.decode()
    assert other.get(reverse("badge_class_detail", args=[badge.uuid])).status_code == 404
    assert other.get(reverse("award_by_hand", args=[badge.uuid])).status_code == 404


def test_a_centre_admin_creates_a_badge_with_an_uploaded_image(personas):
    client = client_for(personas.admin)
    data = {"kind": "skill", "name": "Latte art", "description": "Pours a rosetta.",
            "criteria_narrative": "Three in a row.", "tags": "coffee, craft",
            "alignments": "ESCO barista | https://esco.example/b | B1", "validity_days": "365"}

    bad = client.post(reverse("badge_class_create"), {**data, "image": png_upload((100, 100))})
    assert bad.status_code == 200 and "at least 256" in bad.content.decode()
    assert not BadgeClass.objects.exists()

    response = client.post(reverse("badge_class_create"), {**data, "image": png_upload()})

    badge = BadgeClass.objects.get()
    assert response.status_code == 302 and response.url == reverse("badge_class_detail", args=[badge.uuid])
    assert badge.tags == ["coffee", "craft"] and badge.validity_days == 365
    assert badge.alignments == [{"targetName": "ESCO barista", "targetUrl": "https://esco.example/b",
                                 "targetCode": "B1"}]
    assert client_for(personas.assessor).post(reverse("badge_class_create"), data).status_code == 403


def test_an_assessor_awards_their_own_learners_by_hand_only(personas, badge):
    url = reverse("award_by_hand", args=[badge.uuid])
    page = client_for(personas.second_assessor).get(url)
    assert page.status_code == 200 and personas.learner.email not in page.content.decode()
    refused = client_for(personas.second_assessor).post(url, {"recipient": personas.learner.pk, "narrative": "n"})
    assert refused.status_code == 200 and not Award.objects.exists()

    response = client_for(personas.assessor).post(url, {"recipient": personas.learner.pk,
                                                        "narrative": "Served the tasting"})

    assert response.status_code == 302
    assert Award.objects.get().awarded_by == personas.assessor


def test_the_import_page_lists_every_problem_and_awards_nobody(personas, badge):
    url = reverse("award_import", args=[badge.uuid])
    raw = f"email,narrative\n{personas.learner.email},Fine\nghost@example.org,Who\n".encode()
    response = client_for(personas.admin).post(url, {"file": SimpleUploadedFile("a.csv", raw)})
    assert response.status_code == 200 and "Line 3" in response.content.decode()
    assert not Award.objects.exists()

    raw = f"email,narrative\n{personas.learner.email},Fine\n{personas.second_learner.email},Also\n".encode()
    response = client_for(personas.admin).post(url, {"file": SimpleUploadedFile("a.csv", raw)})
    assert response.status_code == 302 and Award.objects.count() == 2
    assert client_for(personas.assessor).get(url).status_code == 403


def test_a_centre_admin_revokes_from_the_page(personas, award):
    url = reverse("award_revoke", args=[award.uuid])
    assert client_for(personas.assessor).post(url, {"reason": "x"}).status_code == 403
    other_admin = _other_admin(personas)
    assert client_for(other_admin).post(url, {"reason": "x"}).status_code == 404
    assert client_for(personas.admin).post(url, {"reason": ""}).status_code == 200

    response = client_for(personas.admin).post(url, {"reason": "Did not attend"})

    assert response.status_code == 302
    award.refresh_from_db()
    assert award.revocation_reason == "Did not attend"


def test_the_badge_page_costs_the_same_queries_for_many_awards(personas, badge):
    def queries() -> int:
        client = client_for(personas.admin)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("badge_class_detail", args=[badge.uuid])).status_code == 200
        return len(captured)

    award_by_hand(badge_class=badge, recipient=personas.learner, narrative="n", actor=personas.admin)
    few = queries()
    for _ in range(6):
        award_by_hand(badge_class=badge, recipient=learner(personas.centre, personas.assessor), narrative="n",
                      actor=personas.admin)
    assert queries() == few


# --- The learner's downloads ------------------------------------------------------------------------------

def test_the_learner_downloads_their_baked_badge(personas, award):
    response = client_for(personas.learner).get(reverse("award_download", args=[award.uuid, "ob2"]))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="barista-taster-day-ob2.png"'
    baked = b"".join(response.streaming_content)
    assert str(award.uuid) in unbake_png(baked, "openbadges")
    assert reverse("award_baked_ob2", args=[award.uuid]) == reverse("award_download", args=[award.uuid, "ob2"])


def test_nobody_else_downloads_a_learners_badge(personas, award):
    url = reverse("award_download", args=[award.uuid, "ob2"])
    for user in (personas.second_learner, personas.admin, personas.assessor, personas.outsider):
        assert client_for(user).get(url).status_code == 404, user
    anonymous = client_for(personas.learner).__class__().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url


def test_the_learner_downloads_both_baked_images_and_unknown_formats_are_404(personas, award):
    client = client_for(personas.learner)
    for kind, keyword in (("ob2", "openbadges"), ("ob3", "openbadgecredential")):
        response = client.get(reverse("award_download", args=[award.uuid, kind]))
        assert response.status_code == 200 and unbake_png(b"".join(response.streaming_content), keyword)
    assert client.get(reverse("award_download", args=[award.uuid, "svg"])).status_code == 404


def _other_admin(personas):
    from centres.models import Role
    from tests.factories import staff

    return staff(personas.other_centre, Role.CENTRE_ADMIN)


def test_each_page_renders_for_those_it_is_for(personas, award):
    badge = award.badge_class
    admin, assessor = client_for(personas.admin), client_for(personas.assessor)
    for client, url in [(admin, reverse("badge_class_create")), (admin, reverse("award_import", args=[badge.uuid])),
                        (admin, reverse("award_revoke", args=[award.uuid])),
                        (assessor, reverse("badge_class_detail", args=[badge.uuid])),
                        (assessor, reverse("award_by_hand", args=[badge.uuid]))]:
        response = client.get(url)
        assert response.status_code == 200, url
    detail = assessor.get(reverse("badge_class_detail", args=[badge.uuid])).content.decode()
    assert personas.learner.email in detail and "Revoke" not in detail  # only admins revoke
