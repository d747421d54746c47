"""The grant is the external moderator's only way in: none, nothing; active, the scope; after expiry, nothing."""

import datetime

import pytest
from django.utils import timezone

from centres.services import ServiceError
from moderation.external.selectors import grant_enrolments
from moderation.external.services import eqa_grant_create
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

from .factories import make_grant

pytestmark = pytest.mark.django_db


def test_without_a_grant_the_external_moderator_has_no_centre(personas):
    response = client_for(personas.external_moderator).get("/qualifications/")
    assert response.status_code == 404


def test_a_grant_gives_the_role_in_its_centre_until_it_expires(personas, time_machine):
    make_grant(personas, days=14)
    client = client_for(personas.external_moderator)
    assert client.get("/qualifications/").status_code == 200
    time_machine.move_to(timezone.now() + datetime.timedelta(days=15))
    assert client_for(personas.external_moderator).get("/qualifications/").status_code == 404


def test_a_qualification_scope_holds_only_that_qualifications_enrolments(personas):
    first, second = make_spec(personas.centre, code="Q1"), make_spec(personas.centre, code="Q2")
    inside = make_enrolment(personas.learner, personas.assessor, first)
    make_enrolment(personas.second_learner, personas.assessor, second)
    grant = make_grant(personas, scope="qualification", qualification=first.qualification)
    assert list(grant_enrolments(grant)) == [inside]


@pytest.mark.parametrize("days", [91, 0])
def test_a_grant_longer_than_90_days_or_ending_at_its_start_is_refused(personas, days):
    with pytest.raises(ServiceError):
        make_grant(personas, days=days)


def test_a_learners_address_is_refused(personas):
    with pytest.raises(ServiceError, match="learner"):
        eqa_grant_create(centre=personas.centre, actor=personas.admin, email=personas.learner.email, scope="centre")
