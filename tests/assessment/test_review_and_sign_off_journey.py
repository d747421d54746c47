"""Review, return, resubmit, accept, sign-off, lock, unlock with a reason and re-sign-off, through the views."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.models import CriterionDecision, Review, UnitSignOff
from audit.models import AuditEvent
from portfolios.evidence.services import evidence_create
from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit, Evidence
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor,
                          make_spec(personas.centre, units=1, outcomes=1, criteria=2))


def submit_evidence(client, enrolment, learner, criteria, title="Plated a three-course menu"):
    """The learner's side: a draft with a photo, the criteria ticked, declared and submitted."""
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    return resubmit(client, evidence, criteria, title)


def resubmit(client, evidence, criteria, title="Plated a three-course menu"):
    client.post(reverse("evidence_upload", args=[evidence.pk]),
                {"files": [SimpleUploadedFile("plate.jpg", jpeg_bytes(colour=(len(title), 10, 10)))]},
                HTTP_ACCEPT="application/json")
    evidence.refresh_from_db()
    response = client.post(reverse("evidence_autosave", args=[evidence.pk]), {
        "title": title, "reflection": "What I did", "method": "product", "activity_place": "Kitchen",
        "criteria": [c.pk for c in criteria], "revision": evidence.revision})
    assert response.status_code == 200, response.content
    evidence.refresh_from_db()
    response = client.post(reverse("evidence_submit", args=[evidence.pk]),
                           {"revision": evidence.revision, "declared": "on"})
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.SUBMITTED
    return evidence


def decide(client, submission, decisions, outcome, follow=False, **extra):
    data = {f"criterion_{pk}": "met" if met else "not_met" for pk, met in decisions.items()}
    data.update({"outcome": outcome, "feedback": extra.pop("feedback", "Good work."), **extra})
    return client.post(reverse("review_decide", args=[submission.pk]), data, follow=follow)


def test_the_whole_loop_from_review_to_re_sign_off(personas, enrolment, mailoutbox):
    c1, c2 = AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("position")
    learner, assessor = client_for(personas.learner), client_for(personas.assessor)
    evidence = submit_evidence(learner, enrolment, personas.learner, [c1, c2])
    first = evidence.submissions.get()

    # The assessor opens it: review started, the learner can no longer withdraw.
    page = assessor.get(reverse("review_detail", args=[first.pk]))
    assert page.status_code == 200 and "Record decision" in page.content.decode()
    learner.post(reverse("evidence_withdraw", args=[evidence.pk]))
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.SUBMITTED and evidence.review_started_at

    # Returned with feedback: one criterion met, one not yet; nothing counts while returned.
    response = decide(assessor, first, {c1.pk: True, c2.pk: False}, "returned", feedback="Show the garnish.",
                      actions="Add a close-up photo.")
    assert response.status_code == 302
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.RETURNED
    assert mailoutbox[-1].to == [personas.learner.email] and "needs more work" in mailoutbox[-1].subject
    assert not AchievedCriterion.objects.exists()

    # Posting the same decision again (a double click) changes nothing.
    again = decide(assessor, first, {c1.pk: True, c2.pk: True}, "accepted")
    assert again.status_code == 302
    assert CriterionDecision.objects.count() == 2 and Review.objects.count() == 1

    # Resubmitted as revision 2; revision 1 and its feedback stay visible.
    evidence = resubmit(learner, evidence, [c1, c2])
    second = evidence.submissions.get(number=2)
    detail = learner.get(reverse("evidence_detail", args=[evidence.pk])).content.decode()
    assert "Revision 1" in detail and "Show the garnish." in detail and "Add a close-up photo." in detail

    # A sign-off before everything is met is refused with what is missing.
    enrolment_unit = EnrolmentUnit.objects.get(enrolment=enrolment)
    sign_off_url = reverse("unit_sign_off", args=[enrolment.pk, enrolment_unit.unit_id])
    response = assessor.post(sign_off_url, {"declared": "on"}, follow=True)
    assert f"Missing: {c1.number}, {c2.number}" in response.content.decode()

    # Accepted: both met; progress moves.
    assessor.get(reverse("review_detail", args=[second.pk]))
    assert decide(assessor, second, {c1.pk: True, c2.pk: True}, "accepted").status_code == 302
    assert AchievedCriterion.objects.filter(enrolment=enrolment).count() == 2
    progress = learner.get(reverse("my_progress")).content.decode()
    assert "2 of 2 criteria met" in progress

    # Signed off: locked, sealed, the learner told, the enrolment complete and the admin told.
    response = assessor.post(sign_off_url, {"declared": "on"})
    assert response.status_code == 302
    enrolment_unit.refresh_from_db()
    assert enrolment_unit.locked_at is not None
    sign_off = UnitSignOff.objects.get()
    assert [f["sha256"] for f in sign_off.seal["files"]] == list(
        evidence.files.order_by("pk").values_list("sha256", flat=True))
    event = AuditEvent.objects.get(action="unit.signed_off")
    assert event.data["seal_hash"] == sign_off.seal_hash and len(event.data["seal"]["decisions"]) == 4
    assert any("Unit" in m.subject and "signed off" in m.subject for m in mailoutbox)
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.COMPLETED
    assert any(personas.admin.email in m.to and "completed" in m.subject for m in mailoutbox)

    # Locked: the learner cannot change the evidence.
    response = learner.post(reverse("evidence_upload", args=[evidence.pk]),
                            {"files": [SimpleUploadedFile("late.jpg", jpeg_bytes())]}, HTTP_ACCEPT="application/json")
    assert response.status_code == 422

    # Unlock with a reason by the moderator: a new version opens, the signed-off one stays readable.
    moderator = client_for(personas.moderator)
    unlock_url = reverse("unit_unlock", args=[enrolment.pk, enrolment_unit.unit_id])
    refused = moderator.post(unlock_url, {"reason": ""}, follow=True)
    assert "Give the reason" in refused.content.decode()
    moderator.post(unlock_url, {"reason": "Sampling found the photos unclear."})
    enrolment_unit.refresh_from_db()
    assert enrolment_unit.locked_at is None
    sign_off.refresh_from_db()
    assert sign_off.unlocked_at and sign_off.unlock_reason == "Sampling found the photos unclear."
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ACTIVE
    reopened = AuditEvent.objects.get(action="enrolment.reopened")
    assert reopened.actor == personas.moderator and "Sampling found the photos unclear." in reopened.data["reason"]

    # Re-sign-off makes version 2; both versions are on the unit's record.
    assessor.post(sign_off_url, {"declared": "on"})
    assert [(s.number, s.unlocked_at is None) for s in UnitSignOff.objects.order_by("number")] == [
        (1, False), (2, True)]
    record = assessor.get(reverse("unit_record", args=[enrolment.pk, enrolment_unit.unit_id])).content.decode()
    assert "Version 1" in record and "Version 2" in record and "Sampling found the photos unclear." in record


