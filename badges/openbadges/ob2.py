"""Open Badges 2.0: hosted Assertion, BadgeClass, Issuer Profile and RevocationList as JSON-LD.

Each document lives at its own `id`, an absolute URL under settings.SITE_URL, so a verifier can fetch it.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, ResolverMatch, resolve, reverse

from badges.models import Award, BadgeClass
from centres.models import Centre
from centres.web_urls import web_url_problem
from portfolios.models import Evidence

CONTEXT = "https://w3id.org/openbadges/v2"
CONTENT_TYPE = "application/ld+json"
ALIGNMENT_KEYS = ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def stored_url(value: Any) -> str | None:
    """A web address read back from the database, or None if it is not one that can go into a document we sign
    (stored before the check, or changed by hand): a credential is built from whatever is stored, never fails."""
    return value if web_url_problem(value) is None else None


def centre_url(centre: Centre) -> str:
    return stored_url(centre.website) or settings.SITE_URL


def our_path(url: Any) -> str | None:
    """The path of one of our own absolute URLs (the scheme and host of SITE_URL, no query), else None."""
    if not isinstance(url, str):
        return None
    try:
        ours, theirs = urlsplit(settings.SITE_URL), urlsplit(url)
    except ValueError:
        return None
    if (theirs.scheme, theirs.netloc.lower()) != (ours.scheme, ours.netloc.lower()) or theirs.query:
        return None
    return theirs.path


def our_match(url: Any) -> ResolverMatch | None:
    """The URL pattern one of our own absolute URLs resolves to, else None."""
    path = our_path(url)
    try:
        return resolve(path) if path is not None else None
    except Resolver404:
        return None


def assertion_url(award: Award) -> str:
    return absolute(reverse("ob2_assertion", args=[award.uuid]))


def badge_class_url(badge_class: BadgeClass) -> str:
    return absolute(reverse("ob2_badge_class", args=[badge_class.uuid]))


def badge_image_url(badge_class: BadgeClass) -> str:
    return absolute(reverse("ob2_badge_image", args=[badge_class.uuid]))


def issuer_url(centre: Centre) -> str:
    return absolute(reverse("ob2_issuer", args=[centre.pk]))


def revocation_list_url(centre: Centre) -> str:
    return absolute(reverse("ob2_revocation_list", args=[centre.pk]))


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def hashed_identity(email: str, salt: str) -> str:
    """OB 2.0 IdentityHash: "sha256$" + hex SHA-256 of the (lower-case) email followed by the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def assertion(award: Award) -> dict:
    data = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(award),
        "recipient": {"type": "email", "hashed": True, "salt": award.salt,
                      "identity": hashed_identity(award.recipient_email, award.salt)},
        "badge": badge_class_url(award.badge_class),
        "issuedOn": timestamp(award.issued_on),
        "verification": {"type": "hosted"},
    }
    if award.narrative:
        data["narrative"] = award.narrative
    evidence = evidence_of(award)
    if evidence:
        data["evidence"] = evidence
    if award.expires_at:
        data["expires"] = timestamp(award.expires_at)
    return data


def evidence_of(award: Award) -> list[dict]:
    """The evidence URL given at award time, then the accepted evidence the learner chose to make public."""
    items = []
    if url := stored_url(award.evidence_url):
        items.append({"type": "Evidence", "id": url})
    chosen = award.public_evidence.filter(enrolment__learner_id=award.recipient_id, status=Evidence.Status.ACCEPTED,
                                          enrolment__centre_id=award.badge_class.centre_id)
    for evidence in chosen.order_by("activity_date", "pk"):
        item = {"type": "Evidence", "name": evidence.title or str(evidence)}
        if evidence.reflection:
            item["narrative"] = evidence.reflection
        if evidence.method:
            item["genre"] = evidence.get_method_display()
        items.append(item)
    return items


def revoked_assertion(award: Award) -> dict:
    """What a revoked award's assertion URL answers (with 410 Gone)."""
    return {"@context": CONTEXT, "type": "Assertion", "id": assertion_url(award), "revoked": True,
            "revocationReason": award.revocation_reason}


def badge_class(badge: BadgeClass) -> dict:
    url = badge_class_url(badge)
    data = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": url,
        "name": badge.name,
        "description": badge.description,
        "image": badge_image_url(badge),
        "criteria": {"id": f"{url}#criteria", "narrative": badge.criteria_narrative},
        "issuer": issuer_url(badge.centre),
    }
    alignment = [{k: a[k] for k in ALIGNMENT_KEYS if a.get(k)} for a in badge.alignments
                 if stored_url(a.get("targetUrl"))]
    if alignment:
        data["alignment"] = alignment
    if badge.tags:
        data["tags"] = list(badge.tags)
    return data


def issuer(centre: Centre) -> dict:
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": issuer_url(centre),
        "name": centre.name,
        "url": centre_url(centre),
        "revocationList": revocation_list_url(centre),
    }


def revocation_list(centre: Centre, revoked: list[Award]) -> dict:
    return {
        "@context": CONTEXT,
        "id": revocation_list_url(centre),
        "type": "RevocationList",
        "issuer": issuer_url(centre),
        "revokedAssertions": [{"id": assertion_url(a), "revocationReason": a.revocation_reason} for a in revoked],
    }
