import copy
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.openbadges.crypto.data_integrity import (
    CanonicalisationError,
    canonicalise,
    sign_eddsa_rdfc_2022,
    verify_eddsa_rdfc_2022,
)
from badges.openbadges.crypto.multibase import decode_public_key, decode_secret_key

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "standards" / "openbadges"

# The official Open Badges 3.0 eddsa-rdfc-2022 test vector (shared/standards/openbadges/), kept here so the
# test stands on its own; test_vector_copy_matches_the_shared_one checks the two agree.
VECTOR = {
    "key_pair": {
        "id": "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "controller": "https://example.edu/issuers/565049",
        "publicKeyMultibase": "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "secretKeyMultibase": "zrv2bqTbNwCTsRrHFcJCPjVAduh4Ezcnoq1A3ZxH1GWTNkxipLVuaAoMFmze2gFN9oNXfJjufxSHWVZz"
                              "sJiUsMHFMcx",
    },
    "proof_options": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2010-01-01T19:23:24Z",
        "verificationMethod": "https://example.edu/issuers/565049#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
        "proofPurpose": "assertionMethod",
    },
    "unsigned_credential": {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "http://example.com/credentials/3527",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": "https://example.edu/issuers/565049",
            "type": ["Profile"],
            "url": "https://www.imsglobal.org",
            "name": "Example Corp",
        },
        "validFrom": "2010-01-01T00:00:00Z",
        "name": "Teamwork Badge",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.com/achievements/21st-century-skills/teamwork",
                "type": ["Achievement"],
                "criteria": {
                    "narrative": "Team members are nominated for this badge by their peers and recognized upon review "
                                 "by Example Corp management."
                },
                "description": "This badge recognizes the development of the capacity to collaborate within a group "
                               "environment.",
                "name": "Teamwork",
            },
        },
    },
    "expected_proofValue": "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr",
}


def vector_private_key() -> Ed25519PrivateKey:
    return decode_secret_key(VECTOR["key_pair"]["secretKeyMultibase"])


def sign_vector(**kwargs) -> dict:
    options = VECTOR["proof_options"]
    return sign_eddsa_rdfc_2022(
        copy.deepcopy(VECTOR["unsigned_credential"]), private_key=vector_private_key(),
        verification_method=options["verificationMethod"], created=options["created"], **kwargs,
    )


def vector_resolver(url: str):
    if url != VECTOR["key_pair"]["id"]:
        raise LookupError(f"unknown key {url}")
    return decode_public_key(VECTOR["key_pair"]["publicKeyMultibase"])


def test_vector_copy_matches_the_shared_one():
    path = SHARED / "ob3-eddsa-rdfc-2022-test-vector.json"
    if not path.exists():
        pytest.skip("shared/ is not beside the project")
    shared = json.loads(path.read_text())
    assert {key: shared[key] for key in VECTOR} == VECTOR


def test_signing_the_official_vector_gives_its_expected_proof_value_exactly():
    signed = sign_vector()
    assert signed["proof"] == {**VECTOR["proof_options"], "proofValue": VECTOR["expected_proofValue"]}


def test_the_official_vector_verifies():
    signed = {**VECTOR["unsigned_credential"],
              "proof": {**VECTOR["proof_options"], "proofValue": VECTOR["expected_proofValue"]}}
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver)
    assert result.ok, result.reason
    assert result.verification_method == VECTOR["key_pair"]["id"]


def test_proof_as_list_wraps_the_same_proof_and_verifies():
    signed = sign_vector(proof_as_list=True)
    assert signed["proof"] == [sign_vector()["proof"]]
    assert verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver).ok


def test_signing_leaves_the_callers_document_alone():
    document = copy.deepcopy(VECTOR["unsigned_credential"])
    sign_eddsa_rdfc_2022(document, private_key=vector_private_key(), verification_method="https://example.edu/k",
                         created="2024-01-01T00:00:00Z")
    assert document == VECTOR["unsigned_credential"]


def _set(path: str, value):
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[key]
        target[last] = value
    return change


def _delete(path: str):
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[key]
        del target[last]
    return change


TAMPERINGS = {
    "name": _set("name", "Teamwork Badge (gold)"),
    "issuer id": _set("issuer.id", "https://evil.example/issuers/1"),
    "issuer name": _set("issuer.name", "Another Corp"),
    "validFrom": _set("validFrom", "2009-01-01T00:00:00Z"),
    "credential id": _set("id", "http://example.com/credentials/3528"),
    "credentialSubject id": _set("credentialSubject.id", "did:example:someone-else"),
    "achievement name": _set("credentialSubject.achievement.name", "Leadership"),
    "criteria": _set("credentialSubject.achievement.criteria.narrative", "Anyone."),
    "type": _set("type", ["VerifiableCredential", "EndorsementCredential"]),
    "added validUntil": _set("validUntil", "2030-01-01T00:00:00Z"),
    "added description": _set("description", "An extra claim"),
    "removed achievement description": _delete("credentialSubject.achievement.description"),
    "proof created": _set("proof.created", "2010-01-02T19:23:24Z"),
    "proof value": _set("proof.proofValue", VECTOR["expected_proofValue"][:-1] + "s"),
}


