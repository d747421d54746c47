"""The learner's wallet: their own badges and certificates, downloads, share links, and what they make public."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges.awards.services import public_name_choose
from badges.models import Award, Certificate
from portfolios.models import Evidence
from tests.conftest import client_for

from .test_public_award import (
    SITE,
    _site_url,  # noqa: F401 (autouse)
    learner_enrolment,
    make_award,
    make_badge_class,
    make_evidence,
)


def wallet(user) -> str:
    response = client_for(user).get("/badges/wallet/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def award(personas):
    return make_award(make_badge_class(personas.centre), personas.learner)


def test_the_wallet_needs_sign_in(client, db):
    response = client.get("/badges/wallet/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_wallet_lists_only_the_learners_own_badges(personas, award):
    make_award(make_badge_class(personas.centre, name="Second learner's badge"), personas.second_learner)
    make_award(make_badge_class(personas.other_centre, name="Other centre badge"), personas.other_centre_learner)
    html = wallet(personas.learner)
    assert "Food Safety Level 2" in html
    assert "Second learner&#x27;s badge" not in html and "Other centre badge" not in html


def test_staff_see_no_learners_badges_in_their_wallet(personas, award):
    for user in (personas.assessor, personas.admin, personas.outsider):
        assert "Food Safety Level 2" not in wallet(user)


def test_each_badge_has_a_share_link_linkedin_and_status(personas, award):
    public_name_choose(actor=personas.learner, show_name=False)  # before that, sharing asks first
    html = wallet(personas.learner)
    assert f'value="{SITE}/badges/awards/{award.uuid}/" readonly' in html
    assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
    assert "badge-pill valid" in html
    assert f"/badges/awards/{award.uuid}/download/ob2" in html


def test_a_revoked_badge_shows_its_reason_and_offers_no_linkedin_or_downloads(personas, award):
    award.revoked_at, award.revocation_reason = timezone.now(), "Awarded in error"
    award.save()
    html = wallet(personas.learner)
    assert "badge-pill revoked" in html and "Awarded in error" in html
    assert "linkedin.com" not in html and "/download/ob2" not in html


def test_certificates_are_listed_with_their_downloads(personas):
    certificate = Certificate.objects.create(
        number="NVC-2026-ABC123", centre=personas.centre, recipient=personas.learner, tier="achievement",
        title="Certificate of achievement in Hospitality", issued_on=timezone.now(), issued_by=personas.admin)
    Certificate.objects.create(number="OTHER-1", centre=personas.centre, recipient=personas.second_learner,
                               tier="participation", title="Someone else's certificate", issued_on=timezone.now(),
                               issued_by=personas.admin)
    html = wallet(personas.learner)
    assert "Certificate of achievement in Hospitality" in html and "NVC-2026-ABC123" in html
    assert f"/badges/certificates/{certificate.uuid}/pdf" in html
    assert "Someone else" not in html


def test_the_sharing_form_offers_only_the_learners_accepted_evidence(personas, award):
    enrolment = learner_enrolment(personas)
    make_evidence(enrolment, title="Accepted work")
    make_evidence(enrolment, title="Still a draft", status=Evidence.Status.DRAFT)
    make_evidence(learner_enrolment(personas, personas.second_learner), title="Second learner work")
    html = wallet(personas.learner)
    assert "Accepted work" in html
    assert "Still a draft" not in html and "Second learner work" not in html


def test_the_wallet_takes_a_fixed_number_of_queries(personas, django_assert_max_num_queries):
    enrolment = learner_enrolment(personas)
    make_evidence(enrolment)
    for n in range(2):
        make_award(make_badge_class(personas.centre, name=f"Badge {n}"), personas.learner)
    client = client_for(personas.learner)
    client.get("/badges/wallet/")
    with CaptureQueriesContext(connection) as few:
        client.get("/badges/wallet/")
    counted = len(few)  # now: the next request empties the connection's query log
    for n in range(2, 6):
        award = make_award(make_badge_class(personas.centre, name=f"Badge {n}"), personas.learner)
        award.public_evidence.add(make_evidence(enrolment))
    assert counted <= 12
    client.get("/badges/wallet/")  # warm the cache again after the writes, like the first measurement
    with django_assert_max_num_queries(counted):
        assert client.get("/badges/wallet/").status_code == 200


# --- Choosing what is public ---------------------------------------------------------------------------------

def post_sharing(user, award, data):
    return client_for(user).post(f"/badges/awards/{award.uuid}/sharing/", data)


def test_the_learner_chooses_what_is_public(personas, award):
    evidence = make_evidence(learner_enrolment(personas))
    response = post_sharing(personas.learner, award, {"show_name_publicly": "on", "in_showcase": "on",
                                                      "public_evidence": [evidence.pk]})
    assert response.status_code == 302 and response.url.endswith(f"#award-{award.uuid}")
    award.refresh_from_db()
    assert award.show_name_publicly and award.in_showcase
    assert list(award.public_evidence.all()) == [evidence]
    post_sharing(personas.learner, award, {})
    award.refresh_from_db()
    assert not award.show_name_publicly and not award.in_showcase and not award.public_evidence.exists()


def test_evidence_of_someone_else_cannot_be_made_public(personas, award):
    theirs = make_evidence(learner_enrolment(personas, personas.second_learner))
    post_sharing(personas.learner, award, {"public_evidence": [theirs.pk], "show_name_publicly": "on"})
    award.refresh_from_db()
    assert not award.public_evidence.exists() and not award.show_name_publicly


@pytest.mark.parametrize("who", ["second_learner", "assessor", "admin", "moderator", "outsider",
                                 "other_centre_assessor"])
def test_nobody_else_can_change_what_is_public_on_a_learners_badge(personas, award, who):
    response = post_sharing(getattr(personas, who), award, {"show_name_publicly": "on", "in_showcase": "on"})
    assert response.status_code == 404
    award.refresh_from_db()
    assert not award.show_name_publicly and not award.in_showcase


def test_sharing_is_post_only(personas, award):
    assert client_for(personas.learner).get(f"/badges/awards/{award.uuid}/sharing/").status_code == 405


def test_sharing_needs_sign_in(client, award):
    response = client.post(f"/badges/awards/{award.uuid}/sharing/", {"show_name_publicly": "on"})
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")
    assert not Award.objects.get(pk=award.pk).show_name_publicly
