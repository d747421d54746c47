"""The certificate pages: public verification, the private PDF, and the centre admin's issue, reissue, revoke,
list and rules. Every page has its outsider test."""

import pytest
from django.test import Client
from django.urls import reverse

from badges.certificates.services import certificate_issue, certificate_reissue
from badges.models import Certificate, CertificateRule
from centres.models import Role
from tests.conftest import client_for
from tests.factories import staff

from .test_certificate_issue import enrolment_for

pytestmark = pytest.mark.django_db

LIST_QUERIES = 4  # warm (person, memberships, unread counts cached): rules, count, page of certificates, waiting


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def certificate(personas) -> Certificate:
    return certificate_issue(enrolment=enrolment_for(personas), actor=personas.admin)


@pytest.fixture
def other_admin(personas):
    return staff(personas.other_centre, Role.CENTRE_ADMIN)


# --- Verification ----------------------------------------------------------------------------------

def test_the_verification_page_is_public_and_states_the_certificate(personas, certificate):
    response = Client().get(reverse("certificate_verify", args=[certificate.uuid]))

    assert response.status_code == 200
    page = response.content.decode()
    for text in (personas.learner.get_full_name(), certificate.title, "Certificate of achievement",
                 certificate.number, "HOSP-L3-U1", personas.centre.name, "Valid"):
        assert text in page, text
    assert '<meta property="og:title"' in page and 'content="http://127.0.0.1:8000/badges/certificates/' in page
    assert 'name="robots" content="noindex"' in page


def test_the_verification_page_shows_nothing_private(personas, certificate):
    page = Client().get(reverse("certificate_verify", args=[certificate.uuid])).content.decode()

    for private in (personas.learner.email, personas.admin.email, personas.assessor.email, "@example.org"):
        assert private not in page
    assert reverse("certificate_pdf", args=[certificate.uuid]) not in page  # the PDF link is for the learner
    assert reverse("certificate_revoke", args=[certificate.uuid]) not in page


def test_the_verification_page_offers_the_pdf_to_the_learner_and_corrections_to_the_admin(personas, certificate):
    page = client_for(personas.learner).get(reverse("certificate_verify", args=[certificate.uuid])).content.decode()
    assert reverse("certificate_pdf", args=[certificate.uuid]) in page
    assert reverse("certificate_revoke", args=[certificate.uuid]) not in page

    page = client_for(personas.admin).get(reverse("certificate_verify", args=[certificate.uuid])).content.decode()
    assert reverse("certificate_revoke", args=[certificate.uuid]) in page
    assert reverse("certificate_reissue", args=[certificate.uuid]) in page


def test_an_unknown_certificate_is_not_found(client):
    assert client.get(reverse("certificate_verify", args=["00000000-0000-0000-0000-000000000000"])).status_code == 404


# --- The PDF ---------------------------------------------------------------------------------------

def test_the_learner_and_the_centres_staff_download_the_pdf(personas, certificate):
    for user in (personas.learner, personas.admin, personas.assessor, personas.moderator):
        response = client_for(user).get(reverse("certificate_pdf", args=[certificate.uuid]))
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert "private" in response["Cache-Control"]


def test_no_one_else_gets_the_pdf(personas, certificate):
    url = reverse("certificate_pdf", args=[certificate.uuid])
    for user in (personas.second_learner, personas.other_centre_assessor, personas.other_centre_learner,
                 personas.outsider):
        assert client_for(user).get(url).status_code == 404, user
    response = Client().get(url)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# --- Issue -----------------------------------------------------------------------------------------

def test_the_admin_issues_a_certificate_from_an_enrolment(personas):
    enrolment = enrolment_for(personas)
    client = client_for(personas.admin)
    url = reverse("certificate_issue", args=[enrolment.pk])

    page = client.get(url)
    assert page.status_code == 200 and "Certificate of achievement" in page.content.decode()
    response = client.post(url, {"tier": "achievement"})

    certificate = Certificate.objects.get(enrolment=enrolment)
    assert response.status_code == 302 and response.url == reverse("certificate_verify", args=[certificate.uuid])
    assert certificate.tier == "achievement" and certificate.issued_by == personas.admin


def test_a_tier_not_earned_is_not_offered(personas):
    enrolment = enrolment_for(personas, completed=False)
    response = client_for(personas.admin).post(reverse("certificate_issue", args=[enrolment.pk]),
                                               {"tier": "achievement"})
    assert response.status_code == 200 and not Certificate.objects.exists()
    assert "not complete" in response.content.decode()


def test_staff_other_than_admins_cannot_issue(personas):
    url = reverse("certificate_issue", args=[enrolment_for(personas).pk])
    for user in (personas.assessor, personas.moderator, personas.learner):
        client = client_for(user)
        assert client.get(url).status_code in (403, 404)
        assert client.post(url, {"tier": "achievement"}).status_code in (403, 404)
    assert not Certificate.objects.exists()