@pytest.mark.parametrize("change", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_changing_a_signed_field_fails_verification(change):
    signed = sign_vector()
    change(signed)
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver)
    assert not result.ok
    assert result.reason


def test_changing_a_field_of_a_proof_in_a_list_fails_verification():
    signed = sign_vector(proof_as_list=True)
    signed["name"] = "Changed"
    assert not verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver).ok


def test_another_key_does_not_verify():
    signed = sign_vector()
    other = Ed25519PrivateKey.generate().public_key()
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=lambda url: other)
    assert not result.ok and "signature" in result.reason


def test_pointing_the_proof_at_another_key_fails():
    signed = sign_vector()
    signed["proof"]["verificationMethod"] = "https://example.edu/issuers/565049#other"
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver)
    assert not result.ok and "could not be resolved" in result.reason


def test_a_proof_for_another_purpose_is_refused():
    options = VECTOR["proof_options"]
    signed = sign_eddsa_rdfc_2022(VECTOR["unsigned_credential"], private_key=vector_private_key(),
                                  verification_method=options["verificationMethod"], created=options["created"],
                                  proof_purpose="authentication")
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver)
    assert not result.ok and "purpose" in result.reason


@pytest.mark.parametrize("proof", [None, [], "z123", {"type": "Ed25519Signature2020"}])
def test_a_missing_or_foreign_proof_fails(proof):
    document = {**VECTOR["unsigned_credential"], "proof": proof}
    assert not verify_eddsa_rdfc_2022(document, public_key_resolver=vector_resolver).ok


def test_two_proofs_are_not_accepted_as_one():
    signed = sign_vector()
    document = {**signed, "proof": [signed["proof"], signed["proof"]]}
    result = verify_eddsa_rdfc_2022(document, public_key_resolver=vector_resolver)
    assert not result.ok and "exactly one proof" in result.reason


def test_a_proof_context_that_repeats_the_documents_verifies():
    signed = sign_vector()
    signed["proof"]["@context"] = signed["@context"]
    assert verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver).ok


def test_a_proof_context_that_differs_from_the_documents_fails():
    signed = sign_vector()
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    signed["@context"] = ["https://www.w3.org/2018/credentials/v1"]
    assert not verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver).ok


def test_signing_needs_a_timezone_in_created():
    with pytest.raises(ValueError, match="created"):
        sign_eddsa_rdfc_2022(VECTOR["unsigned_credential"], private_key=vector_private_key(),
                             verification_method="https://example.edu/k", created="2010-01-01T19:23:24")


def test_signing_a_signed_document_is_refused():
    with pytest.raises(ValueError, match="already has a proof"):
        sign_eddsa_rdfc_2022(sign_vector(), private_key=vector_private_key(),
                             verification_method="https://example.edu/k", created="2010-01-01T19:23:24Z")


def _vector_with(change) -> dict:
    document = copy.deepcopy(VECTOR["unsigned_credential"])
    change(document)
    return document


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["@context"].append("https://example.com/unknown-context.json"), "not bundled"),
    (_set("id", "credentials/3527"), "not an absolute IRI"),
    (_set("issuer.id", "not a url"), "not an absolute IRI"),
    (_set("name", "bell\x07"), "control characters"),
    (_set("@unknown", 1), "not defined"),
])
def test_what_would_not_be_signed_faithfully_is_refused(change, message):
    with pytest.raises(CanonicalisationError, match=message):
        canonicalise(_vector_with(change))


def test_text_with_tabs_quotes_and_emoji_is_signed_and_verified():
    document = _vector_with(_set("name", 'Tab\there, "quotes", back\\slash, new\nline, é and 🎓'))
    signed = sign_eddsa_rdfc_2022(document, private_key=vector_private_key(),
                                  verification_method=VECTOR["key_pair"]["id"], created="2024-01-01T00:00:00Z")
    assert verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver).ok


def test_verifying_a_document_with_an_unknown_context_fails_without_the_network():
    signed = sign_vector()
    signed["@context"] = [*signed["@context"], "https://example.com/unknown-context.json"]
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver)
    assert not result.ok and "not bundled" in result.reason


def test_the_list_form_passes_the_ob3_schema_and_the_object_form_does_not():
    jsonschema = pytest.importorskip("jsonschema")
    path = Path(__file__).parent / "standards" / "ob_v3p0_achievementcredential_schema.json"
    validator = jsonschema.Draft201909Validator(json.loads(path.read_text()))
    assert list(validator.iter_errors(sign_vector(proof_as_list=True))) == []
    assert list(validator.iter_errors(sign_vector())) != []


def test_what_is_signed_is_the_statement_so_a_context_alias_verifies():
    # The OB 3.0 context defines AchievementCredential as another name for OpenBadgeCredential.
    signed = sign_vector()
    signed["type"] = ["VerifiableCredential", "AchievementCredential"]
    assert verify_eddsa_rdfc_2022(signed, public_key_resolver=vector_resolver).ok
