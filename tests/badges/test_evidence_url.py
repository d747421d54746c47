"""A web address given with an award (or a centre's website, or an alignment) is checked by one validator, and a
credential is built from whatever is stored without ever failing: a bad stored address is left out."""

import json

import pytest
from django.urls import reverse

from badges.awards.badge_classes import BadgeError, badge_class_create
from badges.awards.services import AwardCsvError, award_by_hand, awards_csv_validate
from badges.models import Award, BadgeClass
from badges.openbadges import ob2, ob3
from badges.openbadges.baking import OB3_KEYWORD, award_bake, unbake_png
from centres.forms import BrandingForm
from centres.web_urls import web_url_problem
from tests.conftest import client_for

from .test_ob3 import _site, no_network  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

BAD_URLS = ['https://x.example/"a', "https://x.example/<script>", "https://x.example/a b", "javascript:alert(1)",
            "https://x.example/\x00", "ftp://x.example/file", "https://x.example/" + "a" * 2100, "https://"]


@pytest.fixture
def skill(personas) -> BadgeClass:
    return badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.SKILL,
                              name="Knife skills", description="Handles knives safely.",
                              criteria_narrative="Observed at work.")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("url", BAD_URLS)
def test_the_web_address_validator_refuses_what_cannot_go_into_a_credential_or_a_page(url):
    assert web_url_problem(url)


@pytest.mark.parametrize("url", ["https://x.example/a?b=c&d=%22#e", "http://x.example", "https://münchen.example/ä"])
def test_the_web_address_validator_takes_ordinary_addresses(url):
    assert web_url_problem(url) is None


@pytest.mark.parametrize("url", BAD_URLS[:3])
def test_award_by_hand_refuses_an_evidence_url_with_quotes_or_brackets(personas, skill, url):
    with pytest.raises(BadgeError, match="web address"):
        award_by_hand(badge_class=skill, recipient=personas.learner, narrative="Sharp.", evidence_url=url,
                      actor=personas.admin)
    assert not Award.objects.exists()


def test_the_award_by_hand_form_refuses_an_evidence_url_with_a_quote(personas, skill):
    response = client_for(personas.admin).post(reverse("award_by_hand", args=[skill.uuid]), {
        "recipient": personas.learner.pk, "narrative": "Sharp.", "evidence_url": 'https://x.example/"a'})
    assert response.status_code == 200 and not Award.objects.exists()


def test_a_bulk_award_file_with_a_quoted_evidence_url_names_the_line(personas, skill):
    raw = f'email,narrative,evidence_url\n{personas.learner.email},Sharp.,"https://x.example/""a"\n'.encode()
    with pytest.raises(AwardCsvError) as error:
        awards_csv_validate(badge_class=skill, raw=raw)
    assert [p.line for p in error.value.problems] == [2]


def test_a_badge_alignment_or_a_centre_website_with_a_quote_is_refused(personas):
    with pytest.raises(BadgeError, match="Alignment 1"):
        badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.SKILL, name="X",
                           description="X", criteria_narrative="X",
                           alignments=[{"targetName": "Framework", "targetUrl": 'https://x.example/"a'}])
    form = BrandingForm(data={"brand_colour": "#112233", "accent_colour": "#445566",
                              "website": 'https://x.example/"a'})
    assert not form.is_valid() and "website" in form.errors


def test_an_award_stored_with_a_bad_evidence_url_still_gives_its_credential_jwt_and_baked_image(personas, skill):
    award = award_by_hand(badge_class=skill, recipient=personas.learner, narrative="Sharp.", actor=personas.admin)
    Award.objects.filter(pk=award.pk).update(evidence_url='https://x.example/"a', credential_ob3={},
                                             credential_jwt="", baked_ob3="")
    personas.centre.__class__.objects.filter(pk=personas.centre.pk).update(website='https://x.example/"centre')
    award = Award.objects.select_related("badge_class__centre").get(pk=award.pk)
    public = client_for(personas.outsider)

    document = public.get(reverse("ob3_credential", args=[award.uuid]))
    token = public.get(reverse("ob3_credential_jwt", args=[award.uuid]))
    assertion = public.get(reverse("ob2_assertion", args=[award.uuid]))
    assert (document.status_code, token.status_code, assertion.status_code) == (200, 200, 200)
    credential = json.loads(document.content)
    assert "evidence" not in credential and "x.example" not in document.content.decode()
    assert credential["issuer"]["url"] == ob2.absolute("")
    assert ob3.verify_credential(credential).ok and ob3.verify_credential(token.content.decode()).ok
    award_bake(award_id=award.pk)
    award.refresh_from_db()
    assert json.loads(unbake_png(award.baked_ob3.read(), OB3_KEYWORD)) == award.credential_ob3 == credential