def test_another_centres_admin_cannot_issue(personas, other_admin):
    url = reverse("certificate_issue", args=[enrolment_for(personas).pk])
    assert client_for(other_admin).post(url, {"tier": "achievement"}).status_code == 404
    assert not Certificate.objects.exists()


# --- Reissue and revoke ----------------------------------------------------------------------------

def test_the_admin_reissues_and_is_taken_to_the_new_certificate(personas, certificate):
    response = client_for(personas.admin).post(reverse("certificate_reissue", args=[certificate.uuid]),
                                               {"reason": "Wrong date"})
    new = Certificate.objects.get(replaces=certificate)
    assert response.status_code == 302 and response.url == reverse("certificate_verify", args=[new.uuid])


def test_the_admin_revokes_with_a_reason(personas, certificate):
    client = client_for(personas.admin)
    url = reverse("certificate_revoke", args=[certificate.uuid])

    client.post(url, {"reason": ""})
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
    client.post(url, {"reason": "Issued to the wrong learner"})
    assert Certificate.objects.get(pk=certificate.pk).revocation_reason == "Issued to the wrong learner"


def test_no_one_but_the_centres_admin_reissues_or_revokes(personas, certificate, other_admin):
    for name in ("certificate_reissue", "certificate_revoke"):
        url = reverse(name, args=[certificate.uuid])
        for user in (personas.assessor, personas.moderator, personas.learner):
            assert client_for(user).post(url, {"reason": "x"}).status_code in (403, 404), (name, user)
        assert client_for(other_admin).post(url, {"reason": "x"}).status_code == 404
        assert client_for(personas.admin).get(url).status_code == 405
    certificate.refresh_from_db()
    assert certificate.revoked_at is None and not Certificate.objects.filter(replaces=certificate).exists()


# --- List and rules ----------------------------------------------------------------------------------

def test_the_list_shows_the_centres_certificates_and_the_enrolments_waiting(personas, certificate, other_admin):
    waiting = enrolment_for(personas, code="WAIT", learner=personas.second_learner)
    response = client_for(personas.admin).get(reverse("certificate_list"))

    page = response.content.decode()
    assert response.status_code == 200 and certificate.number in page
    assert reverse("certificate_issue", args=[waiting.pk]) in page
    assert reverse("certificate_issue", args=[certificate.enrolment_id]) not in page
    assert certificate.number not in client_for(other_admin).get(reverse("certificate_list")).content.decode()


def test_the_list_does_not_grow_in_queries_with_the_certificates(personas, django_assert_num_queries):
    client = client_for(personas.admin)
    certificate_issue(enrolment=enrolment_for(personas, code="A0"), actor=personas.admin)
    client.get(reverse("certificate_list"))  # the session and the centre context, once
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("certificate_list"))

    for i in range(4):
        certificate = certificate_issue(enrolment=enrolment_for(personas, code=f"B{i}"), actor=personas.admin)
    certificate_reissue(certificate=certificate, actor=personas.admin, reason="Typo")
    enrolment_for(personas, code="WAIT", learner=personas.second_learner)
    client.get(reverse("certificate_list"))  # warm again after the writes, like the first measurement
    with django_assert_num_queries(LIST_QUERIES):
        client.get(reverse("certificate_list"))


def test_the_admin_sets_the_rules(personas):
    data = {}
    for tier, hours in (("participation", 2), ("achievement", 10), ("diploma", 320)):
        data.update({f"{tier}-offered": "on", f"{tier}-minimum_hours": hours, f"{tier}-pass_mark": "Pass",
                     f"{tier}-capstone_unit_code": "CAP-1" if tier == "diploma" else ""})
    response = client_for(personas.admin).post(reverse("certificate_list"), data)

    assert response.status_code == 302
    rules = {r.tier: r for r in CertificateRule.objects.filter(centre=personas.centre)}
    assert rules["diploma"].minimum_hours == 320 and rules["diploma"].capstone_unit_code == "CAP-1"
    assert rules["achievement"].requires_summative_assessment  # the box cannot be unticked
    assert not rules["participation"].requires_summative_assessment


def test_only_admins_see_the_list_or_set_rules(personas):
    for user in (personas.assessor, personas.moderator, personas.learner, personas.outsider):
        client = client_for(user)
        assert client.get(reverse("certificate_list")).status_code == 403
        assert client.post(reverse("certificate_list"), {}).status_code == 403
    assert not CertificateRule.objects.exists()


def test_a_pdf_not_yet_rendered_is_asked_for_again_and_the_page_says_it_is_being_prepared(
        personas, certificate, monkeypatch):
    from badges.certificates import tasks

    queued = []
    monkeypatch.setattr(tasks.render_certificate_pdf, "delay", queued.append)
    response = client_for(personas.learner).get(reverse("certificate_pdf", args=[certificate.uuid]))

    assert response.status_code == 202 and "being prepared" in response.content.decode()
    assert queued == [certificate.pk]
