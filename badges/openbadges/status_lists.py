"""The revocation status of a centre's OB 3.0 credentials, published two ways.

- The 1EdTech Revocation List (1EdTech Revocation List Status Method 1.0), which every credential names in its
  ``credentialStatus``: a JSON document listing the ids of the issuer's revoked credentials.
- A Bitstring Status List (W3C Bitstring Status List v1.0): a BitstringStatusListCredential, signed with the
  issuer's current Ed25519 key, whose bit ``award.status_index`` is 1 once the award is revoked. Indexes are
  handed out per centre (``badges.services.award_badge``), so there is one list per issuer, of at least 131,072
  bits so that a list says little about how many awards a centre has made.

Both are computed from the database when asked: revoking an award (``badges.services.award_revoke``) needs no
extra step.
"""

import base64
import gzip
from datetime import datetime
from typing import Any

from django.db.models import Max
from django.urls import reverse

from badges.models import Award, IssuerKey
from badges.openbadges import ob2
from badges.openbadges.addresses import award_of_credential, credential_url
from badges.openbadges.crypto.contexts import VC_V2
from badges.openbadges.crypto.data_integrity import sign_eddsa_rdfc_2022, xsd_datetime
from badges.openbadges.keys import issuer_id, issuer_key, private_key_of, verification_method_id
from centres.models import Centre

REVOCATION_LIST_TYPE = "1EdTechRevocationList"
BITSTRING_ENTRY_TYPE = "BitstringStatusListEntry"
REVOCATION = "revocation"
MIN_BITS = 131_072  # 16 KB, the minimum the Bitstring Status List specification sets for herd privacy
CONTENT_TYPE = "application/json"
STATUS_LIST_CONTENT_TYPE = "application/vc+ld+json"


def revocation_list_url(centre: Centre) -> str:
    return ob2.absolute(reverse("ob3_revocation_list", args=[centre.pk]))


def status_list_url(centre: Centre) -> str:
    return ob2.absolute(reverse("ob3_status_list", args=[centre.pk]))


def _revoked(centre: Centre):
    return Award.objects.filter(badge_class__centre=centre, revoked_at__isnull=False)


# --- 1EdTech Revocation List -----------------------------------------------------------------------------

def revocation_list_entry(centre: Centre) -> dict[str, str]:
    """The ``credentialStatus`` of every credential of the centre."""
    return {"id": revocation_list_url(centre), "type": REVOCATION_LIST_TYPE}


def revocation_list(centre: Centre) -> dict[str, Any]:
    revoked = []
    for award in _revoked(centre).order_by("revoked_at", "pk"):
        entry = {"id": credential_url(award)}
        if award.revocation_reason:
            entry["revocationReason"] = award.revocation_reason
        revoked.append(entry)
    return {"id": revocation_list_url(centre), "issuer": issuer_id(centre), "revokedCredentials": revoked}


# --- Bitstring Status List -------------------------------------------------------------------------------

def bitstring_status_entry(award: Award) -> dict[str, str]:
    """A ``credentialStatus`` entry pointing at the award's bit, for a credential that uses the bitstring list."""
    url = status_list_url(award.badge_class.centre)
    return {"id": f"{url}#{award.status_index}", "type": BITSTRING_ENTRY_TYPE, "statusPurpose": REVOCATION,
            "statusListIndex": str(award.status_index), "statusListCredential": url}


def encode_bits(indexes: list[int]) -> str:
    """The ``encodedList``: multibase base64url (no padding) of the GZIP-compressed bitstring, where index 0 is
    the left-most bit of the first byte."""
    size = max(MIN_BITS, -(-(max(indexes, default=0) + 1) // MIN_BITS) * MIN_BITS)
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode_bits(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (starting with 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    return index // 8 < len(bits) and bool(bits[index // 8] & (0x80 >> (index % 8)))


def _as_of(centre: Centre) -> datetime:
    """The list's validFrom: when it last changed. The same state signs to the same document (Ed25519 is
    deterministic), so caches and ETags hold until the next revocation or key rotation."""
    latest = _revoked(centre).aggregate(moment=Max("revoked_at"))["moment"]
    return latest or centre.created_at


def status_list_credential(centre: Centre) -> dict[str, Any]:
    url = status_list_url(centre)
    as_of = _as_of(centre)
    unsigned = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(centre),
        "validFrom": xsd_datetime(as_of),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": REVOCATION,
                              "encodedList": encode_bits(list(_revoked(centre).values_list("status_index",
                                                                                           flat=True)))},
    }
    key = issuer_key(centre, IssuerKey.Algorithm.ED25519)
    return sign_eddsa_rdfc_2022(unsigned, private_key=private_key_of(key),
                                verification_method=verification_method_id(key),
                                created=xsd_datetime(max(as_of, key.created_at)), proof_as_list=True)


# --- Local look-up, for our own verifier ---------------------------------------------------------------

def _entries(credential: dict[str, Any]) -> list[dict[str, Any]]:
    status = credential.get("credentialStatus")
    return [entry for entry in (status if isinstance(status, list) else [status]) if isinstance(entry, dict)]


def _index(value: Any) -> int | None:
    try:
        index = int(value)
    except (TypeError, ValueError):
        return None
    return index if index >= 0 else None


def revocation_status(credential: dict[str, Any], centre: Centre) -> tuple[bool, str]:
    """(revoked, reason) by the credential's own status entries that point at the centre's lists, looked up in
    the database instead of fetched."""
    for entry in _entries(credential):
        if entry.get("type") == REVOCATION_LIST_TYPE and entry.get("id") == revocation_list_url(centre):
            award = award_of_credential(str(credential.get("id", "")), centre)
            if award is not None and award.revoked_at:
                return True, award.revocation_reason
        elif (entry.get("type") == BITSTRING_ENTRY_TYPE and entry.get("statusPurpose") == REVOCATION
              and entry.get("statusListCredential") == status_list_url(centre)
              and (index := _index(entry.get("statusListIndex"))) is not None):
            award = _revoked(centre).filter(status_index=index).first()
            if award is not None:
                return True, award.revocation_reason
    return False, ""
