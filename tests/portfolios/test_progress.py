import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolios import progress_counts
from portfolios.enrolments.selectors import CaseloadFilter, caseload, my_progress
from portfolios.models import AchievedCriterion
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.factories import learner

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


def _achieve(enrolment, criteria):
    AchievedCriterion.objects.bulk_create(
        AchievedCriterion(enrolment=enrolment, criterion=c, unit_id=c.unit_id) for c in criteria)
    progress_counts.refresh([enrolment.pk])


def test_my_progress_counts_met_criteria_overall_and_per_unit(personas):
    version = make_spec(personas.centre, units=2, outcomes=2, criteria=5)  # 10 criteria per unit
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    first_unit = version.units.order_by("position").first()
    _achieve(enrolment, AssessmentCriterion.objects.filter(unit=first_unit)[:5])
    [progress] = my_progress(learner=personas.learner, centre=personas.centre)
    assert (progress.met, progress.total, progress.percent) == (5, 20, 25)
    assert [u.percent for u in progress.units] == [50, 0]
    states = [c.met for o in progress.units[0].outcomes for c in o.criteria]
    assert states == [True] * 5 + [False] * 5
    page = client_for(personas.learner).get(reverse("my_progress")).content.decode()
    assert "5 of 20 criteria met" in page and 'aria-valuenow="25"' in page


def test_criteria_of_units_not_chosen_do_not_count(personas):
    version = make_spec(personas.centre, units=2, criteria=2, mandatory_units=1)
    first, second = version.units.order_by("position")
    enrolment = make_enrolment(personas.learner, personas.assessor, version, units=[first])
    _achieve(enrolment, AssessmentCriterion.objects.filter(unit=second))
    [row] = caseload(enrolments=enrolment.__class__.objects.all(), filters=CaseloadFilter())
    assert row.percent == 0


def test_days_left_and_behind_schedule(personas):
    today = timezone.localdate()
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=10)
    # Half the time gone and 10% met: behind. Half the time gone and 50% met: on track.
    behind = make_enrolment(personas.learner, personas.assessor, version,
                            start=today - datetime.timedelta(days=50), end=today + datetime.timedelta(days=50))
    on_track = make_enrolment(personas.second_learner, personas.assessor, version,
                              start=today - datetime.timedelta(days=50), end=today + datetime.timedelta(days=50))
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version))
    _achieve(behind, criteria[:1])
    _achieve(on_track, criteria[:5])
    rows = {r.pk: r for r in caseload(enrolments=behind.__class__.objects.all(), filters=CaseloadFilter())}
    assert rows[behind.pk].schedule.days_left == 50 and rows[behind.pk].schedule.behind
    assert not rows[on_track.pk].schedule.behind
    only_behind = caseload(enrolments=behind.__class__.objects.all(), filters=CaseloadFilter(behind_only=True))
    assert [r.pk for r in only_behind] == [behind.pk]


def _caseload_of(personas, count, version):
    for i in range(count):
        user = learner(personas.centre, personas.assessor, last_name=f"Learner{i:03d}")
        enrolment = make_enrolment(user, personas.assessor, version)
        _achieve(enrolment, AssessmentCriterion.objects.filter(unit__version=version)[: i % 7])


def _queries(client, url) -> int:
    client.get(url)  # the first request of a session also stores the session; measure the steady state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name,who", [("caseload", "assessor"), ("caseload", "admin"), ("home", "assessor")])
def test_caseload_queries_do_not_grow_with_learners_units_or_criteria(personas, url_name, who):
    small = make_spec(personas.centre, code="SMALL", units=2, outcomes=1, criteria=2)
    big = make_spec(personas.centre, code="BIG", units=12, outcomes=4, criteria=10)
    client = client_for(getattr(personas, who))
    _caseload_of(personas, 5, small)
    five = _queries(client, reverse(url_name))
    _caseload_of(personas, 45, big)
    fifty = _queries(client, reverse(url_name))
    assert fifty == five
    # the home page also shows the headline figures, each report of insights/ at its own fixed count, and the
    # assessor's prior learning to decide (one query, records/transfers); +1 the navigation's unread messages
    assert fifty <= (13 if url_name == "caseload" else 26)


def test_my_progress_queries_do_not_grow_with_units_or_criteria(personas):
    client = client_for(personas.learner)
    make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, code="A", units=1, criteria=1))
    few = _queries(client, reverse("my_progress"))
    make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, code="B", units=12, criteria=8))
    many = _queries(client, reverse("my_progress"))
    assert many == few <= 13  # the navigation's unread messages included


def test_caseload_sorts_and_filters(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=4)
    _caseload_of(personas, 5, version)
    client = client_for(personas.assessor)
    page = client.get(reverse("caseload"), {"sort": "progress", "order": "desc"})
    percents = [r.percent for r in page.context["page"]]
    assert percents == sorted(percents, reverse=True)
    page = client.get(reverse("caseload"), {"q": "Learner003"})
    assert [r.learner_name.rsplit(" ", 1)[-1] for r in page.context["page"]] == ["Learner003"]


def test_an_assessors_caseload_holds_only_their_enrolments(personas):
    version = make_spec(personas.centre)
    mine = make_enrolment(personas.learner, personas.assessor, version)
    other = learner(personas.centre, personas.second_assessor)
    theirs = make_enrolment(other, personas.second_assessor, version)
    rows = client_for(personas.assessor).get(reverse("caseload")).context["page"]
    assert [r.pk for r in rows] == [mine.pk]
    admin_rows = client_for(personas.admin).get(reverse("caseload")).context["page"]
    assert {r.pk for r in admin_rows} == {mine.pk, theirs.pk}


@pytest.mark.parametrize("who,status", [("learner", 403), ("outsider", 403)])
def test_learners_and_outsiders_have_no_caseload(personas, who, status):
    assert client_for(getattr(personas, who)).get(reverse("caseload")).status_code == status


def test_staff_have_no_my_progress(personas):
    assert client_for(personas.assessor).get(reverse("my_progress")).status_code == 403




def test_learners_whose_enrolment_is_complete_are_not_listed_as_not_yet_enrolled(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=1)
    make_enrolment(personas.learner, personas.assessor, version, status="completed")
    never_enrolled = learner(personas.centre, personas.assessor, last_name="Newcomer")
    page = client_for(personas.assessor).get(reverse("caseload"))
    assert {m.user for m in page.context["not_enrolled"]} == {never_enrolled, personas.second_learner}


def test_the_assessors_home_counts_learners_active_and_completed_enrolments(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=1)
    make_enrolment(personas.learner, personas.assessor, version, status="completed")
    make_enrolment(personas.second_learner, personas.assessor, version)
    learner(personas.centre, personas.assessor, last_name="Newcomer")
    page = client_for(personas.assessor).get(reverse("home")).content.decode()
    assert "3 learners · 1 active enrolment · 1 completed" in " ".join(page.split())
