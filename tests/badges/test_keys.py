import threading

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection

from audit.models import AuditEvent
from badges.models import IssuerKey
from badges.openbadges.crypto.data_integrity import canonicalise, sign_eddsa_rdfc_2022, verify_eddsa_rdfc_2022
from badges.openbadges.crypto.jwt import sign_vc_jwt, verify_vc_jwt
from badges.openbadges.keys import (
    controller_document,
    issuer_id,
    issuer_key,
    issuer_keys_reencrypt,
    jwk,
    jwks,
    key_for_verification_method,
    multikey_document,
    private_key_of,
    public_key_of,
    public_key_resolver,
    rotate_issuer_key,
    verification_method_id,
)
from centres.models import Role
from tests.factories import CentreFactory, staff

ED25519, RSA = IssuerKey.Algorithm.ED25519, IssuerKey.Algorithm.RSA

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://leap.example"
    settings.LEAP_KEY_ENCRYPTION_KEY = ""


@pytest.fixture
def centre():
    return CentreFactory()


@pytest.fixture
def admin(centre):
    return staff(centre, Role.CENTRE_ADMIN)


def credential_of(centre) -> dict:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:2f0b8f52-6a5e-4a4c-9d7a-3c1b7f3f2d11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_id(centre), "type": ["Profile"], "name": centre.name},
        "validFrom": "2024-05-01T09:30:00Z",
        "name": "Unit 201: Health and safety",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {"id": "https://leap.example/badges/classes/1", "type": ["Achievement"],
                            "name": "Health and safety", "description": "Works safely.",
                            "criteria": {"narrative": "All criteria met."}},
        },
    }


def sign_with(key: IssuerKey, document: dict) -> dict:
    return sign_eddsa_rdfc_2022(document, private_key=private_key_of(key),
                                verification_method=verification_method_id(key), created="2024-05-01T09:30:00Z",
                                proof_as_list=True)


def test_first_use_makes_one_key_per_centre_and_algorithm(centre):
    key = issuer_key(centre, ED25519)
    assert issuer_key(centre, ED25519) == key
    assert issuer_key(centre, RSA) != key
    assert IssuerKey.objects.filter(centre=centre).count() == 2
    event = AuditEvent.objects.for_object(key).get()
    assert event.action == "issuer_key.created" and event.centre_id == centre.pk


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_uses_make_one_key(postgres):
    centre = CentreFactory()
    start, made = threading.Barrier(4), []

    def first_use():
        try:
            start.wait()
            made.append(issuer_key(centre, ED25519).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 4 and len(set(made)) == 1
    assert IssuerKey.objects.filter(centre=centre).count() == 1


def test_key_url_is_under_the_issuer(centre):
    key = issuer_key(centre, ED25519)
    assert issuer_id(centre) == f"https://leap.example/badges/issuers/{centre.pk}"
    assert key.key_id == verification_method_id(key) == f"{issuer_id(centre)}/keys/{key.pk}"
    assert key_for_verification_method(key.key_id) == key
    assert key_for_verification_method(f"{issuer_id(centre)}/keys/999999") is None


def test_public_key_is_stored_as_multibase_or_pem(centre):
    ed, rs = issuer_key(centre, ED25519), issuer_key(centre, RSA)
    assert ed.public_key.startswith("z6Mk")
    assert rs.public_key.startswith("-----BEGIN PUBLIC KEY-----")
    assert isinstance(public_key_of(ed), ed25519.Ed25519PublicKey)
    assert isinstance(public_key_of(rs), rsa.RSAPublicKey) and public_key_of(rs).key_size == 3072


@pytest.mark.parametrize("algorithm", [ED25519, RSA])
def test_private_keys_are_encrypted_at_rest_and_open_again(centre, algorithm):
    key = IssuerKey.objects.get(pk=issuer_key(centre, algorithm).pk)
    assert "PRIVATE KEY" not in key.private_key_encrypted
    assert key.private_key_encrypted.startswith("gAAAAA")  # a Fernet token
    opened, stored = private_key_of(key).public_key(), public_key_of(key)
    if algorithm == RSA:
        assert opened.public_numbers() == stored.public_numbers()
    else:
        assert opened.public_bytes_raw() == stored.public_bytes_raw()


def test_a_private_key_that_does_not_match_its_public_key_is_refused(centre):
    key = issuer_key(centre, ED25519)
    key.public_key = issuer_key(CentreFactory(), ED25519).public_key
    with pytest.raises(ValueError, match="does not match"):
        private_key_of(key)


def test_a_changed_secret_key_without_an_encryption_key_cannot_open_them(centre, settings):
    key = issuer_key(centre, ED25519)
    settings.SECRET_KEY = "another-secret-key-" * 4
    with pytest.raises(ImproperlyConfigured, match="cannot be decrypted"):
        private_key_of(key)


def test_setting_an_encryption_key_later_keeps_old_keys_and_reencrypt_moves_them(centre, settings):
    key = issuer_key(centre, ED25519)
    settings.LEAP_KEY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert private_key_of(key)  # still opens with the key derived from SECRET_KEY
    assert issuer_keys_reencrypt() == 1
    settings.SECRET_KEY = "another-secret-key-" * 4
    assert private_key_of(IssuerKey.objects.get(pk=key.pk))


def test_encryption_keys_rotate_newest_first(centre, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.LEAP_KEY_ENCRYPTION_KEY = old
    key = issuer_key(centre, ED25519)
    settings.LEAP_KEY_ENCRYPTION_KEY = f"{new},{old}"
    issuer_keys_reencrypt()
    settings.LEAP_KEY_ENCRYPTION_KEY = new
    assert private_key_of(IssuerKey.objects.get(pk=key.pk))


def test_a_malformed_encryption_key_is_a_configuration_error(centre, settings):
    settings.LEAP_KEY_ENCRYPTION_KEY = "not-a-fernet-key"
    with pytest.raises(ImproperlyConfigured, match="LEAP_KEY_ENCRYPTION_KEY"):
        issuer_key(centre, ED25519)


def test_unknown_algorithm_is_refused(centre):
    with pytest.raises(ValueError):
        issuer_key(centre, "ES256")


def test_rotation_retires_the_current_key_and_records_who_did_it(centre, admin):
    old = issuer_key(centre, ED25519)
    new = rotate_issuer_key(centre=centre, algorithm=ED25519, actor=admin)
    old.refresh_from_db()
    assert old.retired_at is not None and new.retired_at is None
    assert issuer_key(centre, ED25519) == new
    event = AuditEvent.objects.get(action="issuer_key.rotated")
    assert event.actor == admin and event.centre_id == centre.pk
    assert event.data == {"algorithm": "Ed25519", "key_id": new.key_id, "retired_key_id": old.key_id}


def test_rotation_before_any_key_just_makes_one(centre, admin):
    key = rotate_issuer_key(centre=centre, algorithm=RSA, actor=admin)
    assert issuer_key(centre, RSA) == key
    assert AuditEvent.objects.get(action="issuer_key.rotated").data["retired_key_id"] is None


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.MODERATOR])
def test_only_centre_admins_rotate_keys(centre, role):
    with pytest.raises(PermissionDenied):
        rotate_issuer_key(centre=centre, algorithm=ED25519, actor=staff(centre, role))


