import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from badges.openbadges.crypto.multibase import (
    MultibaseError,
    b58decode,
    b58encode,
    decode_public_key,
    decode_secret_key,
    encode_public_key,
    encode_secret_key,
    multibase_decode,
)

from .test_crypto_data_integrity import VECTOR

KEY_PAIR = VECTOR["key_pair"]


@pytest.mark.parametrize("data", [b"", b"\0", b"\0\0\x01", b"hello world", bytes(range(256))])
def test_base58_round_trips_bytes_with_leading_zeros(data):
    assert b58decode(b58encode(data)) == data


def test_base58_matches_the_bitcoin_alphabet():
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert b58encode(b"\0\0\x01") == "112"


def test_public_key_multibase_round_trips_the_official_vector():
    public_key = decode_public_key(KEY_PAIR["publicKeyMultibase"])
    assert encode_public_key(public_key) == KEY_PAIR["publicKeyMultibase"]


def test_secret_key_of_the_official_vector_belongs_to_its_public_key():
    private_key = decode_secret_key(KEY_PAIR["secretKeyMultibase"])
    assert encode_public_key(private_key.public_key()) == KEY_PAIR["publicKeyMultibase"]


def test_secret_key_is_written_as_the_32_byte_seed_and_read_back():
    private_key = decode_secret_key(KEY_PAIR["secretKeyMultibase"])
    encoded = encode_secret_key(private_key)
    assert multibase_decode(encoded)[:2] == b"\x80\x26" and len(multibase_decode(encoded)) == 34
    assert decode_secret_key(encoded).private_bytes_raw() == private_key.private_bytes_raw()


def test_fresh_public_keys_start_with_z6mk():
    assert encode_public_key(Ed25519PrivateKey.generate().public_key()).startswith("z6Mk")


def test_secret_key_with_someone_elses_public_half_is_refused():
    data = multibase_decode(KEY_PAIR["secretKeyMultibase"])
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    forged = "z" + b58encode(data[:34] + other)
    with pytest.raises(MultibaseError, match="does not belong"):
        decode_secret_key(forged)


@pytest.mark.parametrize("value", ["", "f00", "z0OIl", KEY_PAIR["secretKeyMultibase"]])
def test_what_is_not_an_ed25519_public_multikey_is_refused(value):
    with pytest.raises(MultibaseError):
        decode_public_key(value)
