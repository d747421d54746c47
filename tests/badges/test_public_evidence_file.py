"""The public file view of an award serves only processed files of evidence the learner chose for it."""

import pytest
from django.utils import timezone

from portfolios.models import Evidence
from tests.conftest import client_for

from .test_public_award import (
    _site_url,  # noqa: F401 (autouse)
    attach_photo,
    learner_enrolment,
    make_award,
    make_badge_class,
    make_evidence,
)


@pytest.fixture
def shared(personas):
    """An award with one chosen evidence item, one not chosen, and the learner's enrolment."""
    award = make_award(make_badge_class(personas.centre), personas.learner)
    enrolment = learner_enrolment(personas)
    chosen, other = make_evidence(enrolment, title="Chosen"), make_evidence(enrolment, title="Not chosen")
    award.public_evidence.add(chosen)
    return award, chosen, other


def url(award, attached) -> str:
    return f"/badges/awards/{award.uuid}/evidence/{attached.pk}"


def test_a_chosen_processed_file_is_served_to_anyone(client, shared):
    award, chosen, _ = shared
    attached = chosen.files.get()
    response = client.get(url(award, attached))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content) == attached.file.open("rb").read()
    assert "maya-at-home-street" not in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_of_evidence_not_chosen_is_404(client, shared):
    award, _, other = shared
    assert client.get(url(award, other.files.get())).status_code == 404


def test_a_file_not_yet_processed_is_404_even_when_chosen(client, shared):
    award, chosen, _ = shared
    assert client.get(url(award, attach_photo(chosen, processed=False))).status_code == 404


def test_a_chosen_file_is_404_through_another_award(client, shared, personas):
    _, chosen, _ = shared
    other_award = make_award(make_badge_class(personas.centre, name="Other badge"), personas.learner)
    assert client.get(url(other_award, chosen.files.get())).status_code == 404


def test_evidence_of_someone_else_attached_to_the_award_is_404(client, shared, personas):
    award, _, _ = shared
    someone_elses = make_evidence(learner_enrolment(personas, personas.second_learner), title="Not theirs")
    award.public_evidence.add(someone_elses)
    assert client.get(url(award, someone_elses.files.get())).status_code == 404


def test_evidence_no_longer_accepted_is_404(client, shared):
    award, chosen, _ = shared
    Evidence.objects.filter(pk=chosen.pk).update(status=Evidence.Status.RETURNED)
    assert client.get(url(award, chosen.files.get())).status_code == 404


def test_files_of_a_revoked_award_are_404(client, shared):
    award, chosen, _ = shared
    award.revoked_at = timezone.now()
    award.save()
    assert client.get(url(award, chosen.files.get())).status_code == 404


def test_staff_get_nothing_more_through_this_view_than_anyone(shared, personas):
    award, _, other = shared
    for user in (personas.assessor, personas.admin, personas.learner):
        assert client_for(user).get(url(award, other.files.get())).status_code == 404


def test_an_unknown_award_or_file_is_404(client, shared):
    award, _, _ = shared
    assert client.get(f"/badges/awards/{award.uuid}/evidence/987654").status_code == 404
    assert client.get("/badges/awards/00000000-0000-0000-0000-000000000000/evidence/1").status_code == 404
