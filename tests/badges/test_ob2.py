"""Open Badges 2.0 hosted documents: public JSON-LD at absolute `id` URLs; revoked awards answer 410."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from badges.awards.badge_classes import badge_class_create, badge_class_for_unit
from badges.awards.services import award_by_hand, award_revoke
from badges.models import BadgeClass
from badges.openbadges import ob2
from tests.portfolios.factories import make_spec

pytestmark = pytest.mark.django_db
SITE = "https://leap.example"
CONTEXT = "https://w3id.org/openbadges/v2"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def award(personas):
    badge = badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.SKILL,
                               name="Knife skills", description="Safe, precise knife work.",
                               criteria_narrative="Demonstrate the six classic cuts.", tags=["kitchen"],
                               validity_days=730,
                               alignments=[{"targetName": "ESCO: use cutting equipment",
                                            "targetUrl": "https://esco.example/skill/1", "targetCode": "S1.2"}])
    return award_by_hand(badge_class=badge, recipient=personas.learner, narrative="Six cuts, observed in service.",
                         evidence_url="https://example.org/video", actor=personas.admin)


def get_json(url: str, status: int = 200) -> dict:
    response = Client().get(url)  # anonymous: these are public on purpose
    assert response.status_code == status, url
    assert response["Content-Type"].startswith("application/ld+json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def path_of(url: str) -> str:
    assert url.startswith(SITE + "/"), url
    return url[len(SITE):]


def test_the_assertion_is_hosted_at_its_id_with_a_hashed_recipient(personas, award):
    url = ob2.assertion_url(award)
    assert url == f"{SITE}/badges/ob2/assertions/{award.uuid}" == SITE + reverse("ob2_assertion", args=[award.uuid])

    data = get_json(path_of(url))

    assert data["@context"] == CONTEXT and data["type"] == "Assertion" and data["id"] == url
    assert data["badge"] == f"{SITE}/badges/ob2/badges/{award.badge_class.uuid}"
    assert data["verification"] == {"type": "hosted"}
    recipient = data["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True and recipient["salt"] == award.salt
    expected = "sha256$" + hashlib.sha256((personas.learner.email + award.salt).encode()).hexdigest()
    assert recipient["identity"] == expected
    assert personas.learner.email not in str(data)  # the email itself is never published
    assert data["narrative"] == "Six cuts, observed in service."
    assert data["evidence"] == [{"type": "Evidence", "id": "https://example.org/video"}]
    assert data["issuedOn"].endswith("Z") and data["expires"].endswith("Z") and data["expires"] > data["issuedOn"]


def test_the_badge_class_and_issuer_are_hosted_at_their_ids(personas, award):
    badge_data = get_json(path_of(ob2.badge_class_url(award.badge_class)))
    assert badge_data["type"] == "BadgeClass" and badge_data["id"] == ob2.badge_class_url(award.badge_class)
    assert badge_data["name"] == "Knife skills" and badge_data["description"] == "Safe, precise knife work."
    assert badge_data["criteria"]["narrative"] == "Demonstrate the six classic cuts."
    assert badge_data["criteria"]["id"].startswith(badge_data["id"])
    assert badge_data["alignment"] == [{"targetName": "ESCO: use cutting equipment",
                                        "targetUrl": "https://esco.example/skill/1", "targetCode": "S1.2"}]
    assert badge_data["tags"] == ["kitchen"]
    assert badge_data["image"] == f"{SITE}/badges/ob2/badges/{award.badge_class.uuid}/image"
    image = Client().get(path_of(badge_data["image"]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content).startswith(b"\x89PNG")

    issuer = get_json(path_of(badge_data["issuer"]))
    assert issuer["type"] == "Issuer" and issuer["id"] == badge_data["issuer"] == f"{SITE}/badges/ob2/issuers/" \
        f"{personas.centre.pk}"
    assert issuer["name"] == personas.centre.name and issuer["url"].startswith("http")
    assert issuer["revocationList"] == f"{issuer['id']}/revocations"


def test_a_unit_badge_carries_its_criteria_as_alignments(personas):
    version = make_spec(personas.centre, code="HOSP-L3", units=1, outcomes=1, criteria=2)
    badge = badge_class_for_unit(unit=version.units.get(), centre=personas.centre)
    data = get_json(path_of(ob2.badge_class_url(badge)))
    assert [a["targetName"] for a in data["alignment"]] == ["1.1 Describe point 1", "1.2 Describe point 2"]
    assert {a["targetFramework"] for a in data["alignment"]} == {"HOSP-L3"}
    assert {a["targetUrl"] for a in data["alignment"]} == {data["id"]}


def test_a_revoked_assertion_answers_410_and_is_on_the_revocation_list(personas, award):
    revocations = get_json(path_of(ob2.revocation_list_url(personas.centre)))
    assert revocations["revokedAssertions"] == []

    award_revoke(award=award, reason="Issued in error", actor=personas.admin)

    gone = get_json(path_of(ob2.assertion_url(award)), status=410)
    assert gone["id"] == ob2.assertion_url(award)
    assert gone["revoked"] is True and gone["revocationReason"] == "Issued in error"
    revocations = get_json(path_of(ob2.revocation_list_url(personas.centre)))
    assert revocations == {
        "@context": CONTEXT, "id": ob2.revocation_list_url(personas.centre), "type": "RevocationList",
        "issuer": ob2.issuer_url(personas.centre),
        "revokedAssertions": [{"id": ob2.assertion_url(award), "revocationReason": "Issued in error"}]}


def test_unknown_ids_are_404_and_only_reads_are_allowed(personas, award):
    client = Client()
    for url in ["/badges/ob2/assertions/00000000-0000-0000-0000-000000000000",
                "/badges/ob2/badges/00000000-0000-0000-0000-000000000000",
                "/badges/ob2/badges/00000000-0000-0000-0000-000000000000/image",
                f"/badges/ob2/issuers/{personas.other_centre.pk}",  # issues no badges: not an issuer
                f"/badges/ob2/issuers/{personas.other_centre.pk}/revocations"]:
        assert client.get(url).status_code == 404, url
    assert client.post(path_of(ob2.assertion_url(award))).status_code == 405
    assert client.head(path_of(ob2.assertion_url(award))).status_code == 200


def test_the_revocation_list_of_one_centre_shows_none_of_another(personas, award):
    other_badge = badge_class_create(centre=personas.other_centre, actor=_admin_of(personas.other_centre),
                                     kind="event", name="Open day", description="d", criteria_narrative="c")
    other_award = award_by_hand(badge_class=other_badge, recipient=personas.other_centre_learner, narrative="n",
                                actor=_admin_of(personas.other_centre))
    award_revoke(award=other_award, reason="elsewhere", actor=_admin_of(personas.other_centre))
    assert get_json(path_of(ob2.revocation_list_url(personas.centre)))["revokedAssertions"] == []


def _admin_of(centre):
    from centres.models import Membership, Role
    from tests.factories import staff

    existing = Membership.objects.filter(centre=centre, role=Role.CENTRE_ADMIN).first()
    return existing.user if existing else staff(centre, Role.CENTRE_ADMIN)
