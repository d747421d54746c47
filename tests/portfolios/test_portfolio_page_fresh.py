"""The portfolio's units, criteria and evidence are rendered once per viewer and kept under the viewer's
generation, for its learner, assessor and moderator: each write that changes them replaces it, so the very next
request shows the change. Anyone else gets them drawn afresh. Guard: without the receiver the kept units would
still be served, so these tests do see the kept copy."""

import pytest
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from portfolios import receivers
from portfolios.models import AchievedCriterion, EnrolmentUnit, Evidence, EvidenceFile
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

VIEWERS = ["learner", "assessor", "moderator"]


@pytest.fixture
def kept(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2, frozen=True)
    enrolment = make_enrolment(personas.learner, personas.assessor, version, moderator=personas.moderator)
    clients = {"learner": client_for(personas.learner), "assessor": client_for(personas.assessor),
               "moderator": client_for(personas.moderator), "admin": client_for(personas.admin)}
    for client in clients.values():
        assert "criteria have no evidence yet" in _page(client, enrolment)  # now kept for the first three
    return enrolment, clients


def _page(client, enrolment) -> str:
    response = client.get(reverse("portfolio", args=[enrolment.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _first_criterion(enrolment) -> AssessmentCriterion:
    return AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("pk").first()


def _submitted(enrolment, title="Three-course menu") -> Evidence:
    evidence = Evidence.objects.create(enrolment=enrolment, title=title, status=Evidence.Status.SUBMITTED)
    criterion = _first_criterion(enrolment)
    evidence.claims.create(criterion=criterion, unit_id=criterion.unit_id)
    return evidence


@pytest.mark.parametrize("viewer", [*VIEWERS, "admin"])
def test_evidence_claimed_renamed_given_a_thumbnail_and_unclaimed_shows_at_once(kept, viewer):
    enrolment, clients = kept
    client = clients[viewer]
    evidence = _submitted(enrolment)
    assert "Three-course menu" in _page(client, enrolment)
    evidence.title = "Tasting menu"
    evidence.save()
    page = _page(client, enrolment)
    assert "Tasting menu" in page and "Three-course menu" not in page
    photo = EvidenceFile.objects.create(evidence=evidence, file="evidence/plate.jpg", original_name="plate.jpg",
                                        extension=".jpg", kind=EvidenceFile.Kind.IMAGE, content_type="image/jpeg",
                                        size=1000)
    assert "?size=thumb" not in _page(client, enrolment)
    photo.thumbnail = "thumbnails/plate.jpg"
    photo.processed_at = timezone.now()
    photo.save()  # as processing does once the thumbnail is made
    assert f"{reverse('evidence_file', args=[photo.pk])}?size=thumb" in _page(client, enrolment)
    evidence.claims.all().delete()
    assert "Tasting menu" not in _page(client, enrolment)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_decision_a_sign_off_and_an_unlock_show_at_once(kept, viewer, personas):
    from assessment.services import unit_sign_off, unit_unlock

    enrolment, clients = kept
    client = clients[viewer]
    evidence = _submitted(enrolment)
    evidence.status = Evidence.Status.ACCEPTED
    evidence.save()
    assert "Accepted" in _page(client, enrolment)
    unit = EnrolmentUnit.objects.select_related("unit").get(enrolment=enrolment,
                                                            unit_id=_first_criterion(enrolment).unit_id)
    for criterion in unit.unit.criteria.all():
        AchievedCriterion.objects.create(enrolment=enrolment, criterion=criterion, unit=unit.unit)
    unit_sign_off(enrolment_unit=unit, actor=personas.assessor, declared=True)
    assert "Signed off and locked" in _page(client, enrolment)
    unit_unlock(enrolment_unit=unit, actor=personas.moderator, reason="Sampling found the photos unclear.")
    assert "Signed off and locked" not in _page(client, enrolment)


def test_a_draft_is_the_learners_own_and_leaves_when_deleted(kept):
    enrolment, clients = kept
    draft = Evidence.objects.create(enrolment=enrolment, title="Half-written reflection")
    criterion = _first_criterion(enrolment)
    draft.claims.create(criterion=criterion, unit_id=criterion.unit_id)
    assert _page(clients["learner"], enrolment).count("Half-written reflection") == 2  # drafts list and criterion
    assert "Half-written reflection" not in _page(clients["assessor"], enrolment)
    draft.claims.all().delete()
    draft.delete()
    assert "Half-written reflection" not in _page(clients["learner"], enrolment)


def test_a_new_assessor_sees_the_portfolio_and_the_previous_one_no_longer_does(kept, personas):
    enrolment, clients = kept
    enrolment.assessor = personas.second_assessor
    enrolment.save()
    _submitted(enrolment, title="After the move")
    assert "After the move" in _page(client_for(personas.second_assessor), enrolment)
    assert "After the move" in _page(clients["learner"], enrolment)


def test_guard_without_the_receiver_the_kept_units_are_served(kept):
    enrolment, clients = kept
    evidence = _submitted(enrolment, title="Before")
    assert "Before" in _page(clients["learner"], enrolment)
    for signal in (post_save, post_delete):
        assert signal.disconnect(receivers.enrolment_row_changed, sender=Evidence,
                                 dispatch_uid="portfolios.evidence_changed")
    try:
        Evidence.objects.filter(pk=evidence.pk).update(title="After")  # no signal either way
        evidence.refresh_from_db()
        evidence.save()
        assert "Before" in _page(clients["learner"], enrolment)  # kept
        assert "After" in _page(clients["admin"], enrolment)  # drawn afresh
    finally:
        for signal in (post_save, post_delete):
            signal.connect(receivers.enrolment_row_changed, sender=Evidence, dispatch_uid="portfolios.evidence_changed")


def test_a_kept_page_costs_no_query_and_is_never_shown_after_access_ends(kept, personas, django_assert_num_queries):
    from centres.models import Membership, Role
    from centres.services import membership_end

    enrolment, clients = kept
    with django_assert_num_queries(0):
        assert "criteria have no evidence yet" in _page(clients["learner"], enrolment)
    # The assessor moved to another enrolment: the previous one no longer reaches it.
    enrolment.assessor = personas.second_assessor
    enrolment.save()
    assert clients["assessor"].get(reverse("portfolio", args=[enrolment.pk])).status_code == 404
    # The moderator's role ended: no kept page is served either.
    membership = Membership.objects.get(user=personas.moderator, centre=personas.centre, role=Role.MODERATOR)
    membership_end(membership=membership, actor=personas.admin)
    assert clients["moderator"].get(reverse("portfolio", args=[enrolment.pk])).status_code in (302, 403, 404)


def test_someone_elses_portfolio_is_not_found_however_often_asked(kept, personas):
    enrolment, _clients = kept
    other = client_for(personas.second_learner)
    for _ in range(2):
        assert other.get(reverse("portfolio", args=[enrolment.pk])).status_code == 404