def test_admins_of_another_centre_cannot_rotate_its_keys(centre):
    with pytest.raises(PermissionDenied):
        rotate_issuer_key(centre=centre, algorithm=ED25519, actor=staff(CentreFactory(), Role.CENTRE_ADMIN))


def test_awards_signed_before_a_rotation_still_verify(centre, admin):
    old = issuer_key(centre, ED25519)
    signed = sign_with(old, credential_of(centre))
    rotate_issuer_key(centre=centre, algorithm=ED25519, actor=admin)
    result = verify_eddsa_rdfc_2022(signed, public_key_resolver=public_key_resolver(issuer=issuer_id(centre)))
    assert result.ok, result.reason


def test_a_centres_key_cannot_sign_for_another_centre(centre):
    other = CentreFactory()
    forged = sign_with(issuer_key(other, ED25519), credential_of(centre))
    result = verify_eddsa_rdfc_2022(forged, public_key_resolver=public_key_resolver(issuer=issuer_id(centre)))
    assert not result.ok and "not controlled by the issuer" in result.reason


def test_resolver_refuses_unknown_keys(centre):
    with pytest.raises(LookupError):
        public_key_resolver(issuer=issuer_id(centre))(f"{issuer_id(centre)}/keys/999999")


def test_controller_document_lists_every_ed25519_key_for_assertion(centre, admin):
    old = issuer_key(centre, ED25519)
    new = rotate_issuer_key(centre=centre, algorithm=ED25519, actor=admin)
    issuer_key(centre, RSA)
    document = controller_document(centre)
    assert document["id"] == issuer_id(centre)
    assert document["assertionMethod"] == [old.key_id, new.key_id]
    assert document["verificationMethod"] == [
        {"id": key.key_id, "type": "Multikey", "controller": issuer_id(centre), "publicKeyMultibase": key.public_key}
        for key in (old, new)
    ]


def test_controller_document_is_json_ld_that_keeps_every_statement(centre):
    issuer_key(centre, ED25519)
    nquads = canonicalise(controller_document(centre))
    assert "<https://w3id.org/security#assertionMethod>" in nquads
    assert "<https://w3id.org/security#publicKeyMultibase>" in nquads


def test_multikey_document_is_what_the_key_url_serves(centre):
    key = issuer_key(centre, ED25519)
    assert multikey_document(key) == {
        "@context": "https://w3id.org/security/multikey/v1", "id": key.key_id, "type": "Multikey",
        "controller": issuer_id(centre), "publicKeyMultibase": key.public_key,
    }
    with pytest.raises(ValueError):
        multikey_document(issuer_key(centre, RSA))


def test_jwks_lists_the_rsa_keys_and_a_jwt_verifies_with_them(centre, admin):
    old = issuer_key(centre, RSA)
    rotate_issuer_key(centre=centre, algorithm=RSA, actor=admin)
    keys = jwks(centre)["keys"]
    assert [entry["kid"] for entry in keys] == [key.key_id for key in IssuerKey.objects.filter(algorithm=RSA)
                                               .order_by("created_at", "pk")]
    assert keys[0] == jwk(old) and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"
    token = sign_vc_jwt(credential_of(centre), private_key=private_key_of(old), kid=old.key_id)
    result = verify_vc_jwt(token, public_key_resolver=public_key_resolver(issuer=issuer_id(centre)))
    assert result.ok, result.reason
