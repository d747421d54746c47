"""The issuer's status lists: the 1EdTech Revocation List the credentials name, and the Bitstring Status List."""

import base64
import gzip

import pytest
from django.utils import timezone

from badges.awards.services import award_revoke
from badges.models import Award
from badges.openbadges import addresses, keys, ob3, status_lists
from badges.openbadges.crypto.data_integrity import sign_eddsa_rdfc_2022, verify_eddsa_rdfc_2022, xsd_datetime

from .test_ob3 import _site, hand_award, no_network  # noqa: F401 (fixtures)


def test_bit_zero_is_the_left_most_bit_of_the_first_byte():
    bits = status_lists.decode_bits(status_lists.encode_bits([0, 9]))
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000
    assert status_lists.bit_is_set(bits, 0) and status_lists.bit_is_set(bits, 9)
    assert not status_lists.bit_is_set(bits, 1) and not status_lists.bit_is_set(bits, 10**9)


def test_the_encoded_list_is_multibase_base64url_of_gzip_and_at_least_16_kb():
    encoded = status_lists.encode_bits([])
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(16 * 1024)


def test_the_list_grows_in_16_kb_steps_for_high_indexes():
    bits = status_lists.decode_bits(status_lists.encode_bits([status_lists.MIN_BITS]))
    assert len(bits) * 8 == 2 * status_lists.MIN_BITS and status_lists.bit_is_set(bits, status_lists.MIN_BITS)


def test_the_same_state_gives_the_same_signed_list(personas):
    hand_award(personas)
    centre = personas.centre
    assert status_lists.status_list_credential(centre) == status_lists.status_list_credential(centre)


def test_the_status_list_credential_is_signed_by_the_issuer(personas):
    award = hand_award(personas)
    award_revoke(award=award, reason="r", actor=personas.admin)
    listed = status_lists.status_list_credential(personas.centre)
    resolver = keys.public_key_resolver(issuer=keys.issuer_id(personas.centre))
    assert verify_eddsa_rdfc_2022(listed, public_key_resolver=resolver).ok
    assert listed["validFrom"] == xsd_datetime(Award.objects.get(pk=award.pk).revoked_at)


def test_the_revocation_list_of_one_centre_shows_nothing_of_another(personas):
    from .test_public_award import make_award, make_badge_class

    other = make_award(make_badge_class(personas.other_centre), personas.other_centre_learner)
    award_revoke(award=other, reason="r", actor=_admin_of(personas.other_centre))
    hand_award(personas)
    assert status_lists.revocation_list(personas.centre)["revokedCredentials"] == []
    assert [e["id"] for e in status_lists.revocation_list(personas.other_centre)["revokedCredentials"]] == [
        addresses.credential_url(other)]


def _admin_of(centre):
    from centres.models import Role
    from tests.factories import staff

    return staff(centre, Role.CENTRE_ADMIN)


def _signed_with_bitstring_entry(award: Award) -> dict:
    """A credential of ours that names its bit in the Bitstring Status List instead of the 1EdTech list."""
    unsigned = ob3.credential(award) | {"credentialStatus": status_lists.bitstring_status_entry(award)}
    key = keys.issuer_key(award.badge_class.centre, "Ed25519")
    return sign_eddsa_rdfc_2022(unsigned, private_key=keys.private_key_of(key), verification_method=key.key_id,
                                created=xsd_datetime(timezone.now()), proof_as_list=True)


def test_a_bitstring_status_entry_is_looked_up_locally(personas):
    award = hand_award(personas)
    credential = _signed_with_bitstring_entry(award)
    entry = credential["credentialStatus"]
    assert entry["statusListIndex"] == str(award.status_index)
    assert entry["statusListCredential"] == status_lists.status_list_url(personas.centre)
    assert status_lists.revocation_status(credential, personas.centre) == (False, "")
    assert ob3.verify_credential(credential).status == ob3.VALID
    award_revoke(award=award, reason="Issued in error", actor=personas.admin)
    assert status_lists.revocation_status(credential, personas.centre) == (True, "Issued in error")
    assert ob3.verify_credential(credential).status == ob3.REVOKED


@pytest.mark.parametrize("entry", [
    lambda url: {"id": "https://elsewhere.example/revocations", "type": "1EdTechRevocationList"},
    lambda url: {"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "statusListIndex": "0",
                 "statusListCredential": url},
    lambda url: {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "-1",
                 "statusListCredential": url},
    lambda url: {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "0",
                 "statusListCredential": "https://elsewhere.example/status/1"},
    lambda url: "not an object",
], ids=["another 1EdTech list", "suspension", "bad index", "another bitstring list", "garbage"])
def test_status_entries_that_are_not_our_revocation_lists_revoke_nothing(personas, entry):
    award = hand_award(personas)
    assert award.status_index == 0
    award_revoke(award=award, reason="r", actor=personas.admin)
    credential = ob3.credential(award) | {"credentialStatus": entry(status_lists.status_list_url(personas.centre))}
    assert status_lists.revocation_status(credential, personas.centre) == (False, "")
