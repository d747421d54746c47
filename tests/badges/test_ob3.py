"""Open Badges 3.0 credentials of real awards: their shape, the OB 3.0 JSON schema, signing once, our verifier,
baking, revocation, expiry and key rotation. Everything runs with the network shut (only loopback is allowed)."""

import copy
import datetime
import ipaddress
import json
import socket
import zlib
from pathlib import Path

import jsonschema
import png
import pytest
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone
from referencing import Registry, Resource

from assessment.services import review_decide, review_start, unit_sign_off
from badges.awards.badge_classes import badge_class_create
from badges.awards.services import award_by_hand, award_revoke
from badges.models import Award, BadgeClass, IssuerKey
from badges.openbadges import addresses, ob2, ob3, status_lists
from badges.openbadges.baking import award_bake
from badges.openbadges.crypto.data_integrity import canonicalise
from badges.openbadges.keys import issuer_id, issuer_key, rotate_issuer_key
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import EnrolmentUnit
from qualifications.models import AssessmentCriterion
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

SITE = "https://leap.example"
# A copy of shared/standards/openbadges/, so the schema checks run wherever the project is cloned.
SCHEMA_PATH = Path(__file__).parent / "standards" / "ob_v3p0_achievementcredential_schema.json"


# --- Fixtures shared by the OB 3.0 test modules -------------------------------------------------------------

