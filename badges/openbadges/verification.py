"""Our own verifier, behind the public "verify a badge" page: a baked PNG, JSON or a JWT in, a report out.

What it recognises:

- a PNG with an ``openbadgecredential`` iTXt chunk: Open Badges 3.0 (JSON with a Data Integrity proof, or a
  VC-JWT); a PNG with an ``openbadges`` chunk: Open Badges 2.0 (the assertion, or its URL);
- text: a JWT (three base64url parts) is a VC-JWT; a JSON object with ``proof`` is an OB 3.0 credential; a
  JSON object that is an OB 2.0 assertion (or its URL) is checked as a hosted assertion.

The server never fetches a URL. Only ids under our own SITE_URL are looked up, locally, in the database: an
OB 2.0 hosted assertion is compared with the one we host now (evidence aside: the learner may change what they
show). Only our own issuers' keys are trusted, so a badge of anyone else is reported as "issuer not
recognised", never as genuine or as forged.
"""

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt as pyjwt
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from badges.models import Award
from badges.openbadges import addresses, ob2, ob3
from badges.openbadges.baking import unbake_png
from badges.openbadges.ob2 import our_path
from portfolios.evidence.files.png import PNG_SIGNATURE

logger = logging.getLogger(__name__)

OB3_KEYWORD, OB2_KEYWORD = "openbadgecredential", "openbadges"
JWT_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
OB2_CONTEXT = "https://w3id.org/openbadges/v2"

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
UNKNOWN_ISSUER, TAMPERED, INVALID = "unknown_issuer", "tampered", "invalid"


@dataclass
class Check:
    label: str
    passed: bool | None  # None: could not be checked here
    explanation: str


@dataclass
class Report:
    status: str = INVALID
    summary: str = ""
    format: str = ""
    issuer: str = ""
    issuer_recognised: bool = False
    badge_name: str = ""
    recipient: str = ""
    issued: datetime | None = None
    expires: datetime | None = None
    revocation_reason: str = ""
    award: Award | None = None
    checks: list[Check] = field(default_factory=list)

    def check(self, label: str, passed: bool | None, explanation: str) -> None:
        self.checks.append(Check(label, passed, explanation))

    @property
    def genuine(self) -> bool:
        return self.status in (VALID, EXPIRED, REVOKED)


def verify_submission(png_bytes: bytes | None = None, text: str | None = None) -> Report:
    if png_bytes is not None:
        return _verify_png(png_bytes)
    text = (text or "").strip()
    if not text:
        return _invalid(Report(), _("There was nothing to check: drop a badge image or paste its JSON or JWT."))
    return _verify_text(text, Report())


# --- Recognising the format ---------------------------------------------------------------------------------

def _verify_png(png: bytes) -> Report:
    report = Report()
    if not png.startswith(PNG_SIGNATURE):
        return _invalid(report, _("This file is not a PNG image. Badge images with a badge inside are PNGs."))
    try:
        baked_ob3, baked_ob2 = unbake_png(png, OB3_KEYWORD), unbake_png(png, OB2_KEYWORD)
    except Exception:  # a damaged file must give a message, never an error page
        logger.info("unreadable PNG submitted for verification", exc_info=True)
        return _invalid(report, _("This PNG image is damaged or unreadable, so no badge could be found in it."))
    if baked_ob3:
        report.check(_("Badge found in the image"), True, _("The image carries an Open Badges 3.0 credential."))
        report = _verify_text(baked_ob3.strip(), report)
    elif baked_ob2:
        report.check(_("Badge found in the image"), True, _("The image carries an Open Badges 2.0 assertion."))
        report = _verify_text(baked_ob2.strip(), report)
    else:
        return _invalid(report, _("This PNG image has no Open Badge baked into it: it is only a picture."))
    if report.format:
        report.format = _("%(format)s, baked in a PNG image") % {"format": report.format}
    return report


def _verify_text(text: str, report: Report) -> Report:
    if JWT_RE.match(text):
        return _verify_jwt(text, report)
    if text.startswith(("https://", "http://")):
        return _verify_ob2({"id": text}, report, by_reference=True)
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return _invalid(report, _("This is neither JSON nor a JWT, so it cannot be a badge."))
    if not isinstance(document, dict):
        return _invalid(report, _("This JSON is not an object, so it cannot be a badge."))
    if "proof" in document:
        return _verify_data_integrity(document, report)
    if _is_ob2(document):
        return _verify_ob2(document, report)
    if _is_ob3(document):
        _describe_credential(report, document)
        report.format = _("Open Badges 3.0")
        report.check(_("Signature"), False, _("The credential carries no proof, so nothing vouches for it."))
        return _conclude(report, TAMPERED)
    return _invalid(report, _("This JSON is not an Open Badges 2.0 assertion or 3.0 credential."))


def _is_ob2(document: dict) -> bool:
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    return OB2_CONTEXT in contexts or document.get("type") == "Assertion" or "verification" in document


