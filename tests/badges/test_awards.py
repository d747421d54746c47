"""Awards: made automatically from sign-off and completion, by hand, revoked, and shared as the learner chooses."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.utils import timezone

from assessment.models import UnitSignOff
from assessment.services import review_decide, review_start, unit_sign_off, unit_unlock
from audit.models import AuditEvent
from badges.awards.automatic import award_for_completion, award_for_sign_off
from badges.awards.badge_classes import (
    FORMAL_ASSESSMENT,
    BadgeError,
    badge_class_create,
    badge_class_for_qualification,
    badge_class_for_unit,
)
from badges.awards.services import (
    award_badge,
    award_by_hand,
    award_revoke,
    award_set_sharing,
)
from badges.models import Award, BadgeClass
from badges.openbadges import ob2
from notifications.models import Notification
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import EnrolmentUnit, Evidence
from qualifications.models import AssessmentCriterion
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

SITE = "https://leap.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def participation_badge(personas, **fields) -> BadgeClass:
    values = {"kind": BadgeClass.Kind.PARTICIPATION, "name": "Food hygiene open day",
              "description": "Took part in the open day.", "criteria_narrative": "Attend the whole day."}
    return badge_class_create(centre=personas.centre, actor=personas.admin, **{**values, **fields})


def accepted_evidence(enrolment, learner, assessor, criteria, title="Kitchen") -> Evidence:
    """Through the real services: uploaded, submitted, reviewed and accepted with every criterion met."""
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    photo = jpeg_bytes(colour=(len(title), 1, 1))
    evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="a.jpg", size=len(photo), actor=learner)
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title=title, reflection="r",
                        method="product", activity_date=None, activity_place="", criteria=criteria)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    review = review_start(submission=evidence.submissions.get(), actor=assessor)
    review_decide(review=review, actor=assessor, decisions={c.pk: True for c in criteria}, outcome="accepted",
                  feedback="ok")
    evidence.refresh_from_db()
    return evidence


def sign_off_unit(personas, enrolment, unit):
    criteria = list(AssessmentCriterion.objects.filter(unit=unit))
    accepted_evidence(enrolment, personas.learner, personas.assessor, criteria, title=f"Work for {unit.code}")
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit)
    return unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)


def badge_emails(to: str) -> list:
    return [m for m in mail.outbox if to in m.to and "badge" in m.subject.lower()]


# --- Automatic awards, end to end (Celery eager; on_commit runs) ------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_signing_a_unit_off_awards_bakes_and_emails_its_badge(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()

    sign_off_unit(personas, enrolment, unit)

    award = Award.objects.get()
    assert award.badge_class.kind == BadgeClass.Kind.UNIT and award.badge_class.unit == unit
    assert award.recipient == personas.learner and award.enrolment == enrolment
    assert award.awarded_by == personas.assessor and unit.code in award.narrative
    assert award.baked_ob2 and award.baked_at and award.baked_ob3
    from badges.openbadges.baking import unbake_png

    baked = award.baked_ob2.read()
    assert unbake_png(baked, "openbadges") and ob2.assertion_url(award) in unbake_png(baked, "openbadges")
    [email] = badge_emails(personas.learner.email)
    assert award.badge_class.name in email.subject
    html = email.alternatives[0][0]
    assert ob2.badge_image_url(award.badge_class) in html  # the badge shows in the email
    assert f"#award-{award.uuid}" in email.body  # and links to the learner's wallet, where they download it
    assert AuditEvent.objects.filter(action="badge.awarded", object_id=str(award.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_unlock_and_sign_off_again_awards_one_valid_unit_badge_per_sign_off(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    unit = version.units.order_by("position").first()
    sign_off = sign_off_unit(personas, enrolment, unit)
    enrolment_unit = sign_off.enrolment_unit

    unit_unlock(enrolment_unit=enrolment_unit, actor=personas.moderator, reason="Sampled: recheck 1.2")
    again = unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)

    assert Award.objects.count() == 2 and Award.objects.filter(revoked_at__isnull=True).count() == 1
    assert len(badge_emails(personas.learner.email)) == 2
    # Running the tasks again (redelivered messages) changes nothing either.
    assert award_for_sign_off(sign_off_id=sign_off.pk).revoked_at
    assert award_for_sign_off(sign_off_id=again.pk) == Award.objects.get(revoked_at__isnull=True)
    assert Award.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_completing_the_qualification_awards_the_qualification_badge(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)

    sign_off_unit(personas, enrolment, version.units.get())

    enrolment.refresh_from_db()
    assert enrolment.status == enrolment.Status.COMPLETED
    kinds = sorted(Award.objects.values_list("badge_class__kind", flat=True))
    assert kinds == ["qualification", "unit"]
    qualification_award = Award.objects.get(badge_class__kind="qualification")
    assert qualification_award.badge_class.version == version and qualification_award.baked_ob2
    assert len(badge_emails(personas.learner.email)) == 2
    assert award_for_completion(enrolment_id=enrolment.pk) == qualification_award
    assert Award.objects.count() == 2


@pytest.mark.django_db
def test_an_unlocked_sign_off_awards_nothing(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=1)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    sign_off = UnitSignOff.objects.create(
        enrolment_unit=enrolment.enrolment_units.get(), number=1, signed_off_by=personas.assessor,
        signed_off_at=timezone.now(), declaration="d", seal={}, seal_hash="x", unlocked_at=timezone.now(),
        unlocked_by=personas.moderator, unlock_reason="r")
    assert award_for_sign_off(sign_off_id=sign_off.pk) is None
    assert award_for_completion(enrolment_id=enrolment.pk) is None  # not complete
    assert not Award.objects.exists()


# --- Badge classes --------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_unit_badge_is_made_once_from_the_specification(personas):
    version = make_spec(personas.centre, code="HOSP-L3", units=2, outcomes=2, criteria=2)
    unit = version.units.order_by("position").first()

    badge = badge_class_for_unit(unit=unit, centre=personas.centre)

    assert badge_class_for_unit(unit=unit, centre=personas.centre) == badge
    assert BadgeClass.objects.filter(kind="unit").count() == 1
    assert unit.title in badge.name and unit.code in badge.name
    assert "Know topic 1 of unit 1" in badge.criteria_narrative and "1.2 Describe point 2" in badge.criteria_narrative
    assert len(badge.alignments) == 4
    first = badge.alignments[0]
    assert first["targetName"] == "1.1 Describe point 1"
    assert first["targetFramework"] == "HOSP-L3" and first["targetCode"] == f"{unit.code}/1.1"
    assert first["targetUrl"] == f"{SITE}/badges/ob2/badges/{badge.uuid}"
    assert (badge.credits, badge.notional_hours, badge.level) == (10, 60, "RQF 3")
    assert badge.assessment_type == FORMAL_ASSESSMENT
    assert badge.participation_form == "Work-based, in person"
    assert badge.quality_assurance.startswith("Internal quality assurance (IQA)")
    assert badge.image.name.endswith(".png")
    assert AuditEvent.objects.filter(action="badge_class.created", object_id=str(badge.pk)).count() == 1


@pytest.mark.django_db
def test_a_unit_of_another_centre_gets_no_badge_here(personas):
    version = make_spec(personas.other_centre, units=1, outcomes=1, criteria=1)
    with pytest.raises(BadgeError):
        badge_class_for_unit(unit=version.units.get(), centre=personas.centre)


@pytest.mark.django_db
def test_the_qualification_badge_stacks_and_lists_the_unit_badges(personas):
    version = make_spec(personas.centre, code="HOSP-L3", units=3, outcomes=1, criteria=1)

    badge = badge_class_for_qualification(version=version, centre=personas.centre)

    assert badge_class_for_qualification(version=version, centre=personas.centre) == badge
    assert "stacks the unit badges" in badge.description
    for unit in version.units.all():
        assert f"{unit.code} {unit.title}" in badge.description
    assert [a["targetCode"] for a in badge.alignments] == ["HOSP-L3-U1", "HOSP-L3-U2", "HOSP-L3-U3"]
    assert badge.credits == 30 and badge.version == version and badge.is_formal


@pytest.mark.django_db
def test_only_a_centre_admin_creates_hand_made_badges_and_it_is_audited(personas):
    with pytest.raises(PermissionDenied):
        badge_class_create(centre=personas.centre, actor=personas.assessor, kind="skill", name="x",
                           description="d", criteria_narrative="c")
    with pytest.raises(BadgeError, match="made from the specification"):
        participation_badge(personas, kind=BadgeClass.Kind.UNIT)
    with pytest.raises(BadgeError, match="name"):
        participation_badge(personas, name="  ")
    with pytest.raises(BadgeError, match="Alignment 1"):
        participation_badge(personas, alignments=[{"targetName": "Hygiene", "targetUrl": "not a url"}])

    badge = participation_badge(personas, tags=[" food ", ""], validity_days=365,
                                alignments=[{"targetName": "ESCO food safety", "targetUrl": "https://esco.example/1",
                                             "bogus": "dropped"}])

    assert badge.tags == ["food"] and badge.validity_days == 365
    assert badge.alignments == [{"targetName": "ESCO food safety", "targetUrl": "https://esco.example/1"}]
    assert badge.image and not badge.is_formal
    event = AuditEvent.objects.get(action="badge_class.created", object_id=str(badge.pk))
    assert event.actor == personas.admin


# --- By hand --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_centre_admin_or_the_learners_own_assessor_awards_by_hand(personas, django_capture_on_commit_callbacks):
    badge = participation_badge(personas, validity_days=30)

    with django_capture_on_commit_callbacks(execute=True):
        by_admin = award_by_hand(badge_class=badge, recipient=personas.learner, narrative="Ran the stand",
                                 evidence_url="https://example.org/photos", actor=personas.admin)
        by_assessor = award_by_hand(badge_class=badge, recipient=personas.second_learner, narrative="Helped",
                                    actor=personas.assessor)

    assert by_admin.awarded_by == personas.admin and by_assessor.awarded_by == personas.assessor
    assert by_admin.expires_at - by_admin.issued_on == datetime.timedelta(days=30)
    assert by_admin.recipient_email == personas.learner.email
    assert {by_admin.status_index, by_assessor.status_index} == {0, 1}
    assert Notification.objects.filter(user=personas.learner, kind="badge_awarded").count() == 1
    # The email carries the baked badge.
    from django.core import mail

    sent = next(m for m in mail.outbox if m.to == [personas.learner.email] and "badge" in m.subject.lower())
    (name, content, mimetype), = sent.attachments
    assert mimetype == "image/png" and content.startswith(b"\x89PNG") and b"openbadges" in content


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["second_assessor", "learner", "moderator", "other_centre_assessor", "outsider"])
def test_nobody_else_awards_by_hand(personas, who):
    badge = participation_badge(personas)
    with pytest.raises(PermissionDenied):
        award_by_hand(badge_class=badge, recipient=personas.second_learner, narrative="n",
                      actor=getattr(personas, who))
    assert not Award.objects.exists()


@pytest.mark.django_db
def test_by_hand_awards_go_only_to_the_centres_learners_once_with_a_narrative(personas):
    badge = participation_badge(personas)
    with pytest.raises(BadgeError, match="not a learner"):
        award_by_hand(badge_class=badge, recipient=personas.other_centre_learner, narrative="n", actor=personas.admin)
    with pytest.raises(BadgeError, match="not a learner"):
        award_by_hand(badge_class=badge, recipient=personas.assessor, narrative="n", actor=personas.admin)
    with pytest.raises(BadgeError, match="narrative"):
        award_by_hand(badge_class=badge, recipient=personas.learner, narrative=" ", actor=personas.admin)
    with pytest.raises(BadgeError, match="web address"):
        award_by_hand(badge_class=badge, recipient=personas.learner, narrative="n", evidence_url="ftp://x",
                      actor=personas.admin)
    award_by_hand(badge_class=badge, recipient=personas.learner, narrative="n", actor=personas.admin)
    with pytest.raises(BadgeError, match="already holds"):
        award_by_hand(badge_class=badge, recipient=personas.learner, narrative="n", actor=personas.admin)
    unit_badge = badge_class_for_unit(unit=make_spec(personas.centre, units=1).units.get(), centre=personas.centre)
    with pytest.raises(BadgeError, match="signed off"):
        award_by_hand(badge_class=unit_badge, recipient=personas.learner, narrative="n", actor=personas.admin)
    assert Award.objects.count() == 1


@pytest.mark.django_db
def test_status_indexes_are_per_centre_and_never_reused(personas):
    here = participation_badge(personas)
    other = participation_badge(personas, name="Second")
    indexes = [award_badge(badge_class=b, recipient=personas.learner, actor=personas.admin).status_index
               for b in (here, other, here)]
    assert indexes == [0, 1, 2]


# --- Revocation and sharing -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_centre_admin_revokes_with_a_reason_and_the_learner_is_told(personas):
    award = award_by_hand(badge_class=participation_badge(personas), recipient=personas.learner, narrative="n",
                          actor=personas.admin)
    with pytest.raises(PermissionDenied):
        award_revoke(award=award, reason="r", actor=personas.assessor)
    with pytest.raises(BadgeError, match="reason"):
        award_revoke(award=award, reason="  ", actor=personas.admin)

    award_revoke(award=award, reason="Awarded to the wrong person", actor=personas.admin)

    award.refresh_from_db()
    assert award.revoked_at and award.revocation_reason == "Awarded to the wrong person"
    assert AuditEvent.objects.get(action="badge.revoked").data["reason"] == "Awarded to the wrong person"
    told = Notification.objects.get(user=personas.learner, kind="badge_revoked")
    assert "revoked" in told.subject
    with pytest.raises(BadgeError, match="already"):
        award_revoke(award=award, reason="again", actor=personas.admin)


@pytest.mark.django_db
def test_the_learner_chooses_what_is_public_from_their_own_accepted_evidence(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=1)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    mine = Evidence.objects.create(enrolment=enrolment, title="Menu I planned", reflection="I costed it",
                                   method="product", status=Evidence.Status.ACCEPTED)
    draft = Evidence.objects.create(enrolment=enrolment, title="Draft", status=Evidence.Status.DRAFT)
    theirs_enrolment = make_enrolment(personas.second_learner, personas.assessor, version)
    theirs = Evidence.objects.create(enrolment=theirs_enrolment, title="Not mine", status=Evidence.Status.ACCEPTED)
    award = award_by_hand(badge_class=participation_badge(personas), recipient=personas.learner, narrative="n",
                          actor=personas.admin)

    with pytest.raises(PermissionDenied):
        award_set_sharing(award=award, actor=personas.admin, show_name_publicly=True, in_showcase=True)
    for forbidden in (draft, theirs):
        with pytest.raises(BadgeError, match="accepted evidence"):
            award_set_sharing(award=award, actor=personas.learner, show_name_publicly=True, in_showcase=True,
                              public_evidence_ids=[mine.pk, forbidden.pk])

    award_set_sharing(award=award, actor=personas.learner, show_name_publicly=True, in_showcase=True,
                      public_evidence_ids=[mine.pk])

    award.refresh_from_db()
    assert award.show_name_publicly and award.in_showcase
    assert list(award.public_evidence.all()) == [mine]
    assert {"type": "Evidence", "name": "Menu I planned", "narrative": "I costed it",
            "genre": "Product evidence"} in ob2.assertion(award)["evidence"]
    assert AuditEvent.objects.filter(action="badge.sharing_changed", actor=personas.learner).exists()
