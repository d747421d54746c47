"""Our proofs checked by code we did not write: Digital Bazaar's @digitalbazaar/vc and jose (tests/node/)."""

import base64
import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.models import IssuerKey
from badges.openbadges.crypto.contexts import bundled_contexts
from badges.openbadges.crypto.data_integrity import sign_eddsa_rdfc_2022
from badges.openbadges.crypto.jwt import sign_vc_jwt
from badges.openbadges.crypto.multibase import encode_public_key
from badges.openbadges.keys import (
    CONTROLLER_TERMS,
    controller_document,
    issuer_id,
    issuer_key,
    jwk,
    multikey_document,
    private_key_of,
    rotate_issuer_key,
    verification_method_id,
)
from centres.models import Role
from tests.conftest import need_service
from tests.factories import CentreFactory, staff

from .test_crypto_data_integrity import VECTOR

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"


def node_verify(payload: dict) -> dict:
    if shutil.which("node") is None or not (NODE_DIR / "node_modules").is_dir():
        need_service("node and tests/node/node_modules are needed: run npm ci --prefix tests/node")
    completed = subprocess.run(["node", str(NODE_DIR / "verify.mjs")], input=json.dumps(payload),
                               capture_output=True, text=True, timeout=120, check=True)
    return json.loads(completed.stdout)


def node_verify_credential(credential: dict, *, controller: dict, verification_method: dict | None = None) -> dict:
    payload = {"credential": credential, "contexts": bundled_contexts(), "controller": controller}
    if verification_method is not None:
        payload["verificationMethod"] = verification_method
    return node_verify(payload)


def controller_for(controller_id: str, methods: list[dict]) -> dict:
    """A controller document shaped like badges.keys.controller_document, for keys outside the database."""
    return {"@context": [MULTIKEY_V1, CONTROLLER_TERMS], "id": controller_id,
            "verificationMethod": methods, "assertionMethod": [method["id"] for method in methods]}


