import base64
import copy
import json
from datetime import UTC, datetime

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from badges.openbadges.crypto.jwt import sign_vc_jwt, verify_vc_jwt

from .test_crypto_data_integrity import VECTOR

KID = "https://example.edu/issuers/565049/keys/7"


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def credential(**changes) -> dict:
    return {**copy.deepcopy(VECTOR["unsigned_credential"]), "validUntil": "2040-06-30T12:00:00Z", **changes}


def resolver_for(private_key):
    def resolve(url: str):
        if url != KID:
            raise LookupError("unknown key")
        return private_key.public_key()
    return resolve


def _segments(token: str) -> list[dict]:
    return [json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))) for part in token.split(".")[:2]]


def test_header_is_rs256_jwt_with_the_key_url_as_kid(rsa_key):
    header, _ = _segments(sign_vc_jwt(credential(), private_key=rsa_key, kid=KID))
    assert header == {"alg": "RS256", "typ": "JWT", "kid": KID}


def test_payload_is_the_credential_with_the_ob3_registered_claims(rsa_key):
    _, payload = _segments(sign_vc_jwt(credential(), private_key=rsa_key, kid=KID))
    assert payload["iss"] == "https://example.edu/issuers/565049"
    assert payload["jti"] == "http://example.com/credentials/3527"
    assert payload["sub"] == "did:example:ebfeb1f712ebc6f1c276e12ec21"
    assert payload["nbf"] == datetime(2010, 1, 1, tzinfo=UTC).timestamp()
    assert payload["exp"] == datetime(2040, 6, 30, 12, tzinfo=UTC).timestamp()
    assert {key: value for key, value in payload.items() if key not in ("iss", "jti", "sub", "nbf", "exp")} == \
        credential()


def test_without_valid_until_there_is_no_exp(rsa_key):
    document = credential()
    del document["validUntil"]
    _, payload = _segments(sign_vc_jwt(document, private_key=rsa_key, kid=KID))
    assert "exp" not in payload


def test_an_embedded_proof_is_left_out(rsa_key):
    _, payload = _segments(sign_vc_jwt(credential(proof={"type": "DataIntegrityProof"}), private_key=rsa_key,
                                       kid=KID))
    assert "proof" not in payload


def test_a_signed_token_verifies_and_gives_back_the_credential(rsa_key):
    token = sign_vc_jwt(credential(), private_key=rsa_key, kid=KID)
    result = verify_vc_jwt(token, public_key_resolver=resolver_for(rsa_key))
    assert result.ok, result.reason
    assert result.credential == credential()
    assert result.verification_method == KID


def test_a_changed_payload_fails(rsa_key):
    token = sign_vc_jwt(credential(), private_key=rsa_key, kid=KID)
    header, payload, signature = token.split(".")
    claims = _segments(token)[1] | {"name": "Leadership Badge"}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = verify_vc_jwt(f"{header}.{forged}.{signature}", public_key_resolver=resolver_for(rsa_key))
    assert not result.ok and "signature" in result.reason


def test_another_key_fails(rsa_key):
    token = sign_vc_jwt(credential(), private_key=rsa_key, kid=KID)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert not verify_vc_jwt(token, public_key_resolver=resolver_for(other)).ok


def test_an_unknown_kid_fails(rsa_key):
    token = sign_vc_jwt(credential(), private_key=rsa_key, kid="https://example.edu/issuers/565049/keys/8")
    result = verify_vc_jwt(token, public_key_resolver=resolver_for(rsa_key))
    assert not result.ok and "could not be resolved" in result.reason


def test_claims_that_disagree_with_the_credential_fail(rsa_key):
    claims = credential() | {"iss": "https://evil.example/issuers/1", "nbf": 1262304000}
    token = pyjwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": KID})
    result = verify_vc_jwt(token, public_key_resolver=resolver_for(rsa_key))
    assert not result.ok and "iss" in result.reason


def test_a_vc_claim_from_older_issuers_is_read(rsa_key):
    claims = {"vc": credential(), "iss": "https://example.edu/issuers/565049", "jti": credential()["id"]}
    token = pyjwt.encode(claims, rsa_key, algorithm="RS256", headers={"kid": KID})
    result = verify_vc_jwt(token, public_key_resolver=resolver_for(rsa_key))
    assert result.ok and result.credential == credential()


def test_only_rs256_is_accepted(rsa_key):
    secret = "a shared secret that is long enough for HS256"
    hs256 = pyjwt.encode(credential(), secret, algorithm="HS256", headers={"kid": KID})
    unsigned = pyjwt.encode(credential(), None, algorithm="none", headers={"kid": KID})
    for token in (hs256, unsigned):
        result = verify_vc_jwt(token, public_key_resolver=resolver_for(rsa_key))
        assert not result.ok and "RS256" in result.reason


def test_a_token_without_kid_fails(rsa_key):
    token = pyjwt.encode(credential(), rsa_key, algorithm="RS256")
    assert not verify_vc_jwt(token, public_key_resolver=resolver_for(rsa_key)).ok


def test_garbage_is_not_a_jwt(rsa_key):
    assert not verify_vc_jwt("not.a.jwt", public_key_resolver=resolver_for(rsa_key)).ok


def test_signing_needs_an_rsa_key_of_2048_bits_or_more():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    with pytest.raises(ValueError, match="2048"):
        sign_vc_jwt(credential(), private_key=small, kid=KID)


def test_signing_needs_an_issuer(rsa_key):
    document = credential()
    del document["issuer"]
    with pytest.raises(ValueError, match="issuer"):
        sign_vc_jwt(document, private_key=rsa_key, kid=KID)
