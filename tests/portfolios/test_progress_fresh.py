"""Progress never shows stale figures: the home and My Progress read a frozen specification from the cache, yet a
decision or a sign-off shows on both at the very next request."""

import re

import pytest
from django.urls import reverse

from portfolios.enrolments.selectors import my_progress
from qualifications.models import AssessmentCriterion
from tests.badges.test_awards import accepted_evidence, sign_off_unit
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)  # the sign-off's badge is awarded once it commits


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://leap.example"


def _home_percent(client) -> str:
    page = client.get(reverse("home")).content.decode()
    return re.search(r'aria-valuenow="(\d+)"[^>]*aria-label="Overall"', page).group(1)


def _progress_page(client) -> str:
    response = client.get(reverse("my_progress"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_decision_and_a_sign_off_show_at_once_on_the_home_and_my_progress(personas):
    version = make_spec(personas.centre, units=2, outcomes=1, criteria=2, frozen=True)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    first, _second = version.units.order_by("position")
    client = client_for(personas.learner)
    assert (_home_percent(client), "0 of 4 criteria met." in _progress_page(client)) == ("0", True)

    accepted_evidence(enrolment, personas.learner, personas.assessor,
                      list(AssessmentCriterion.objects.filter(unit=first)[:1]))
    assert (_home_percent(client), "1 of 4 criteria met." in _progress_page(client)) == ("25", True)

    sign_off_unit(personas, enrolment, first)
    page = _progress_page(client)
    assert _home_percent(client) == "50"
    assert "2 of 4 criteria met." in page and "Signed off" in page


def _reads(personas, django_assert_num_queries, queries: int) -> list:
    with django_assert_num_queries(queries):
        return my_progress(learner=personas.learner, centre=personas.centre)


def _shape(progress) -> list:
    return [[(u.unit.code, u.total, [(o.outcome.number, [c.criterion.number for c in o.criteria]) for o in u.outcomes])
             for u in p.units] for p in progress]


@pytest.mark.parametrize("frozen", [True, False])
def test_a_frozen_specification_is_read_once_then_cached_and_an_open_one_every_time(
        personas, django_assert_num_queries, frozen):
    version = make_spec(personas.centre, units=2, outcomes=2, criteria=3, frozen=frozen)
    make_enrolment(personas.learner, personas.assessor, version)
    if not frozen:  # as a version still being edited would be (enrolling freezes it)
        type(version).objects.filter(pk=version.pk).update(frozen_at=None)
    # The enrolments, their units, the criteria met and the evidence; +2 for the specification's outcomes and
    # criteria, unless the version is frozen and its tree already cached.
    first = _reads(personas, django_assert_num_queries, 6)
    again = _reads(personas, django_assert_num_queries, 4 if frozen else 6)
    assert _shape(first) == _shape(again) and sum(u.total for u in first[0].units) == 12