def _is_ob3(document: dict) -> bool:
    types = document.get("type")
    types = types if isinstance(types, list) else [types]
    return "OpenBadgeCredential" in types or "AchievementCredential" in types


# --- Open Badges 2.0: hosted assertions ---------------------------------------------------------------------

def _verify_ob2(assertion: dict, report: Report, *, by_reference: bool = False) -> Report:
    report.format = _("Open Badges 2.0 (hosted)")
    report.recipient = _recipient_of_ob2(assertion.get("recipient"))
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    if kind in ("SignedBadge", "signed"):
        report.format = _("Open Badges 2.0 (signed)")
        report.check(_("Issuer"), None, _("Signed Open Badges 2.0 assertions cannot be checked here."))
        return _conclude(report, UNKNOWN_ISSUER)
    assertion_id = assertion.get("id")
    resolved = _our_view(assertion_id)
    if resolved is None:
        return _not_ours(report, assertion_id)
    award = _award_of(resolved) if resolved[1] and resolved[1].url_name == "ob2_assertion" else None
    if award is None:
        report.check(_("Issued here"), False, _("The badge claims to be ours, but we never issued a badge at that "
                                                "address."))
        return _conclude(report, TAMPERED)
    _describe_award(report, award)
    report.check(_("Issued here"), True, _("%(issuer)s issued this badge on this site: we looked it up in our own "
                                           "records.") % {"issuer": report.issuer})
    if award.revoked_at or by_reference:
        return _conclude_award(report, award)
    changed = _differences(assertion, ob2.assertion(award))
    if changed:
        report.check(_("Matches the issuer's record"), False,
                     _("The badge differs from the assertion we host in: %(fields)s. It has been altered.")
                     % {"fields": ", ".join(changed)})
        return _conclude(report, TAMPERED)
    report.check(_("Matches the issuer's record"), True,
                 _("The badge says what the assertion %(issuer)s hosts at its address says.")
                 % {"issuer": report.issuer})
    return _conclude_award(report, award)


def _recipient_of_ob2(recipient: Any) -> str:
    if not isinstance(recipient, dict):
        return ""
    if recipient.get("hashed"):
        return _("email hidden")
    return str(recipient.get("identity", ""))


def _differences(baked: dict, hosted: dict) -> list[str]:
    """The claims that differ. Evidence is left out: the learner may change what they show after baking."""
    keys = sorted((set(baked) | set(hosted)) - {"evidence"})
    return [key for key in keys if _canonical(baked.get(key)) != _canonical(hosted.get(key))]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# --- Open Badges 3.0: Data Integrity and VC-JWT, checked by badges.ob3 -----------------------------------------

def _verify_data_integrity(credential: dict, report: Report) -> Report:
    report.format = _("Open Badges 3.0 (Data Integrity proof, eddsa-rdfc-2022)")
    _describe_credential(report, credential)
    return _verify_ob3(credential, credential, report)


def _verify_jwt(token: str, report: Report) -> Report:
    report.format = _("Open Badges 3.0 (VC-JWT)")
    try:
        payload = pyjwt.decode(token, options={"verify_signature": False})
    except pyjwt.InvalidTokenError:
        return _invalid(report, _("This looks like a JWT but cannot be read."))
    claimed = payload["vc"] if isinstance(payload.get("vc"), dict) and "@context" not in payload else payload
    _describe_credential(report, claimed)
    return _verify_ob3(token, claimed, report)


def _verify_ob3(document_or_jwt: dict | str, claimed: dict, report: Report) -> Report:
    """Signature, revocation and dates, checked by ``badges.ob3`` with our own issuers' keys and records."""
    issuer_id = ob3.id_of(claimed.get("issuer"))
    try:
        centre = addresses.centre_of_issuer(issuer_id) if our_path(issuer_id) else None
        result = ob3.verify_credential(document_or_jwt) if centre else None
    except Exception:  # crafted input must give a report, never an error page
        logger.warning("credential could not be checked", exc_info=True)
        return _invalid(report, _("This credential is malformed, so it could not be checked."))
    if centre is None or result.status == ob3.UNKNOWN_ISSUER:
        return _not_ours(report, issuer_id)
    report.issuer, report.issuer_recognised = centre.name, True
    if result.credential is None:  # the signature did not check out, or there was nothing to check
        if result.status != ob3.TAMPERED:
            return _invalid(report, _("This is not a credential we can read (%(reason)s).") % {"reason": result.reason})
        report.check(_("Signature"), False, _("The badge was changed after it was signed, or it was not signed by "
                                              "%(issuer)s (in detail: %(reason)s).")
                     % {"issuer": centre.name, "reason": result.reason})
        return _conclude(report, TAMPERED)
    report.check(_("Signature"), True, _("Signed by %(issuer)s with its key, and not changed since.")
                 % {"issuer": centre.name})
    if result.award is not None:
        _describe_award(report, result.award)
    if result.status == ob3.REVOKED:
        return _revoked(report, result.award, result.revocation_reason)
    if result.status == ob3.INVALID:
        report.check(_("Validity dates"), False, result.reason)
        return _conclude(report, INVALID)
    report.check(_("Not revoked"), True, _("%(issuer)s has not revoked this badge.") % {"issuer": report.issuer})
    return _conclude(report, _dated_status(report))


