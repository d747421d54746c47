"""The hosted OB 3.0 documents: credentials, the issuer (profile and controller document), keys, status lists.
Our signatures are checked with the documents as served, by code we did not write (tests/node/)."""

import copy
import json

import pytest
from django.test import Client
from django.urls import reverse

from badges.awards.services import award_revoke
from badges.models import Award, IssuerKey
from badges.openbadges import addresses, ob3, status_lists
from badges.openbadges.crypto.contexts import bundled_contexts
from badges.openbadges.keys import issuer_id, issuer_key, rotate_issuer_key

from .test_crypto_node import node_verify
from .test_ob3 import SITE, _site, hand_award, no_network, tamper_jwt, unit_award  # noqa: F401 (fixtures)


@pytest.fixture
def award(personas) -> Award:
    return unit_award(personas)


def path_of(url: str) -> str:
    assert url.startswith(SITE), url
    return url[len(SITE):]


def get(url: str, status: int = 200):
    response = Client().get(path_of(url) if url.startswith("http") else url)
    assert response.status_code == status, (url, response.status_code)
    return response


def served_controller(award) -> dict:
    return get(issuer_id(award.badge_class.centre)).json()


def served_method(credential: dict) -> dict:
    return get(credential["proof"][0]["verificationMethod"]).json()


def node_check(credential: dict, award) -> dict:
    """Digital Bazaar's verifier with our issuer document as controller and our key document, as served."""
    return node_verify({"credential": credential, "contexts": bundled_contexts(),
                        "controller": served_controller(award), "verificationMethod": served_method(credential)})


def served_jwk(token: str) -> dict:
    import jwt as pyjwt

    return get(pyjwt.get_unverified_header(token)["kid"]).json()


# --- The credential, as JSON and as a JWT ---------------------------------------------------------------------

def test_the_credential_is_served_at_its_id(award):
    response = get(addresses.credential_url(award))
    assert response["Content-Type"] == "application/vc+ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == ob3.signed_credential(award) == award.credential_ob3
    assert response.json()["id"] == addresses.credential_url(award)


def test_the_jwt_is_served_beside_it(award):
    response = get(addresses.jwt_url(award))
    assert response["Content-Type"] == "application/vc+jwt"
    assert response.content.decode() == ob3.signed_jwt(award)
    assert addresses.jwt_url(award) == f"{addresses.credential_url(award)}.jwt"


def test_a_revoked_credential_is_still_served_and_its_status_is_in_the_list(award, personas):
    award_revoke(award=award, reason="Issued in error", actor=personas.admin)
    assert get(addresses.credential_url(award)).json() == award.credential_ob3
    assert get(addresses.jwt_url(award)).status_code == 200


def test_unknown_credentials_are_404(db):
    get("/badges/ob3/credentials/00000000-0000-0000-0000-000000000000", 404)
    get("/badges/ob3/credentials/00000000-0000-0000-0000-000000000000.jwt", 404)


def test_the_public_award_page_links_both_ob3_formats(award):
    html = Client().get(reverse("award_public", args=[award.uuid])).content.decode()
    assert addresses.credential_url(award) in html and addresses.jwt_url(award) in html


def test_the_documents_are_read_only(award):
    client = Client()
    for url in (addresses.credential_url(award), addresses.jwt_url(award), issuer_id(award.badge_class.centre)):
        assert client.post(path_of(url)).status_code == 405


# --- The issuer: profile, controller document, keys -------------------------------------------------------------

