"""Open Badges 3.0: each award as an OpenBadgeCredential, signed two ways, and checked by our own verifier.

- :func:`credential` is the unsigned credential, an absolute URL under SITE_URL as its ``id``;
  :func:`signed_credential` adds an eddsa-rdfc-2022 Data Integrity proof and :func:`signed_jwt` makes a VC-JWT
  (RS256) of the same credential. Both are signed once and stored on the award, so the baked image, the hosted
  document and the learner's copy carry the same signed credential; a key rotation leaves them alone (retired
  keys still resolve, see ``badges.keys``).
- Revocation: ``credentialStatus`` is one ``1EdTechRevocationList`` entry (``badges.status_lists``). The OB 3.0
  JSON schema allows a single status object, not a list, so the Bitstring Status List the issuer also publishes
  is not referenced from the credential.
- The EU micro-credential elements: credits are ``creditsAvailable`` (and ``creditsEarned``); the elements OB
  3.0 has no property for (notional workload, level, type of assessment, form of participation, quality
  assurance) are alignments to the element of the Council Recommendation's Annex I, named by ``targetCode``.
  The issuer's country is its ``address.addressCountryCode``.
- :func:`verify_credential` checks a credential of ours (JSON with a proof, or a VC-JWT): the signature with the
  issuer's keys, then revocation and the validity dates, looked up locally. Nothing is fetched.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt as pyjwt
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from badges.models import Award, BadgeClass, IssuerKey
from badges.openbadges import ob2, status_lists
from badges.openbadges.addresses import award_of_credential, centre_of_issuer, credential_url
from badges.openbadges.crypto.contexts import OB_V3P0, VC_V2
from badges.openbadges.crypto.data_integrity import sign_eddsa_rdfc_2022, verify_eddsa_rdfc_2022, xsd_datetime
from badges.openbadges.crypto.jwt import sign_vc_jwt, verify_vc_jwt
from badges.openbadges.keys import issuer_id, issuer_key, private_key_of, public_key_resolver, verification_method_id
from centres.models import Centre
from portfolios.models import Evidence

EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CONTENT_TYPE = "application/vc+ld+json"
JWT_CONTENT_TYPE = "application/vc+jwt"

Kind = BadgeClass.Kind
ACHIEVEMENT_TYPES = {Kind.UNIT: "Competency", Kind.QUALIFICATION: "Certificate", Kind.PARTICIPATION: "Achievement",
                     Kind.SKILL: "Competency", Kind.EVENT: "Achievement"}
ALIGNMENT_KEYS = ("targetName", "targetUrl", "targetDescription", "targetFramework", "targetCode")
EU_FRAMEWORK = "EU micro-credential standard elements (Council Recommendation 2022/C 243/02, Annex I)"
EU_URL = "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32022H0627(02)"
EU_ELEMENT = "ext:EUMicroCredentialElement"

VALID, EXPIRED, REVOKED = "valid", "expired", "revoked"
UNKNOWN_ISSUER, TAMPERED, INVALID = "unknown_issuer", "tampered", "invalid"
DATA_INTEGRITY, VC_JWT = "eddsa-rdfc-2022", "VC-JWT"


# --- The credential ------------------------------------------------------------------------------------

def issuer_profile(centre: Centre) -> dict[str, Any]:
    """The issuer as an OB 3.0 Profile: embedded in each credential, and served (with its keys) at its id."""
    profile = {"id": issuer_id(centre), "type": ["Profile"], "name": centre.name,
               "url": ob2.centre_url(centre)}
    if centre.country:
        profile["address"] = {"type": ["Address"], "addressCountryCode": centre.country.upper()}
    return profile


def achievement_type(badge: BadgeClass) -> str:
    if badge.kind == Kind.QUALIFICATION and "diploma" in badge.name.lower():
        return "Diploma"
    return ACHIEVEMENT_TYPES[badge.kind]


def _language() -> str:
    language, _, region = settings.LANGUAGE_CODE.partition("-")
    return f"{language}-{region.upper()}" if region else language


def _eu_elements(badge: BadgeClass) -> list[dict[str, Any]]:
    hours = badge.notional_hours
    elements = (("notionalWorkload", "Notional workload", f"{hours} hour{'' if hours == 1 else 's'}" if hours else ""),
                ("level", "Level", badge.level),
                ("typeOfAssessment", "Type of assessment", badge.assessment_type),
                ("formOfParticipation", "Form of participation", badge.participation_form),
                ("qualityAssurance", "Quality assurance", badge.quality_assurance))
    return [{"type": ["Alignment"], "targetType": EU_ELEMENT, "targetFramework": EU_FRAMEWORK, "targetUrl": EU_URL,
             "targetCode": code, "targetName": f"{name}: {value}", "targetDescription": value}
            for code, name, value in elements if value]


def _alignments(badge: BadgeClass) -> list[dict[str, Any]]:
    own = [{"type": ["Alignment"], **{key: str(a[key]) for key in ALIGNMENT_KEYS if a.get(key)}}
           for a in badge.alignments if a.get("targetName") and ob2.stored_url(a.get("targetUrl"))]
    return own + _eu_elements(badge)


def _human_code(badge: BadgeClass) -> str:
    if badge.unit_id:
        return badge.unit.code
    return badge.qualification.code if badge.qualification_id else ""


def achievement(badge: BadgeClass) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": ob2.badge_class_url(badge),
        "type": ["Achievement"],
        "achievementType": achievement_type(badge),
        "name": badge.name,
        "description": badge.description,
        "criteria": {"narrative": badge.criteria_narrative},
        "image": {"id": ob2.badge_image_url(badge), "type": "Image"},
        "inLanguage": _language(),
    }
    if code := _human_code(badge):
        data["humanCode"] = code
    if badge.version_id:
        data["version"] = str(badge.version.number)
    if badge.credits is not None:
        data["creditsAvailable"] = badge.credits
    if alignment := _alignments(badge):
        data["alignment"] = alignment
    if badge.tags:
        data["tag"] = [str(tag) for tag in badge.tags]
    return data


def _evidence(award: Award) -> list[dict[str, Any]]:
    """The evidence URL given at award time, then the evidence the learner had made public when it was signed.

    The credential is signed once and cannot be withdrawn, so learner evidence is named and linked to the public
    page (which shows it for as long as the learner chooses), never copied in: no reflection text.
    """
    items = [{"id": url, "type": ["Evidence"]}] if (url := ob2.stored_url(award.evidence_url)) else []
    chosen = award.public_evidence.filter(enrolment__learner_id=award.recipient_id, status=Evidence.Status.ACCEPTED,
                                          enrolment__centre_id=award.badge_class.centre_id)
    page = ob2.absolute(reverse("award_public", args=[award.uuid]))
    for evidence in chosen.order_by("activity_date", "pk"):
        item = {"id": f"{page}#evidence-{evidence.pk}-h", "type": ["Evidence"], "name": evidence.title or "Evidence"}
        if evidence.method:
            item["genre"] = str(evidence.get_method_display())
        items.append(item)
    return items


def credential(award: Award) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of an award."""
    badge, centre = award.badge_class, award.badge_class.centre
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityHash": ob2.hashed_identity(award.recipient_email,
                                                                                      award.salt),
                        "identityType": "emailAddress", "hashed": True, "salt": award.salt}],
        "achievement": achievement(badge),
    }
    if badge.credits is not None:
        subject["creditsEarned"] = badge.credits
    if award.narrative:
        subject["narrative"] = award.narrative
    data: dict[str, Any] = {
        "@context": [VC_V2, OB_V3P0, EXTENSIONS],
        "id": credential_url(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(centre),
        "validFrom": xsd_datetime(award.issued_on),
        "awardedDate": xsd_datetime(award.issued_on),
        "name": badge.name,
        "description": badge.description,
        "image": {"id": ob2.badge_image_url(badge), "type": "Image"},
        "credentialSubject": subject,
        "credentialStatus": status_lists.revocation_list_entry(centre),
    }
    if award.expires_at:
        data["validUntil"] = xsd_datetime(award.expires_at)
    if evidence := _evidence(award):
        data["evidence"] = evidence
    return data


# --- Signing, once -------------------------------------------------------------------------------------

def _locked_award(award: Award) -> Award:
    return Award.objects.select_for_update().select_related("badge_class__centre").get(pk=award.pk)


def _signed_once(award: Award, field: str, sign: Callable[[Award], Any], *, resign: bool) -> Any:
    """What `sign` makes of the award (given it locked), stored in `field` on first use; later calls return the
    stored value unless ``resign``. The row lock makes two first uses at once sign only once."""
    if getattr(award, field) and not resign:
        return getattr(award, field)
    with transaction.atomic():
        locked = _locked_award(award)
        if getattr(locked, field) and not resign:
            setattr(award, field, getattr(locked, field))
            return getattr(locked, field)
        signed = sign(locked)
        Award.objects.filter(pk=award.pk).update(**{field: signed})
    setattr(award, field, signed)
    return signed


def signed_credential(award: Award, *, resign: bool = False) -> dict[str, Any]:
    """The credential with a Data Integrity proof (eddsa-rdfc-2022, the issuer's current Ed25519 key)."""
    def sign(locked: Award) -> dict[str, Any]:
        key = issuer_key(locked.badge_class.centre, IssuerKey.Algorithm.ED25519)
        return sign_eddsa_rdfc_2022(credential(award), private_key=private_key_of(key),
                                    verification_method=verification_method_id(key),
                                    created=xsd_datetime(timezone.now()), proof_as_list=True)

    return _signed_once(award, "credential_ob3", sign, resign=resign)


def signed_jwt(award: Award, *, resign: bool = False) -> str:
    """The same credential as a VC-JWT (RS256, the issuer's current RSA key)."""
    def sign(locked: Award) -> str:
        unsigned = {key: value for key, value in signed_credential(award).items() if key != "proof"}
        key = issuer_key(locked.badge_class.centre, IssuerKey.Algorithm.RSA)
        return sign_vc_jwt(unsigned, private_key=private_key_of(key), kid=verification_method_id(key))

    return _signed_once(award, "credential_jwt", sign, resign=resign)


# --- Verifying -----------------------------------------------------------------------------------------

@dataclass
class Report:
    """What :func:`verify_credential` found. ``status`` is one of the constants above; ``reason`` says why."""

    status: str
    reason: str = ""
    format: str = ""
    credential: dict[str, Any] | None = None
    award: Award | None = None
    verification_method: str = ""
    revocation_reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == VALID

    @property
    def signature_verified(self) -> bool:
        return self.status in (VALID, EXPIRED, REVOKED)


def id_of(value: Any) -> str:
    """The id of a JSON-LD node given as an object or as a bare string ("" when neither)."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def moment_of(value: Any) -> datetime | None:
    """An XSD dateTime as an aware datetime (UTC when it names no zone), or None."""
    try:
        moment = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment is not None and timezone.is_naive(moment) else moment


def _unverified_jwt_payload(token: str) -> dict[str, Any] | None:
    try:
        payload = pyjwt.decode(token, options={"verify_signature": False})
    except pyjwt.InvalidTokenError:
        return None
    return payload["vc"] if isinstance(payload.get("vc"), dict) and "@context" not in payload else payload


def verify_credential(document_or_jwt: dict[str, Any] | str) -> Report:
    """Check one of our OB 3.0 credentials: a dict with an eddsa-rdfc-2022 proof, or a VC-JWT string."""
    is_jwt = isinstance(document_or_jwt, str)
    report = Report(status=INVALID, format=VC_JWT if is_jwt else DATA_INTEGRITY)
    claimed = _unverified_jwt_payload(document_or_jwt.strip()) if is_jwt else document_or_jwt
    if not isinstance(claimed, dict):
        report.reason = "not a credential: neither a JSON object nor a readable JWT"
        return report
    issuer = id_of(claimed.get("issuer"))
    centre = centre_of_issuer(issuer)
    if centre is None:
        report.status, report.reason = UNKNOWN_ISSUER, f"the issuer {issuer or '(none)'} is not one of ours"
        return report
    resolver = public_key_resolver(issuer=issuer)
    try:
        if is_jwt:
            result = verify_vc_jwt(document_or_jwt.strip(), public_key_resolver=resolver)
        else:
            result = verify_eddsa_rdfc_2022(document_or_jwt, public_key_resolver=resolver)
    except Exception as error:  # crafted input must give a report, never an error
        report.status, report.reason = TAMPERED, f"the credential could not be checked: {error!r}"
        return report
    report.verification_method = result.verification_method
    if not result.ok:
        report.status, report.reason = TAMPERED, result.reason
        return report
    report.credential = result.credential if is_jwt else document_or_jwt
    return _conclude(report, centre)


def _conclude(report: Report, centre: Centre) -> Report:
    credential = report.credential or {}
    report.award = award = award_of_credential(id_of(credential), centre)
    revoked, reason = status_lists.revocation_status(credential, centre)
    if award is not None and award.revoked_at:  # our own record, whatever the credential points at
        revoked, reason = True, award.revocation_reason
    now = timezone.now()
    valid_from, valid_until = moment_of(credential.get("validFrom")), moment_of(credential.get("validUntil"))
    if revoked:
        report.status, report.reason, report.revocation_reason = REVOKED, "revoked by its issuer", reason
    elif valid_until is not None and valid_until <= now:
        report.status, report.reason = EXPIRED, f"it expired at {credential['validUntil']}"
    elif valid_from is None or valid_from > now:
        report.status, report.reason = INVALID, f"it is not valid before {credential.get('validFrom')}"
    else:
        report.status, report.reason = VALID, "signed by its issuer, not revoked, within its validity dates"
    return report

