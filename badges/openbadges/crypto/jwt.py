"""VC-JWT with RS256: the Open Badges 3.0 "JSON Web Token Proof Format" (1EdTech OB 3.0, 8.2).

What is signed (our reading of 8.2.4, which follows VC-JOSE-COSE for the VC Data Model 2.0):

- JOSE header: ``alg`` ``RS256`` (the algorithm OB 3.0 requires every implementation to support), ``typ``
  ``JWT``, and ``kid``, a URL that dereferences to the issuer's public key as a JWK.
- Payload: the credential itself, its properties at the top level (not under a ``vc`` claim, which was the
  VC Data Model 1.1 encoding), without any embedded proof (the JWT is the proof), plus the registered claims
  OB 3.0 lists for compatibility: ``iss`` = issuer id, ``jti`` = credential id, ``sub`` = credentialSubject
  id, ``nbf`` = validFrom and ``exp`` = validUntil (when present) as NumericDate.

Verification accepts a ``typ`` of ``JWT`` or ``vc+jwt`` and, from older issuers, a credential under a ``vc``
claim. The registered claims must agree with the credential they duplicate. Only the proof is checked:
dates (``nbf``/``exp``, i.e. validFrom/validUntil), revocation and trust in the issuer are the caller's checks,
as for Data Integrity proofs, so that both formats of one award give the same answer.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from badges.openbadges.crypto.result import VerificationResult, failed

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048
ACCEPTED_TYPES = ("JWT", "vc+jwt")
REGISTERED_CLAIMS = ("iss", "jti", "sub", "nbf", "exp", "iat", "aud")

PublicKeyResolver = Callable[[str], RSAPublicKey]


def _numeric_date(value: str, name: str) -> int:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r} is not a date and time") from None
    if moment.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no time zone")
    return int(moment.timestamp())


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"]
    return None


def registered_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The JWT registered claims that OB 3.0 derives from a credential."""
    claims: dict[str, Any] = {"iss": _id_of(credential.get("issuer")), "jti": credential.get("id"),
                              "sub": _id_of(credential.get("credentialSubject"))}
    if "validFrom" in credential:
        claims["nbf"] = _numeric_date(credential["validFrom"], "validFrom")
    if "validUntil" in credential:
        claims["exp"] = _numeric_date(credential["validUntil"], "validUntil")
    return {name: value for name, value in claims.items() if value is not None}


def sign_vc_jwt(credential: dict[str, Any], *, private_key: RSAPrivateKey, kid: str) -> str:
    """The credential (without any embedded proof) as a compact JWS signed with RS256."""
    if not isinstance(private_key, RSAPrivateKey) or private_key.key_size < MIN_RSA_BITS:
        raise ValueError(f"VC-JWT needs an RSA private key of at least {MIN_RSA_BITS} bits")
    if clash := [name for name in REGISTERED_CLAIMS if name in credential]:
        raise ValueError(f"the credential has properties named like JWT claims: {', '.join(clash)}")
    claims = registered_claims(credential)
    if "iss" not in claims:
        raise ValueError("the credential has no issuer id")
    payload = {key: value for key, value in credential.items() if key != "proof"} | claims
    return pyjwt.encode(payload, private_key, algorithm=ALGORITHM, headers={"typ": "JWT", "kid": kid})


def _header_problem(header: dict[str, Any]) -> str:
    if header.get("alg") != ALGORITHM:
        return f"the JWT algorithm is {header.get('alg')!r}, only {ALGORITHM} is accepted"
    if "typ" in header and header["typ"] not in ACCEPTED_TYPES:
        return f"the JWT type is {header['typ']!r}, not JWT"
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        return "the JWT header has no kid"
    if "crit" in header:
        return "the JWT header has critical extensions we do not understand"
    return ""


def _credential_of(payload: dict[str, Any]) -> dict[str, Any]:
    if isinstance(payload.get("vc"), dict) and "@context" not in payload:
        return payload["vc"]
    return {key: value for key, value in payload.items() if key not in REGISTERED_CLAIMS}


def verify_vc_jwt(token: str, *, public_key_resolver: PublicKeyResolver) -> VerificationResult:
    """Check a VC-JWT's signature; on success ``result.credential`` is the credential it carries.

    ``public_key_resolver`` maps the header's ``kid`` to the RSA public key, raising ``LookupError`` for a key
    it does not know or that the issuer does not control.
    """
    try:
        header = pyjwt.get_unverified_header(token)
    except pyjwt.InvalidTokenError as error:
        return failed(f"not a JWT: {error}")
    if problem := _header_problem(header):
        return failed(problem)
    kid = header["kid"]
    try:
        public_key = public_key_resolver(kid)
    except LookupError as error:
        return failed(f"key {kid} could not be resolved: {error}", verification_method=kid)
    if not isinstance(public_key, RSAPublicKey) or public_key.key_size < MIN_RSA_BITS:
        return failed(f"key {kid} is not an RSA key of at least {MIN_RSA_BITS} bits", verification_method=kid)

    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False, "verify_aud": False,
               "verify_iss": False, "verify_sub": False, "verify_jti": False}
    try:
        payload = pyjwt.decode(token, public_key, algorithms=[ALGORITHM], options=options)
    except pyjwt.InvalidSignatureError:
        return failed("the signature does not match the token", verification_method=kid)
    except pyjwt.InvalidTokenError as error:
        return failed(f"the JWT is not valid: {error}", verification_method=kid)

    credential = _credential_of(payload)
    try:
        expected = registered_claims(credential)
    except ValueError as error:
        return failed(f"the credential is not valid: {error}", verification_method=kid)
    for name, value in expected.items():
        if name in payload and payload[name] != value:
            return failed(f"the JWT claim {name} does not match the credential", verification_method=kid)
    return VerificationResult(ok=True, verification_method=kid, credential=credential)
