"""Issuer signing keys: generated on first use, encrypted at rest, rotated, and published for verifiers.

URLs (``SITE_URL`` from settings; each key's URL is fixed when the key is made and stored as its ``key_id``):

- ``{SITE_URL}/badges/issuers/{centre.pk}`` is the issuer: the ``issuer.id`` of every credential and the
  controller of its keys. Served there, :func:`controller_document` lists the centre's Ed25519 keys as Multikey
  verification methods, all authorised for ``assertionMethod``, retired ones included so old awards verify.
- ``{SITE_URL}/badges/issuers/{centre.pk}/keys/{key.pk}`` is one key, for both algorithms: the
  ``verificationMethod`` of an eddsa-rdfc-2022 proof (served as :func:`multikey_document`) and the ``kid`` of a
  VC-JWT (served as :func:`jwk`). :func:`jwks` is the JWK set of the centre's RSA keys.

One key per centre and algorithm is current; rotating retires it (``retired_at``) and makes a new one.
Retired keys sign nothing new but still resolve, so awards signed with them keep verifying.

Private keys are PKCS#8 PEM encrypted with Fernet. ``settings.LEAP_KEY_ENCRYPTION_KEY`` holds one or more
Fernet keys, comma-separated: the first encrypts, all decrypt (:func:`issuer_keys_reencrypt` moves every key to
the first). Unset, a key derived from ``SECRET_KEY`` with HKDF is used, so the embedded mode needs no setup;
production should set its own (``Fernet.generate_key()``), so that a leaked SECRET_KEY does not expose the
signing keys. The derived key always stays last in the list, so keys made before the setting was set still open.
"""

import base64
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from badges.models import IssuerKey
from badges.openbadges.crypto.contexts import MULTIKEY_V1
from badges.openbadges.crypto.multibase import decode_public_key, encode_public_key
from centres.models import Centre, Role
from centres.services import ensure_role

PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey

RSA_KEY_BITS = 3072
SECURITY = "https://w3id.org/security#"
# Terms of the controller document that the Multikey context does not define, so that JSON-LD processors
# (the Digital Bazaar verifiers frame the controller document) read assertionMethod as the security term.
CONTROLLER_TERMS = {
    "assertionMethod": {"@id": f"{SECURITY}assertionMethod", "@type": "@id", "@container": "@set"},
    "verificationMethod": {"@id": f"{SECURITY}verificationMethod", "@type": "@id"},
}


# --- URLs ----------------------------------------------------------------------------------------------

def _issuer_url(centre_pk: int) -> str:
    return f"{settings.SITE_URL}/badges/issuers/{centre_pk}"


def issuer_id(centre: Centre) -> str:
    return _issuer_url(centre.pk)


def verification_method_id(key: IssuerKey) -> str:
    """The key's URL: the proof's verificationMethod (Ed25519) or the JWT's kid (RS256)."""
    return key.key_id


def key_for_verification_method(url: str) -> IssuerKey | None:
    return IssuerKey.objects.filter(key_id=url).first()


# --- Encryption at rest --------------------------------------------------------------------------------

def _derived_fernet_key() -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"leap", info=b"leap.badges.issuer-keys")
    return base64.urlsafe_b64encode(hkdf.derive(settings.SECRET_KEY.encode()))


def _fernet() -> MultiFernet:
    configured = [part.strip() for part in settings.LEAP_KEY_ENCRYPTION_KEY.split(",") if part.strip()]
    try:
        fernets = [Fernet(key) for key in configured]
    except ValueError:
        raise ImproperlyConfigured(
            "LEAP_KEY_ENCRYPTION_KEY must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated"
        ) from None
    return MultiFernet([*fernets, Fernet(_derived_fernet_key())])


def _encrypt(private_key: PrivateKey) -> str:
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _fernet().encrypt(pem).decode()


def _public_pem(public_key: rsa.RSAPublicKey) -> str:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _stored_public_key(private_key: PrivateKey) -> str:
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return encode_public_key(private_key.public_key())
    return _public_pem(private_key.public_key())


def private_key_of(key: IssuerKey) -> PrivateKey:
    """Decrypt a key's private half. Raises ImproperlyConfigured when no configured key opens it."""
    try:
        pem = _fernet().decrypt(key.private_key_encrypted.encode())
    except InvalidToken:
        raise ImproperlyConfigured(
            f"issuer key {key.key_id} cannot be decrypted: LEAP_KEY_ENCRYPTION_KEY (or SECRET_KEY) has changed"
        ) from None
    # The PEM comes out of authenticated (Fernet) ciphertext and is checked against the stored public key
    # below, so OpenSSL's slow RSA self-check (about 200 ms for 3072 bits) adds nothing.
    private_key = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)
    if _stored_public_key(private_key) != key.public_key:
        raise ValueError(f"issuer key {key.key_id}: the private key does not match the public key")
    return private_key


def public_key_of(key: IssuerKey) -> PublicKey:
    if key.algorithm == IssuerKey.Algorithm.ED25519:
        return decode_public_key(key.public_key)
    return serialization.load_pem_public_key(key.public_key.encode())


def issuer_keys_reencrypt() -> int:
    """Re-encrypt every private key with the first LEAP_KEY_ENCRYPTION_KEY; returns how many were stored."""
    fernet = _fernet()
    count = 0
    with transaction.atomic():
        for key in IssuerKey.objects.select_for_update().only("pk", "private_key_encrypted"):
            key.private_key_encrypted = fernet.rotate(key.private_key_encrypted.encode()).decode()
            key.save(update_fields=["private_key_encrypted"])
            count += 1
    return count


