"""The public "verify a badge" page: drop a baked PNG or paste JSON/JWT, and see what our own verifier found.

Tests that need another module's part (baking, the OB 2.0 documents, the OB 3.0 credential) skip until it exists.
"""

import base64
import copy
import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from badges.models import Award
from badges.openbadges import baking, ob2, ob3
from tests.portfolios.evidence_samples import png_bytes

from .test_public_award import (
    SITE,
    _site_url,  # noqa: F401 (autouse)
    make_award,
    make_badge_class,
)


def verify(client, **data):
    if "image" in data:
        data["image"] = SimpleUploadedFile("badge.png", data["image"], content_type="image/png")
    response = client.post("/badges/verify/", data)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def award(personas):
    return make_award(make_badge_class(personas.centre), personas.learner)


def result_of(html: str) -> str:
    """The status class of the result banner."""
    marker = 'class="badge-state '
    assert marker in html, "no result shown"
    return html.split(marker, 1)[1].split('"', 1)[0]


# --- The form ------------------------------------------------------------------------------------------------

def test_the_page_is_public_and_labelled(client, db):
    html = client.get("/badges/verify/").content.decode()
    assert "<h1>Verify a badge</h1>" in html
    assert '<label for="id_image">' in html and '<label for="id_text">' in html
    assert 'enctype="multipart/form-data"' in html


def test_a_file_that_is_not_a_png_gets_a_clear_message(client, db):
    html = verify(client, image=b"GIF89a this is not a badge")
    assert "This file is not a PNG image" in html
    assert 'class="badge-state' not in html


def test_a_file_over_5_mb_is_refused(client, db):
    html = verify(client, image=b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024))
    assert "larger than 5 MB" in html


def test_an_empty_submission_asks_for_a_badge(client, db):
    assert "Choose a badge image, or paste" in verify(client, text="")


def test_text_that_is_not_json_or_jwt_is_explained(client, db):
    html = verify(client, text="hello, is this a badge?")
    assert result_of(html) == "invalid" and "neither JSON nor a JWT" in html


def test_json_that_is_not_a_badge_is_explained(client, db):
    html = verify(client, text='{"name": "a shopping list"}')
    assert result_of(html) == "invalid" and "not an Open Badges 2.0 assertion or 3.0 credential" in html


@pytest.mark.parametrize("text", ["[" * 50_000 + "]" * 50_000, "http://[::1", '{"proof": "x", "issuer": 1}',
                                  "a.b.c", '{"@context": "https://w3id.org/openbadges/v2", "recipient": []}'])
def test_crafted_input_gets_a_report_not_an_error(client, db, text):
    assert result_of(verify(client, text=text)) in ("invalid", "unknown_issuer", "tampered")


def test_posting_needs_the_csrf_token(db):
    assert Client(enforce_csrf_checks=True).post("/badges/verify/", {"text": "{}"}).status_code == 403


def test_checks_are_rate_limited(client, db):
    for _ in range(30):
        client.post("/badges/verify/", {"text": "x"})
    response = client.post("/badges/verify/", {"text": "x"})
    assert response.status_code == 429
    assert "Too many checks" in response.content.decode()


# --- Baked images --------------------------------------------------------------------------------------------

def test_a_png_without_a_badge_inside_is_explained(client, db):
    html = verify(client, image=png_bytes())
    assert result_of(html) == "invalid" and "no Open Badge baked into it" in html