def _describe_credential(report: Report, credential: dict) -> None:
    """What the credential claims, before anything is checked: shown as claimed, never as verified."""
    issuer = credential.get("issuer")
    report.issuer = str(issuer.get("name", "")) if isinstance(issuer, dict) else ""
    subject = credential.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement")
    report.badge_name = str(achievement.get("name", "")) if isinstance(achievement, dict) else ""
    identifiers = subject.get("identifier")
    identifiers = identifiers if isinstance(identifiers, list) else [identifiers]
    if any(isinstance(i, dict) and i.get("hashed") for i in identifiers):
        report.recipient = _("email hidden")
    report.issued = ob3.moment_of(credential.get("validFrom") or credential.get("issuanceDate"))
    report.expires = ob3.moment_of(credential.get("validUntil") or credential.get("expirationDate"))


# --- Our own ids, resolved locally --------------------------------------------------------------------------

def _our_view(url: Any):
    path = our_path(url)
    if path is None:
        return None
    try:
        return path, resolve(path)
    except Resolver404:
        return path, None


def _award_of(resolved) -> Award | None:
    _path, match = resolved
    for value in [*match.kwargs.values(), *match.args]:
        try:
            award_uuid = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except ValueError:
            continue
        return Award.objects.filter(uuid=award_uuid).select_related("badge_class__centre", "recipient").first()
    return None


def _not_ours(report: Report, issuer: Any) -> Report:
    report.check(_("Issuer"), None, _("Issuer not recognised: this badge was not issued on this site, so its "
                                      "signature cannot be checked here. Use the issuer's own verifier."))
    if isinstance(issuer, str) and issuer:
        report.check(_("Claimed issuer"), None, issuer)
    return _conclude(report, UNKNOWN_ISSUER)


# --- Conclusions --------------------------------------------------------------------------------------------

def _describe_award(report: Report, award: Award) -> None:
    """Our record of the award: trusted, so it replaces what the submitted document claims."""
    report.award = award
    report.issuer, report.issuer_recognised = award.badge_class.centre.name, True
    report.badge_name = award.badge_class.name
    report.issued, report.expires = award.issued_on, award.expires_at
    report.recipient = award.recipient.display_name if award.show_name_publicly else _("email hidden")


def _conclude_award(report: Report, award: Award) -> Report:
    if award.revoked_at:
        return _revoked(report, award, award.revocation_reason)
    report.check(_("Not revoked"), True, _("%(issuer)s has not revoked this badge.") % {"issuer": report.issuer})
    return _conclude(report, _dated_status(report))


def _revoked(report: Report, award: Award | None, reason: str) -> Report:
    report.revocation_reason = reason
    when = date_format(timezone.localtime(award.revoked_at), "j F Y") if award and award.revoked_at else ""
    report.check(_("Not revoked"), False, _("Revoked by %(issuer)s%(when)s: %(reason)s") % {
        "issuer": report.issuer, "when": _(" on %(date)s") % {"date": when} if when else "",
        "reason": reason or _("no reason given")})
    return _conclude(report, REVOKED)


def _dated_status(report: Report) -> str:
    if report.expires and report.expires <= timezone.now():
        report.check(_("Not expired"), False, _("It expired on %(date)s.") % {
            "date": date_format(timezone.localtime(report.expires), "j F Y")})
        return EXPIRED
    if report.issued and report.issued > timezone.now():
        report.check(_("Already valid"), False, _("It is not valid before %(date)s.") % {
            "date": date_format(timezone.localtime(report.issued), "j F Y")})
        return INVALID
    report.check(_("Not expired"), True, _("It does not expire.") if not report.expires else _(
        "It is valid until %(date)s.") % {"date": date_format(timezone.localtime(report.expires), "j F Y")})
    return VALID


SUMMARIES = {
    VALID: gettext_lazy("This badge is genuine and valid."),
    EXPIRED: gettext_lazy("This badge is genuine, but it has expired."),
    REVOKED: gettext_lazy("This badge was issued here but has been revoked by its issuer."),
    UNKNOWN_ISSUER: gettext_lazy("Issuer not recognised: we can only check badges issued on this site."),
    TAMPERED: gettext_lazy("This badge has been altered, or was never issued as shown. Do not rely on it."),
    INVALID: gettext_lazy("This badge is not valid."),
}


def _conclude(report: Report, status: str) -> Report:
    report.status, report.summary = status, str(SUMMARIES[status])
    return report


def _invalid(report: Report, summary: str) -> Report:
    report.status, report.summary = INVALID, summary
    return report