@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _is_loopback(address) -> bool:
    if not isinstance(address, tuple):
        return True  # a Unix socket
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Signing and verifying must never reach the network: any connection beyond loopback fails the test."""
    attempts: list = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def guard(real):
        def connect(sock, address, *args):
            if not _is_loopback(address):
                attempts.append(address)
                raise OSError(f"network access to {address!r} is not allowed here")
            return real(sock, address, *args)
        return connect

    monkeypatch.setattr(socket.socket, "connect", guard(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard(real_connect_ex))
    yield attempts
    assert attempts == [], f"tried to reach the network: {attempts}"


def unit_award(personas, *, code: str = "HOSP-L3") -> Award:
    """A unit badge earned the real way: evidence accepted against every criterion, the unit signed off, and the
    badge awarded and baked by the tasks the commit queues (run here as the worker would)."""
    version = make_spec(personas.centre, code=code, units=2, outcomes=2, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    criteria = list(AssessmentCriterion.objects.filter(unit=unit))
    learner, assessor = personas.learner, personas.assessor
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the upload is processed after its commit
        evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="a.jpg", size=len(photo),
                             actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=f"Work for {unit.code}",
                        reflection="I prepared the kitchen.", method="product", activity_date=None,
                        activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    review = review_start(submission=evidence.submissions.get(), actor=assessor)
    review_decide(review=review, actor=assessor, decisions={c.pk: True for c in criteria}, outcome="accepted",
                  feedback="Well done.")
    with TestCase.captureOnCommitCallbacks(execute=True):
        unit_sign_off(enrolment_unit=EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit), actor=assessor,
                      declared=True)
    return Award.objects.select_related("badge_class__centre").get(enrolment=enrolment)


@pytest.fixture
def award(personas) -> Award:
    return unit_award(personas)


def hand_award(personas, *, learner=None, validity_days=None, **fields) -> Award:
    badge = badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.SKILL,
                               name=fields.pop("name", "Knife skills"), description="Handles knives safely.",
                               criteria_narrative="Observed at work.", validity_days=validity_days)
    return award_by_hand(badge_class=badge, recipient=learner or personas.learner, narrative="Sharp work.",
                         actor=personas.admin, **fields)


def schema_validator():
    schema = json.loads(SCHEMA_PATH.read_text())
    # Any $ref by $id resolves from this registry, never from the network.
    registry = Registry().with_resource(schema["$id"], Resource.from_contents(schema))
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft201909Validator  # as the schema declares
    return validator_class(schema, registry=registry)


def schema_errors(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in schema_validator().iter_errors(document)]


def itxt_chunks(png_bytes: bytes) -> dict[str, str]:
    """The iTXt chunks of a PNG, read with pypng (not our baking code): keyword -> text."""
    found = {}
    for kind, data in png.Reader(bytes=png_bytes).chunks():
        if kind != b"iTXt":
            continue
        keyword, rest = data.split(b"\x00", 1)
        compressed, rest = rest[0], rest[2:]
        _language, _translated, text = rest.split(b"\x00", 2)
        found[keyword.decode("latin-1")] = (zlib.decompress(text) if compressed else text).decode("utf-8")
    return found


# --- The credential -----------------------------------------------------------------------------------------

def test_a_unit_award_is_an_open_badge_credential_of_the_unit(award):
    credential = ob3.credential(award)
    badge, centre = award.badge_class, award.badge_class.centre
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"]
    assert credential["id"] == f"{SITE}/badges/ob3/credentials/{award.uuid}"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"] == {"id": f"{SITE}/badges/issuers/{centre.pk}", "type": ["Profile"],
                                    "name": centre.name, "url": centre.website or SITE,
                                    "address": {"type": ["Address"], "addressCountryCode": centre.country.upper()}}
    assert credential["validFrom"] == award.issued_on.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert "validUntil" not in credential
    assert credential["credentialStatus"] == {"id": f"{SITE}/badges/issuers/{centre.pk}/revocations",
                                              "type": "1EdTechRevocationList"}
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["id"] == ob2.badge_class_url(badge) and achievement["type"] == ["Achievement"]
    assert achievement["achievementType"] == "Competency" and achievement["name"] == badge.name
    assert achievement["criteria"] == {"narrative": badge.criteria_narrative}
    assert achievement["image"] == {"id": ob2.badge_image_url(badge), "type": "Image"}
    assert achievement["creditsAvailable"] == 10 and achievement["humanCode"] == badge.unit.code
    assert credential["credentialSubject"]["creditsEarned"] == 10
    assert award.narrative == credential["credentialSubject"]["narrative"]


def test_the_recipient_is_a_salted_hash_of_their_email(award):
    [identity] = ob3.credential(award)["credentialSubject"]["identifier"]
    assert identity == {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
                        "salt": award.salt, "identityHash": ob2.hashed_identity(award.recipient_email, award.salt)}
    assert award.recipient_email not in json.dumps(ob3.credential(award))


def test_learning_outcomes_and_the_eu_elements_are_alignments(award):
    alignment = ob3.credential(award)["credentialSubject"]["achievement"]["alignment"]
    criteria = [a for a in alignment if a.get("targetFramework") == "HOSP-L3"]
    assert len(criteria) == 4 and all(a["type"] == ["Alignment"] and a["targetUrl"] for a in criteria)
    eu = {a["targetCode"]: a["targetDescription"] for a in alignment if a.get("targetType") == ob3.EU_ELEMENT}
    badge = award.badge_class
    assert eu == {"notionalWorkload": "60 hours", "level": badge.level, "typeOfAssessment": badge.assessment_type,
                  "formOfParticipation": badge.participation_form, "qualityAssurance": badge.quality_assurance}


@pytest.mark.parametrize("kind,expected", [("participation", "Achievement"), ("skill", "Competency"),
                                           ("event", "Achievement")])
def test_achievement_types_come_from_the_ob3_enumeration(personas, kind, expected):
    badge = BadgeClass(centre=personas.centre, kind=kind, name="x")
    assert ob3.achievement_type(badge) == expected
    enumeration = json.loads(SCHEMA_PATH.read_text())["$defs"]["Achievement"]["properties"]["achievementType"]
    assert expected in enumeration["oneOf"][0]["enum"]


def test_a_qualification_badge_is_a_certificate_or_a_diploma(personas):
    assert ob3.achievement_type(BadgeClass(kind="qualification", name="Food Safety Certificate (F1)")) == "Certificate"
    assert ob3.achievement_type(BadgeClass(kind="qualification", name="HOSP-L3 Diploma (HOSP-L3)")) == "Diploma"


def test_an_expiring_badge_has_valid_until(personas):
    award = hand_award(personas, validity_days=365)
    credential = ob3.credential(award)
    assert credential["validUntil"] == award.expires_at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_evidence_url_and_evidence_made_public_are_listed_without_the_reflection(personas, award):
    from .test_public_award import learner_enrolment, make_evidence

    award.evidence_url = "https://portfolio.example/maya/knife-skills"
    award.save()
    shown = make_evidence(learner_enrolment(personas), title="Salad service")
    award.public_evidence.add(shown)
    evidence = ob3.credential(award)["evidence"]
    assert evidence[0] == {"id": "https://portfolio.example/maya/knife-skills", "type": ["Evidence"]}
    assert evidence[1]["name"] == "Salad service" and evidence[1]["type"] == ["Evidence"]
    assert evidence[1]["id"] == f"{SITE}/badges/awards/{award.uuid}/#evidence-{shown.pk}-h"
    assert shown.reflection not in json.dumps(evidence)


def test_every_property_is_defined_by_the_contexts(award, personas):
    from .test_public_award import learner_enrolment, make_evidence

    award.evidence_url = "https://portfolio.example/e"
    award.public_evidence.add(make_evidence(learner_enrolment(personas)))
    canonicalise(ob3.credential(award))  # strict: raises for any property the contexts do not define
    canonicalise(ob3.credential(hand_award(personas, validity_days=30)))


# --- The OB 3.0 JSON schema ---------------------------------------------------------------------------------

def test_the_signed_credential_of_a_unit_award_validates_against_the_ob3_schema(award):
    assert schema_errors(ob3.signed_credential(award)) == []


def test_a_hand_award_with_expiry_and_evidence_validates_against_the_ob3_schema(personas):
    award = hand_award(personas, validity_days=30, evidence_url="https://portfolio.example/e")
    assert schema_errors(ob3.signed_credential(award)) == []


def test_the_schema_check_is_not_a_rubber_stamp(award):
    broken = copy.deepcopy(ob3.signed_credential(award))
    broken["credentialSubject"]["identifier"][0]["identityType"] = "email"
    broken["credentialStatus"] = [broken["credentialStatus"]]  # a list: the schema wants one object
    assert len(schema_errors(broken)) == 2


# --- Signing once -------------------------------------------------------------------------------------------

def test_baking_signed_the_credential_once_with_the_current_ed25519_key(award):
    key = issuer_key(award.badge_class.centre, IssuerKey.Algorithm.ED25519)
    stored = award.credential_ob3
    assert stored and stored["proof"][0]["verificationMethod"] == key.key_id
    assert stored["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022" and len(stored["proof"]) == 1
    assert ob3.signed_credential(award) == stored
    assert ob3.signed_credential(Award.objects.get(pk=award.pk)) == stored


def test_resigning_is_explicit(award):
    before = ob3.signed_credential(award)
    after = ob3.signed_credential(award, resign=True)
    assert Award.objects.get(pk=award.pk).credential_ob3 == after
    assert {k: v for k, v in after.items() if k != "proof"} == {k: v for k, v in before.items() if k != "proof"}


def test_the_jwt_carries_the_same_credential_signed_with_the_rsa_key(award):
    import jwt as pyjwt

    token = ob3.signed_jwt(award)
    header = pyjwt.get_unverified_header(token)
    payload = pyjwt.decode(token, options={"verify_signature": False})
    key = issuer_key(award.badge_class.centre, IssuerKey.Algorithm.RSA)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": key.key_id}
    assert {k: v for k, v in payload.items() if k not in ("iss", "jti", "nbf", "exp")} == {
        k: v for k, v in award.credential_ob3.items() if k != "proof"}
    assert payload["iss"] == issuer_id(award.badge_class.centre) and payload["jti"] == addresses.credential_url(award)
    assert ob3.signed_jwt(Award.objects.get(pk=award.pk)) == token


# --- Our verifier -------------------------------------------------------------------------------------------

def test_our_credential_and_jwt_verify(award):
    for document in (ob3.signed_credential(award), ob3.signed_jwt(award)):
        report = ob3.verify_credential(document)
        assert report.status == ob3.VALID, report.reason
        assert report.award == award


@pytest.mark.parametrize("change", [
    lambda c: c.update(name="Head Chef Diploma"),
    lambda c: c["issuer"].update(name="South Skills Academy"),
    lambda c: c.update(validFrom="2001-01-01T00:00:00Z"),
    lambda c: c["credentialSubject"]["achievement"].update(creditsAvailable=120),
    lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="sha256$" + "0" * 64),
    lambda c: c.pop("credentialStatus"),
], ids=["name", "issuer", "validFrom", "credits", "recipient", "status"])
def test_a_tampered_credential_is_reported_tampered(award, change):
    tampered = copy.deepcopy(ob3.signed_credential(award))
    change(tampered)
    report = ob3.verify_credential(tampered)
    assert report.status == ob3.TAMPERED and "signature" in report.reason


@pytest.mark.parametrize("change", [
    lambda c: c.update(name="Head Chef Diploma"),
    lambda c: c["issuer"].update(name="South Skills Academy"),
    lambda c: c.update(nbf=978307200, validFrom="2001-01-01T00:00:00Z"),
    lambda c: c["credentialSubject"]["achievement"].update(name="Leadership"),
], ids=["name", "issuer", "validFrom", "credentialSubject"])
def test_a_tampered_jwt_is_reported_tampered(award, change):
    tampered = tamper_jwt(ob3.signed_jwt(award), change)
    assert ob3.verify_credential(tampered).status == ob3.TAMPERED


def tamper_jwt(token: str, change) -> str:
    import base64

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_credential_naming_another_centre_as_issuer_does_not_verify(award, personas):
    forged = copy.deepcopy(ob3.signed_credential(award))
    forged["issuer"]["id"] = issuer_id(personas.other_centre)
    assert ob3.verify_credential(forged).status == ob3.TAMPERED


def test_a_credential_of_someone_else_is_an_unknown_issuer(award):
    foreign = copy.deepcopy(ob3.signed_credential(award))
    foreign["issuer"]["id"] = "https://elsewhere.example/issuers/1"
    assert ob3.verify_credential(foreign).status == ob3.UNKNOWN_ISSUER
    assert ob3.verify_credential("not.a.jwt").status in (ob3.INVALID, ob3.UNKNOWN_ISSUER)


@pytest.mark.parametrize("document", [
    {"proof": "x", "issuer": 1}, {"issuer": "http://[::1"}, {"issuer": {"id": f"{SITE}/badges/issuers/987654"}},
    {"issuer": f"{SITE}/badges/issuers/1?x=1"}, "a.b.c", "", "[" * 5000,
], ids=["no issuer", "bad url", "no such centre", "query", "bad jwt", "empty", "deep"])
def test_crafted_input_gets_a_report_not_an_error(award, document):
    report = ob3.verify_credential(document)
    assert report.status in (ob3.INVALID, ob3.UNKNOWN_ISSUER) and report.reason and not report.signature_verified


def test_a_proof_that_is_not_ours_claiming_our_issuer_is_tampered(award):
    credential = copy.deepcopy(award.credential_ob3)
    credential["proof"][0]["verificationMethod"] = f"{issuer_id(award.badge_class.centre)}/keys/987654"
    report = ob3.verify_credential(credential)
    assert report.status == ob3.TAMPERED and "could not be resolved" in report.reason


def test_a_revoked_award_verifies_as_revoked_with_its_reason(award, personas):
    credential, token = ob3.signed_credential(award), ob3.signed_jwt(award)
    award_revoke(award=award, reason="Sampled: the evidence was not the learner's own", actor=personas.admin)
    for document in (credential, token):
        report = ob3.verify_credential(document)
        assert report.status == ob3.REVOKED
        assert report.revocation_reason == "Sampled: the evidence was not the learner's own"
    listed = status_lists.revocation_list(award.badge_class.centre)["revokedCredentials"]
    assert listed == [{"id": credential["id"], "revocationReason": "Sampled: the evidence was not the learner's own"}]


def test_an_expired_award_verifies_as_expired(personas):
    award = hand_award(personas, validity_days=30)
    Award.objects.filter(pk=award.pk).update(issued_on=timezone.now() - datetime.timedelta(days=60),
                                             expires_at=timezone.now() - datetime.timedelta(days=30))
    award.refresh_from_db()
    credential = ob3.signed_credential(award, resign=True)
    assert ob3.moment_of(credential["validUntil"]) < timezone.now()
    for document in (credential, ob3.signed_jwt(award, resign=True)):
        report = ob3.verify_credential(document)
        assert report.status == ob3.EXPIRED and "expired" in report.reason


def test_a_credential_not_yet_valid_is_invalid(personas):
    award = hand_award(personas)
    Award.objects.filter(pk=award.pk).update(issued_on=timezone.now() + datetime.timedelta(days=2))
    award.refresh_from_db()
    assert ob3.verify_credential(ob3.signed_credential(award, resign=True)).status == ob3.INVALID


def test_after_key_rotation_old_awards_still_verify_and_new_ones_use_the_new_key(award, personas):
    centre = award.badge_class.centre
    old_credential, old_token = ob3.signed_credential(award), ob3.signed_jwt(award)
    old_ed = issuer_key(centre, IssuerKey.Algorithm.ED25519)
    new_ed = rotate_issuer_key(centre=centre, algorithm=IssuerKey.Algorithm.ED25519, actor=personas.admin)
    new_rsa = rotate_issuer_key(centre=centre, algorithm=IssuerKey.Algorithm.RSA, actor=personas.admin)

    assert ob3.signed_credential(Award.objects.get(pk=award.pk)) == old_credential  # not re-signed
    assert ob3.verify_credential(old_credential).status == ob3.VALID
    assert ob3.verify_credential(old_token).status == ob3.VALID
    assert old_credential["proof"][0]["verificationMethod"] == old_ed.key_id

    new_award = hand_award(personas, learner=personas.second_learner)
    new_credential = ob3.signed_credential(new_award)
    assert new_credential["proof"][0]["verificationMethod"] == new_ed.key_id != old_ed.key_id
    import jwt as pyjwt

    assert pyjwt.get_unverified_header(ob3.signed_jwt(new_award))["kid"] == new_rsa.key_id
    assert ob3.verify_credential(new_credential).status == ob3.VALID


# --- Baking -------------------------------------------------------------------------------------------------

def test_the_baked_ob3_image_carries_the_signed_credential_read_by_pypng(award):
    assert award.baked_ob3, "the sign-off should have baked the OB 3.0 image"
    chunks = itxt_chunks(award.baked_ob3.read())
    assert json.loads(chunks["openbadgecredential"]) == award.credential_ob3 == ob3.signed_credential(award)
    assert ob3.verify_credential(json.loads(chunks["openbadgecredential"])).status == ob3.VALID


def test_baking_again_keeps_the_same_credential(award):
    baked = award_bake(award_id=award.pk)
    assert baked.credential_ob3 == award.credential_ob3
    assert json.loads(itxt_chunks(baked.baked_ob3.read())["openbadgecredential"]) == award.credential_ob3