def test_a_damaged_png_is_explained(client, db):
    html = verify(client, image=b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    assert result_of(html) == "invalid" and "damaged or unreadable" in html


# --- Open Badges 2.0 (hosted) --------------------------------------------------------------------------------

def ob2_assertion(award) -> dict:
    return ob2.assertion(award)


def baked_ob2(award) -> bytes:
    return baking.bake_png(png_bytes(), "openbadges", json.dumps(ob2_assertion(award)))


def test_a_baked_ob2_png_of_ours_verifies(client, award):
    html = verify(client, image=baked_ob2(award))
    assert result_of(html) == "valid", html
    assert "Open Badges 2.0 (hosted), baked in a PNG image" in html
    assert "Food Safety Level 2" in html and "North Vocational College" in html
    assert "email hidden" in html and award.recipient_email not in html
    assert f"/badges/awards/{award.uuid}/" in html


def test_the_image_baked_by_the_award_bakery_verifies(client, award):
    baked = baking.award_bake(award_id=award.pk)
    with baked.baked_ob2.open("rb") as f:
        assert result_of(verify(client, image=f.read())) == "valid"


def test_pasted_ob2_json_of_ours_verifies(client, award):
    assert result_of(verify(client, text=json.dumps(ob2_assertion(award)))) == "valid"


def test_tampered_ob2_json_is_reported_as_tampered(client, award):
    assertion = ob2_assertion(award)
    assertion["issuedOn"] = "2020-01-01T00:00:00Z"
    html = verify(client, text=json.dumps(assertion))
    assert result_of(html) == "tampered" and "issuedOn" in html


def test_a_tampered_baked_ob2_png_is_reported_as_tampered(client, award):
    assertion = ob2_assertion(award)
    assertion["badge"] = f"{SITE}/badges/ob2/badges/00000000-0000-0000-0000-000000000000"
    png = baking.bake_png(png_bytes(), "openbadges", json.dumps(assertion))
    assert result_of(verify(client, image=png)) == "tampered"


def test_evidence_chosen_after_baking_does_not_count_as_tampering(client, award, personas):
    from .test_public_award import learner_enrolment, make_evidence

    baked = ob2_assertion(award)
    award.public_evidence.add(make_evidence(learner_enrolment(personas)))
    assert result_of(verify(client, text=json.dumps(baked))) == "valid"


def test_a_revoked_ob2_badge_is_reported_with_its_reason(client, award):
    assertion = ob2_assertion(award)
    Award.objects.filter(pk=award.pk).update(revoked_at=timezone.now(), revocation_reason="Plagiarised evidence")
    html = verify(client, text=json.dumps(assertion))
    assert result_of(html) == "revoked" and "Plagiarised evidence" in html


def test_an_expired_ob2_badge_is_reported_as_expired(client, award):
    award.expires_at = timezone.now() - datetime.timedelta(days=2)
    award.save()
    assert result_of(verify(client, text=json.dumps(ob2_assertion(award)))) == "expired"


def test_an_ob2_assertion_hosted_elsewhere_is_not_fetched_and_not_recognised(client, award):
    assertion = ob2_assertion(award) | {"id": "http://169.254.169.254/latest/meta-data/"}
    html = verify(client, text=json.dumps(assertion))
    assert result_of(html) == "unknown_issuer" and "Issuer not recognised" in html


def test_an_ob2_id_on_our_site_that_we_never_issued_is_tampered(client, award):
    assertion = ob2_assertion(award)
    assertion["id"] = assertion["id"].replace(str(award.uuid), "00000000-0000-0000-0000-000000000000")
    assert result_of(verify(client, text=json.dumps(assertion))) == "tampered"


# --- Open Badges 3.0 (Data Integrity and VC-JWT), as badges.ob3 signs them ----------------------------------


def test_an_ob3_credential_of_ours_verifies(client, award):
    html = verify(client, text=json.dumps(ob3.signed_credential(award)))
    assert result_of(html) == "valid", html
    assert "Data Integrity" in html and "email hidden" in html and award.recipient_email not in html
    assert f"/badges/awards/{award.uuid}/" in html


def test_a_tampered_ob3_credential_is_reported_as_tampered(client, award):
    credential = copy.deepcopy(ob3.signed_credential(award))
    credential["credentialSubject"]["achievement"]["name"] = "Head Chef Diploma"
    html = verify(client, text=json.dumps(credential))
    assert result_of(html) == "tampered" and "Head Chef Diploma" in html and "not confirmed" in html


def test_an_ob3_credential_claiming_our_issuer_but_signed_elsewhere_is_tampered(client, award):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from badges.openbadges.crypto.data_integrity import sign_eddsa_rdfc_2022

    forged = sign_eddsa_rdfc_2022(ob3.credential(award), private_key=Ed25519PrivateKey.generate(),
                                  verification_method="https://evil.example/keys/1", created="2026-01-01T00:00:00Z")
    assert result_of(verify(client, text=json.dumps(forged))) == "tampered"


def test_a_credential_of_another_issuer_is_not_recognised(client, award):
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "http://example.com/credentials/3527", "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://example.edu/issuers/565049", "type": ["Profile"], "name": "Example Corp"},
        "validFrom": "2010-01-01T00:00:00Z", "name": "Teamwork Badge",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"name": "Teamwork"}},
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                  "verificationMethod": "https://example.edu/issuers/565049#key", "proofPurpose": "assertionMethod",
                  "proofValue": "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgX"},
    }
    html = verify(client, text=json.dumps(credential))
    assert result_of(html) == "unknown_issuer"
    assert "cannot be checked here" in html and "Example Corp" in html and "Teamwork" in html


def test_a_revoked_ob3_credential_is_reported_as_revoked(client, award):
    credential = ob3.signed_credential(award)
    Award.objects.filter(pk=award.pk).update(revoked_at=timezone.now(), revocation_reason="Issued in error")
    html = verify(client, text=json.dumps(credential))
    assert result_of(html) == "revoked" and "Issued in error" in html


def test_an_expired_ob3_credential_is_reported_as_expired(client, award):
    award.issued_on = timezone.now() - datetime.timedelta(days=400)
    award.expires_at = timezone.now() - datetime.timedelta(days=35)
    award.save()
    assert result_of(verify(client, text=json.dumps(ob3.signed_credential(award)))) == "expired"


def test_an_ob3_credential_without_proof_is_not_trusted(client, award):
    assert result_of(verify(client, text=json.dumps(ob3.credential(award)))) == "tampered"


def test_a_vc_jwt_of_ours_verifies_and_a_tampered_one_does_not(client, award):
    token = ob3.signed_jwt(award)
    html = verify(client, text=token)
    assert result_of(html) == "valid", html
    assert "VC-JWT" in html
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Head Chef Diploma"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert result_of(verify(client, text=f"{header}.{forged}.{signature}")) == "tampered"


def test_a_baked_ob3_png_of_ours_verifies(client, award):
    png = baking.bake_png(png_bytes(), "openbadgecredential", json.dumps(ob3.signed_credential(award)))
    html = verify(client, image=png)
    assert result_of(html) == "valid" and "baked in a PNG image" in html


def test_the_baked_ob3_image_of_an_award_verifies(client, award):
    baked = baking.award_bake(award_id=award.pk)
    assert baked.baked_ob3, "the OB 3.0 image is baked"
    with baked.baked_ob3.open("rb") as f:
        assert result_of(verify(client, image=f.read())) == "valid"


def test_the_limit_counts_the_client_behind_the_load_balancer(settings, db):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    first, second = Client(), Client()
    for _ in range(30):
        first.post("/badges/verify/", {"text": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.10", **balancer)
    assert first.post("/badges/verify/", {"text": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.10",
                      **balancer).status_code == 429
    assert second.post("/badges/verify/", {"text": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.11",
                       **balancer).status_code == 200
