"""Multibase base58btc and Multikey encodings of Ed25519 keys.

A Multikey value is ``"z" + base58btc(multicodec varint prefix + raw key bytes)``: the prefix ``0xed 0x01``
(ed25519-pub) for a 32-byte public key gives the familiar ``z6Mk…``, ``0x80 0x26`` (ed25519-priv) for a
32-byte secret key (the seed) gives ``z3u2…``. Some libraries write the 64-byte form (seed followed by the
public key) under the same prefix; decoding accepts both and checks that such a key pair belongs together.
"""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(ALPHABET)}
BASE58BTC = "z"
ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"


class MultibaseError(ValueError):
    pass


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        if char not in _INDEX:
            raise MultibaseError(f"{char!r} is not a base58btc character")
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    return BASE58BTC + b58encode(data)


def multibase_decode(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith(BASE58BTC) or len(value) < 2:
        raise MultibaseError("only base58btc multibase values (starting with 'z') are supported")
    return b58decode(value[1:])


def _public_bytes(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_public_key(public_key: Ed25519PublicKey) -> str:
    """The ``publicKeyMultibase`` of an Ed25519 public key: ``z6Mk…``."""
    return multibase_encode(ED25519_PUB + _public_bytes(public_key))


def decode_public_key(value: str) -> Ed25519PublicKey:
    data = multibase_decode(value)
    if not data.startswith(ED25519_PUB) or len(data) != len(ED25519_PUB) + 32:
        raise MultibaseError("not an Ed25519 Multikey public key (multicodec 0xed01 followed by 32 bytes)")
    return Ed25519PublicKey.from_public_bytes(data[len(ED25519_PUB):])


def encode_secret_key(private_key: Ed25519PrivateKey) -> str:
    """The ``secretKeyMultibase`` of an Ed25519 private key, holding its 32-byte seed."""
    seed = private_key.private_bytes_raw()
    return multibase_encode(ED25519_PRIV + seed)


def decode_secret_key(value: str) -> Ed25519PrivateKey:
    data = multibase_decode(value)
    body = data[len(ED25519_PRIV):]
    if not data.startswith(ED25519_PRIV) or len(body) not in (32, 64):
        raise MultibaseError("not an Ed25519 Multikey secret key (multicodec 0x8026 followed by 32 or 64 bytes)")
    private_key = Ed25519PrivateKey.from_private_bytes(body[:32])
    if len(body) == 64 and body[32:] != _public_bytes(private_key.public_key()):
        raise MultibaseError("the secret key's embedded public key does not belong to it")
    return private_key