def test_the_issuer_is_an_ob3_profile_and_the_controller_of_its_keys(award):
    centre = award.badge_class.centre
    key = issuer_key(centre, IssuerKey.Algorithm.ED25519)
    document = served_controller(award)
    assert document["id"] == issuer_id(centre) and document["type"] == ["Profile"]
    assert document["name"] == centre.name and document["address"]["addressCountryCode"] == centre.country.upper()
    assert document["@context"][:2] == ["https://www.w3.org/ns/credentials/v2",
                                        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert document["assertionMethod"] == [key.key_id]
    assert document["verificationMethod"] == [{"id": key.key_id, "type": "Multikey", "controller": document["id"],
                                               "publicKeyMultibase": key.public_key}]
    assert get(issuer_id(centre))["Content-Type"] == "application/ld+json"


def test_the_issuer_document_is_defined_by_its_contexts(award):
    from badges.openbadges.crypto.data_integrity import canonicalise

    canonicalise(served_controller(award))  # strict: Digital Bazaar frames it in safe mode too


def test_each_key_is_served_at_its_url(award):
    centre = award.badge_class.centre
    ed, rsa = issuer_key(centre, "Ed25519"), issuer_key(centre, "RS256")
    ob3.signed_jwt(award)
    method = get(ed.key_id).json()
    assert method["id"] == ed.key_id and method["type"] == "Multikey" and method["publicKeyMultibase"] == ed.public_key
    public_jwk = get(rsa.key_id)
    assert public_jwk["Content-Type"] == "application/jwk+json"
    assert public_jwk.json()["kid"] == rsa.key_id and public_jwk.json()["kty"] == "RSA"
    assert "d" not in public_jwk.json() and "private" not in json.dumps(method).lower()
    jwks = get(f"{issuer_id(centre)}/jwks").json()
    assert [k["kid"] for k in jwks["keys"]] == [rsa.key_id]


def test_a_key_is_only_found_under_its_own_issuer(award, personas):
    key = issuer_key(award.badge_class.centre, "Ed25519")
    get(f"/badges/issuers/{personas.other_centre.pk}/keys/{key.pk}", 404)
    get(f"/badges/issuers/{award.badge_class.centre_id}/keys/987654", 404)


def test_a_centre_that_issues_nothing_is_not_an_issuer(award, personas):
    for suffix in ("", "/jwks", "/revocations", "/status/revocation"):
        get(f"/badges/issuers/{personas.other_centre.pk}{suffix}", 404)
        get(f"/badges/issuers/987654{suffix}", 404)


# --- Independent verifiers, with the documents as served ---------------------------------------------------------

def test_the_proof_verifies_in_node_with_the_served_documents(award):
    assert node_check(award.credential_ob3, award) == {"verified": True, "error": None}


@pytest.mark.parametrize("change", [
    lambda c: c.update(name="Head Chef Diploma"),
    lambda c: c["issuer"].update(name="South Skills Academy"),
    lambda c: c.update(validFrom="2001-01-01T00:00:00Z"),
    lambda c: c["credentialSubject"]["achievement"].update(name="Leadership"),
], ids=["name", "issuer", "validFrom", "credentialSubject"])
def test_a_tampered_credential_fails_in_node(award, change):
    tampered = copy.deepcopy(award.credential_ob3)
    change(tampered)
    result = node_check(tampered, award)
    assert result["verified"] is False and "Invalid signature" in result["error"]


def test_the_jwt_verifies_with_jose_with_the_served_jwk(award):
    token = get(addresses.jwt_url(award)).content.decode()
    result = node_verify({"jwt": token, "jwk": served_jwk(token)})
    assert result["verified"] is True, result["error"]
    assert result["payload"]["iss"] == issuer_id(award.badge_class.centre)
    assert result["payload"]["credentialSubject"] == award.credential_ob3["credentialSubject"]


@pytest.mark.parametrize("change", [
    lambda c: c.update(name="Head Chef Diploma"),
    lambda c: c["issuer"].update(name="South Skills Academy"),
    lambda c: c.update(validFrom="2001-01-01T00:00:00Z"),
    lambda c: c["credentialSubject"]["achievement"].update(name="Leadership"),
], ids=["name", "issuer", "validFrom", "credentialSubject"])
def test_a_tampered_jwt_fails_with_jose(award, change):
    token = ob3.signed_jwt(award)
    result = node_verify({"jwt": tamper_jwt(token, change), "jwk": served_jwk(token)})
    assert result["verified"] is False and "signature" in result["error"]


def test_after_rotation_an_old_award_verifies_in_node_and_a_new_one_uses_the_new_key(award, personas):
    centre = award.badge_class.centre
    old_token = ob3.signed_jwt(award)
    new_ed = rotate_issuer_key(centre=centre, algorithm="Ed25519", actor=personas.admin)
    rotate_issuer_key(centre=centre, algorithm="RS256", actor=personas.admin)

    old = get(addresses.credential_url(award)).json()
    assert old == award.credential_ob3
    assert node_check(old, award) == {"verified": True, "error": None}
    assert node_verify({"jwt": old_token, "jwk": served_jwk(old_token)})["verified"] is True

    new_award = hand_award(personas, learner=personas.second_learner)
    new = get(addresses.credential_url(new_award)).json()
    assert new["proof"][0]["verificationMethod"] == new_ed.key_id
    assert node_check(new, new_award) == {"verified": True, "error": None}
    assert len(served_controller(award)["assertionMethod"]) == 2


# --- Status lists -------------------------------------------------------------------------------------------

def test_the_revocation_list_names_revoked_credentials(award, personas):
    url = award.credential_ob3["credentialStatus"]["id"]
    listed = get(url)
    assert listed["Content-Type"] == "application/json"
    assert listed.json() == {"id": url, "issuer": issuer_id(award.badge_class.centre), "revokedCredentials": []}
    award_revoke(award=award, reason="Issued in error", actor=personas.admin)
    assert get(url).json()["revokedCredentials"] == [{"id": award.credential_ob3["id"],
                                                      "revocationReason": "Issued in error"}]


def test_the_bitstring_status_list_is_a_signed_credential_with_the_awards_bit(award, personas):
    centre = award.badge_class.centre
    url = status_lists.status_list_url(centre)
    assert url == f"{SITE}/badges/issuers/{centre.pk}/status/revocation"
    before = get(url).json()
    bits = status_lists.decode_bits(before["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == status_lists.MIN_BITS and not status_lists.bit_is_set(bits, award.status_index)

    award_revoke(award=award, reason="Issued in error", actor=personas.admin)
    after = get(url).json()
    assert after["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert after["credentialSubject"]["statusPurpose"] == "revocation"
    bits = status_lists.decode_bits(after["credentialSubject"]["encodedList"])
    assert status_lists.bit_is_set(bits, award.status_index)
    assert sum(bin(byte).count("1") for byte in bits) == 1
    result = node_verify({"credential": after, "contexts": bundled_contexts(), "controller": served_controller(award),
                          "verificationMethod": served_method(after)})
    assert result == {"verified": True, "error": None}