def leap_like_credential(issuer: str) -> dict:
    """An OB 3.0 credential with the kinds of values LEAP issues: numbers, nested objects, awkward text."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:8c7b1c2e-2f7d-4a8e-9d31-5b0e6f1a7c42",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "North Vocational College",
                   "url": "https://north.example"},
        "validFrom": "2024-05-01T09:30:00Z",
        "name": 'Unit 201 — "Health & safety"\tin the workplace',
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityHash": "sha256$" + "ab" * 32,
                            "identityType": "emailAddress", "hashed": True, "salt": "f3a9"}],
            "achievement": {
                "id": "https://leap.example/badges/classes/5c9e",
                "type": ["Achievement"],
                "achievementType": "Competency",
                "name": "Health and safety 🦺",
                "description": "Works safely.\nKnows the back\\slash rule.",
                "criteria": {"narrative": "All assessment criteria met (1.1–3.4)."},
                "creditsAvailable": 10,
                "image": {"id": "https://leap.example/media/badge.png", "type": "Image"},
                "alignment": [{"type": ["Alignment"], "targetName": "Level 2 Diploma",
                               "targetUrl": "https://example.org/frameworks/l2", "targetCode": "201"}],
            },
        },
    }


# --- Data Integrity: the official vector -----------------------------------------------------------------

def _vector_controller() -> tuple[dict, dict]:
    pair = VECTOR["key_pair"]
    method = {"id": pair["id"], "type": "Multikey", "controller": pair["controller"],
              "publicKeyMultibase": pair["publicKeyMultibase"]}
    return controller_for(pair["controller"], [method]), {"@context": MULTIKEY_V1, **method}


def _signed_vector() -> dict:
    return {**copy.deepcopy(VECTOR["unsigned_credential"]),
            "proof": {**VECTOR["proof_options"], "proofValue": VECTOR["expected_proofValue"]}}


def test_the_official_vector_verifies_in_node():
    controller, method = _vector_controller()
    result = node_verify_credential(_signed_vector(), controller=controller, verification_method=method)
    assert result == {"verified": True, "error": None}


def test_the_official_vector_tampered_fails_in_node():
    controller, method = _vector_controller()
    tampered = _signed_vector()
    tampered["credentialSubject"]["achievement"]["name"] = "Leadership"
    result = node_verify_credential(tampered, controller=controller, verification_method=method)
    assert result["verified"] is False and "Invalid signature" in result["error"]


# --- Data Integrity: signed by our code --------------------------------------------------------------------

@pytest.fixture
def fresh_key():
    private_key = Ed25519PrivateKey.generate()
    issuer = "https://leap.example/badges/issuers/1"
    method = {"id": f"{issuer}/keys/1", "type": "Multikey", "controller": issuer,
              "publicKeyMultibase": encode_public_key(private_key.public_key())}
    return private_key, issuer, method


def _sign_fresh(fresh_key, **kwargs) -> dict:
    private_key, issuer, method = fresh_key
    return sign_eddsa_rdfc_2022(leap_like_credential(issuer), private_key=private_key,
                                verification_method=method["id"], created="2024-05-01T09:30:05Z", **kwargs)


@pytest.mark.parametrize("proof_as_list", [True, False], ids=["proof list", "proof object"])
def test_our_signature_with_a_fresh_key_verifies_in_node(fresh_key, proof_as_list):
    _, issuer, method = fresh_key
    signed = _sign_fresh(fresh_key, proof_as_list=proof_as_list)
    result = node_verify_credential(signed, controller=controller_for(issuer, [method]))
    assert result == {"verified": True, "error": None}


@pytest.mark.parametrize("change", [
    lambda c: c.update(name="Unit 202"),
    lambda c: c["issuer"].update(name="South Skills Academy"),
    lambda c: c.update(validFrom="2023-05-01T09:30:00Z"),
    lambda c: c["credentialSubject"]["achievement"].update(creditsAvailable=20),
    lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "cd" * 32),
], ids=["name", "issuer name", "validFrom", "credits", "recipient"])
def test_our_signature_tampered_fails_in_node(fresh_key, change):
    _, issuer, method = fresh_key
    signed = _sign_fresh(fresh_key, proof_as_list=True)
    change(signed)
    result = node_verify_credential(signed, controller=controller_for(issuer, [method]))
    assert result["verified"] is False and "Invalid signature" in result["error"]


def test_a_key_the_controller_does_not_list_fails_in_node(fresh_key):
    _, issuer, method = fresh_key
    signed = _sign_fresh(fresh_key)
    result = node_verify_credential(signed, controller=controller_for(issuer, []),
                                    verification_method={"@context": MULTIKEY_V1, **method})
    assert result["verified"] is False and "not authorized" in result["error"]


# --- Data Integrity: keys from the database, published documents --------------------------------------------

@pytest.fixture
def centre(db, settings):
    settings.SITE_URL = "https://leap.example"
    return CentreFactory()


def _sign_with(key: IssuerKey, centre) -> dict:
    return sign_eddsa_rdfc_2022(leap_like_credential(issuer_id(centre)), private_key=private_key_of(key),
                                verification_method=verification_method_id(key), created="2024-05-01T09:30:05Z",
                                proof_as_list=True)


def test_an_issuer_key_with_its_published_documents_verifies_in_node(centre):
    key = issuer_key(centre, IssuerKey.Algorithm.ED25519)
    result = node_verify_credential(_sign_with(key, centre), controller=controller_document(centre),
                                    verification_method=multikey_document(key))
    assert result == {"verified": True, "error": None}


def test_an_award_signed_before_rotation_verifies_in_node_after_it(centre):
    old = issuer_key(centre, IssuerKey.Algorithm.ED25519)
    signed = _sign_with(old, centre)
    rotate_issuer_key(centre=centre, algorithm=IssuerKey.Algorithm.ED25519,
                      actor=staff(centre, Role.CENTRE_ADMIN))
    result = node_verify_credential(signed, controller=controller_document(centre),
                                    verification_method=multikey_document(old))
    assert result == {"verified": True, "error": None}


def test_another_centres_key_does_not_verify_as_this_centre_in_node(centre):
    other = CentreFactory()
    key = issuer_key(other, IssuerKey.Algorithm.ED25519)
    forged = _sign_with(key, centre)  # claims `centre` as issuer
    result = node_verify_credential(forged, controller=controller_document(other),
                                    verification_method=multikey_document(key))
    assert result["verified"] is False and "issuer must match the verification method controller" in result["error"]


# --- VC-JWT -------------------------------------------------------------------------------------------------

def _jwt_for(centre) -> tuple[str, dict]:
    key = issuer_key(centre, IssuerKey.Algorithm.RSA)
    credential = leap_like_credential(issuer_id(centre)) | {"validUntil": "2099-01-01T00:00:00Z"}
    return sign_vc_jwt(credential, private_key=private_key_of(key), kid=key.key_id), jwk(key)


def test_our_vc_jwt_verifies_with_jose_in_node(centre):
    token, public_jwk = _jwt_for(centre)
    result = node_verify({"jwt": token, "jwk": public_jwk})
    assert result["verified"] is True, result["error"]
    assert result["header"] == {"alg": "RS256", "typ": "JWT", "kid": public_jwk["kid"]}
    assert result["payload"]["iss"] == issuer_id(centre)
    assert result["payload"]["name"] == leap_like_credential(issuer_id(centre))["name"]


def test_our_vc_jwt_tampered_fails_with_jose_in_node(centre):
    token, public_jwk = _jwt_for(centre)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["name"] = "Unit 202"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = node_verify({"jwt": f"{header}.{forged}.{signature}", "jwk": public_jwk})
    assert result["verified"] is False and "signature" in result["error"]


def test_our_vc_jwt_with_another_centres_key_fails_with_jose_in_node(centre):
    token, _ = _jwt_for(centre)
    _, other_jwk = _jwt_for(CentreFactory())
    result = node_verify({"jwt": token, "jwk": other_jwk})
    assert result["verified"] is False and "signature" in result["error"]