# --- Current key and rotation ---------------------------------------------------------------------------

def _current(centre: Centre, algorithm: str) -> IssuerKey | None:
    return (IssuerKey.objects.filter(centre=centre, algorithm=algorithm, retired_at__isnull=True)
            .order_by("-created_at", "-pk").first())


def _generate(algorithm: str) -> PrivateKey:
    if algorithm == IssuerKey.Algorithm.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == IssuerKey.Algorithm.RSA:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    raise ValueError(f"unknown key algorithm {algorithm!r}")


def _create(centre: Centre, algorithm: str) -> IssuerKey:
    private_key = _generate(algorithm)
    key = IssuerKey.objects.create(
        centre=centre, algorithm=algorithm, key_id=f"pending:{uuid.uuid4()}",
        public_key=_stored_public_key(private_key), private_key_encrypted=_encrypt(private_key),
    )
    key.key_id = f"{issuer_id(centre)}/keys/{key.pk}"
    if len(key.key_id) > IssuerKey._meta.get_field("key_id").max_length:
        raise ImproperlyConfigured(f"SITE_URL is too long for issuer key URLs: {key.key_id}")
    key.save(update_fields=["key_id"])
    return key


def _lock(centre: Centre) -> None:
    # One key generation at a time per centre, so two first uses cannot make two current keys.
    Centre.objects.select_for_update().filter(pk=centre.pk).exists()


def issuer_key(centre: Centre, algorithm: str) -> IssuerKey:
    """The centre's current key for the algorithm ("Ed25519" or "RS256"), made on first use."""
    if algorithm not in IssuerKey.Algorithm.values:
        raise ValueError(f"unknown key algorithm {algorithm!r}")
    if key := _current(centre, algorithm):
        return key
    with transaction.atomic():
        _lock(centre)
        if key := _current(centre, algorithm):
            return key
        key = _create(centre, algorithm)
        audit_record(action="issuer_key.created", centre=centre, target=key,
                     data={"algorithm": algorithm, "key_id": key.key_id})
    return key


def rotate_issuer_key(*, centre: Centre, algorithm: str, actor: User) -> IssuerKey:
    """Retire the centre's current key (it still verifies what it signed) and make a new one. Centre admins only."""
    ensure_role(actor, centre, Role.CENTRE_ADMIN)
    if algorithm not in IssuerKey.Algorithm.values:
        raise ValueError(f"unknown key algorithm {algorithm!r}")
    with transaction.atomic():
        _lock(centre)
        retired = _current(centre, algorithm)
        if retired is not None:
            retired.retired_at = timezone.now()
            retired.save(update_fields=["retired_at"])
        key = _create(centre, algorithm)
        audit_record(action="issuer_key.rotated", actor=actor, centre=centre, target=key,
                     data={"algorithm": algorithm, "key_id": key.key_id,
                           "retired_key_id": retired.key_id if retired else None})
    return key


# --- Published documents --------------------------------------------------------------------------------

def _verification_method(key: IssuerKey) -> dict[str, str]:
    return {
        "id": verification_method_id(key),
        "type": "Multikey",
        "controller": _issuer_url(key.centre_id),
        "publicKeyMultibase": key.public_key,
    }


def controller_document(centre: Centre) -> dict[str, Any]:
    """The issuer's controller document (no DID): its Ed25519 keys, current and retired, for assertionMethod."""
    keys = IssuerKey.objects.filter(centre=centre, algorithm=IssuerKey.Algorithm.ED25519).order_by("created_at", "pk")
    methods = [_verification_method(key) for key in keys]
    return {
        "@context": [MULTIKEY_V1, CONTROLLER_TERMS],
        "id": issuer_id(centre),
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def multikey_document(key: IssuerKey) -> dict[str, str]:
    """What the URL of an Ed25519 key serves: the key as a Multikey verification method."""
    if key.algorithm != IssuerKey.Algorithm.ED25519:
        raise ValueError(f"issuer key {key.key_id} is not an Ed25519 key")
    return {"@context": MULTIKEY_V1, **_verification_method(key)}


def _b64url_uint(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def jwk(key: IssuerKey) -> dict[str, str]:
    """What the URL of an RSA key serves: its public JWK, with the key URL as kid."""
    if key.algorithm != IssuerKey.Algorithm.RSA:
        raise ValueError(f"issuer key {key.key_id} is not an RSA key")
    numbers = public_key_of(key).public_numbers()
    return {"kty": "RSA", "kid": verification_method_id(key), "use": "sig", "alg": "RS256",
            "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}


def jwks(centre: Centre) -> dict[str, list[dict[str, str]]]:
    """The JWK set of the centre's RSA keys, retired ones included."""
    keys = IssuerKey.objects.filter(centre=centre, algorithm=IssuerKey.Algorithm.RSA).order_by("created_at", "pk")
    return {"keys": [jwk(key) for key in keys]}


def public_key_resolver(*, issuer: str) -> Callable[[str], PublicKey]:
    """For the verify functions: resolves a key URL to its public key, only if ``issuer`` controls the key."""

    def resolve(url: str) -> PublicKey:
        key = key_for_verification_method(url)
        if key is None:
            raise LookupError("no such issuer key")
        if _issuer_url(key.centre_id) != issuer:
            raise LookupError(f"the key is not controlled by the issuer {issuer}")
        return public_key_of(key)

    return resolve