def test_deciding_outside_ones_caseload_is_not_found(personas, enrolment):
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version))
    evidence = submit_evidence(client_for(personas.learner), enrolment, personas.learner, criteria)
    submission = evidence.submissions.get()
    for who in ("second_assessor", "other_centre_assessor"):
        client = client_for(getattr(personas, who))
        assert client.get(reverse("review_detail", args=[submission.pk])).status_code == 404
        assert decide(client, submission, {c.pk: True for c in criteria}, "accepted").status_code == 404
    assert client_for(personas.learner).get(reverse("review_detail", args=[submission.pk])).status_code == 403
    assert not Review.objects.exists()


def test_a_withdrawn_revision_cannot_be_decided(personas, enrolment):
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version))
    learner = client_for(personas.learner)
    evidence = submit_evidence(learner, enrolment, personas.learner, criteria)
    submission = evidence.submissions.get()
    learner.post(reverse("evidence_withdraw", args=[evidence.pk]))
    response = decide(client_for(personas.assessor), submission, {c.pk: True for c in criteria}, "accepted",
                      follow=True)
    assert "withdrew this revision" in response.content.decode()
    assert not CriterionDecision.objects.exists()


def test_returning_needs_feedback_or_actions(personas, enrolment):
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version))
    evidence = submit_evidence(client_for(personas.learner), enrolment, personas.learner, criteria)
    response = decide(client_for(personas.assessor), evidence.submissions.get(), {c.pk: False for c in criteria},
                      "returned", feedback="", follow=True)
    assert "Say what the learner should do" in response.content.decode()
    evidence.refresh_from_db()
    assert evidence.status == Evidence.Status.SUBMITTED


def test_the_assessor_can_map_further_criteria_the_item_covers(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=3)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    c1, c2, c3 = AssessmentCriterion.objects.filter(unit__version=version).order_by("position")
    evidence = submit_evidence(client_for(personas.learner), enrolment, personas.learner, [c1])
    submission = evidence.submissions.get()
    decide(client_for(personas.assessor), submission, {c1.pk: True}, "accepted", also_met=[c3.pk])
    assert set(AchievedCriterion.objects.values_list("criterion_id", flat=True)) == {c1.pk, c3.pk}
    assert CriterionDecision.objects.get(criterion=c3).mapped_by_assessor
    assert set(evidence.claims.values_list("criterion_id", flat=True)) == {c1.pk, c3.pk}


def test_decisions_of_an_unqualified_assessor_count_once_countersigned(personas, enrolment):
    from centres.models import Membership, Role

    Membership.objects.filter(user=personas.assessor, role=Role.ASSESSOR).update(qualified=False)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=enrolment.version))
    evidence = submit_evidence(client_for(personas.learner), enrolment, personas.learner, criteria)
    submission = evidence.submissions.get()
    decide(client_for(personas.assessor), submission, {c.pk: True for c in criteria}, "accepted")
    review = Review.objects.get()
    assert review.needs_countersign and not AchievedCriterion.objects.exists()

    # The assessor cannot countersign themselves; a qualified colleague sees it queued and countersigns.
    client_for(personas.assessor).post(reverse("review_countersign", args=[review.pk]))
    assert not Review.objects.get().countersigned_at
    colleague = client_for(personas.second_assessor)
    queue = colleague.get(reverse("countersign_queue")).content.decode()
    assert evidence.title in queue
    colleague.post(reverse("review_countersign", args=[review.pk]))
    review.refresh_from_db()
    assert review.countersigned_by == personas.second_assessor
    assert AchievedCriterion.objects.filter(enrolment=enrolment).count() == len(criteria)
    # An unqualified assessor cannot sign a unit off.
    response = client_for(personas.assessor).post(
        reverse("unit_sign_off", args=[enrolment.pk, criteria[0].unit_id]), {"declared": "on"}, follow=True)
    assert "qualified assessor" in response.content.decode()
    assert not EnrolmentUnit.objects.filter(locked_at__isnull=False).exists()
