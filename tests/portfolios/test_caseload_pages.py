"""The caseload in pages: 50 rows a page, ordered over everyone before paging, the summary counting everyone, the
filters and the sort kept in the pager's links, and the same queries whatever the number of learners."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portfolios import progress_counts
from portfolios.enrolments.selectors import CaseloadFilter, caseload, with_progress_counts
from portfolios.enrolments.views import CASELOAD_PAGE_SIZE
from portfolios.models import AchievedCriterion, Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.factories import learner

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def _learners(personas, count, version, *, behind_every=0):
    """`count` learners of the assessor, named Learner000...; learner i has i % 5 criteria met (of 5). Every
    `behind_every`-th one started 95 days ago and ends in 5 (95 % of the time used, at most 80 % met: behind
    schedule); the others started today."""
    today = timezone.localdate()
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).order_by("unit__position", "position"))
    enrolments = []
    for i in range(count):
        user = learner(personas.centre, personas.assessor, first_name="Bench", last_name=f"Learner{i:03d}")
        behind = behind_every and i % behind_every == 0
        enrolment = make_enrolment(user, personas.assessor, version, start=today - (95 if behind else 0) * DAY,
                                   end=today + (5 if behind else 100) * DAY)
        AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=enrolment, criterion=c, unit_id=c.unit_id)
                                              for c in criteria[: i % 5])
        progress_counts.refresh([enrolment.pk])
        enrolments.append(enrolment)
    return enrolments


def _names(response) -> list[str]:
    return [r.learner_name.rsplit(" ", 1)[-1] for r in response.context["page"]]


def test_page_two_shows_the_next_learners_and_the_counts_cover_everyone(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=5)
    _learners(personas, 60, version, behind_every=4)  # 15 behind schedule
    client = client_for(personas.assessor)
    first, second = client.get(reverse("caseload")), client.get(reverse("caseload"), {"page": 2})
    assert _names(first) == [f"Learner{i:03d}" for i in range(CASELOAD_PAGE_SIZE)]
    assert _names(second) == [f"Learner{i:03d}" for i in range(CASELOAD_PAGE_SIZE, 60)]
    for response in (first, second):
        html = response.content.decode()
        assert "60 enrolments" in html and "15 behind schedule" in html
        assert f"Page {response.context['page'].number} of 2" in html


def test_sorting_by_progress_or_days_left_orders_everyone_before_paging(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=5)
    _learners(personas, 60, version, behind_every=4)
    client = client_for(personas.assessor)
    for sort, key in (("progress", lambda r: r.percent), ("days_left", lambda r: r.schedule.days_left)):
        rows = []
        for number in (1, 2):
            rows += client.get(reverse("caseload"), {"sort": sort, "order": "desc", "page": number}).context["page"]
        assert len(rows) == 60
        assert [key(r) for r in rows] == sorted((key(r) for r in rows), reverse=True)


def test_the_pager_keeps_the_filters_and_the_sort(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=5)
    _learners(personas, 60, version)
    html = client_for(personas.assessor).get(reverse("caseload"), {"q": "Learner", "sort": "progress"}).content.decode()
    [pager] = re.findall(r'<nav class="pagination" aria-label="Pages">.*?</nav>', html, re.S)
    assert 'href="?q=Learner&amp;sort=progress&amp;page=2"' in pager
    assert 'rel="next"' in pager


def test_the_behind_schedule_filter_counts_and_pages_only_those_behind(personas):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=5)
    _learners(personas, 60, version, behind_every=4)
    response = client_for(personas.assessor).get(reverse("caseload"), {"behind": "on"})
    assert _names(response) == [f"Learner{i:03d}" for i in range(0, 60, 4)]
    assert "15 enrolments" in response.content.decode()


def _queries(client, url, params=None) -> int:
    client.get(url, params)  # the first request of a session also stores the session; measure the steady state
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


# The filter's qualifications (and, for a centre admin, the centre's assessors), the enrolments with their stored
# progress counts, the rows shown and the learners not yet enrolled. The user, their memberships and the
# navigation's counts come from the cache after the first visit.
PINNED = {"assessor": 4, "admin": 5}


@pytest.mark.parametrize("who", ["assessor", "admin"])
def test_caseload_pages_run_the_same_queries_for_5_and_120_learners(personas, who):
    small = make_spec(personas.centre, code="SMALL", units=2, outcomes=1, criteria=2)
    big = make_spec(personas.centre, code="BIG", units=12, outcomes=4, criteria=10)
    client = client_for(getattr(personas, who))
    _learners(personas, 5, small)
    few = [_queries(client, reverse("caseload"), {"sort": "progress"})]
    _learners(personas, 115, big)
    many = [_queries(client, reverse("caseload"), {"sort": "progress", "page": n}) for n in (1, 3)]
    assert many == few * 2 == [PINNED[who]] * 2


def test_progress_counts_cover_only_the_chosen_units_and_agree_with_counting_by_hand(personas):
    version = make_spec(personas.centre, units=3, outcomes=1, criteria=4, mandatory_units=1)
    first, second, third = version.units.order_by("position")
    third_criteria = list(third.criteria.all())
    AssessmentCriterion.objects.filter(pk=third_criteria[0].pk).delete()  # units of 4, 4 and 3 criteria
    enrolments = _learners(personas, 6, version)
    EnrolmentUnit.objects.filter(enrolment=enrolments[1], unit=second).delete()  # a unit not chosen
    AchievedCriterion.objects.bulk_create(AchievedCriterion(enrolment=enrolments[1], criterion=c, unit=second)
                                          for c in second.criteria.all())  # met, but of a unit not chosen
    progress_counts.refresh([enrolments[1].pk])
    counted = {e.pk: (e.criteria_total, e.criteria_met)
               for e in with_progress_counts(Enrolment.objects.filter(centre=personas.centre))}
    for e in Enrolment.objects.filter(centre=personas.centre):
        chosen = set(e.enrolment_units.values_list("unit_id", flat=True))
        total = AssessmentCriterion.objects.filter(unit_id__in=chosen).count()
        met = AchievedCriterion.objects.filter(enrolment=e, unit_id__in=chosen).count()
        assert counted[e.pk] == (total, met)
    assert counted[enrolments[1].pk] == (7, 1)


def test_a_caseload_counts_without_loading_and_loads_only_the_rows_taken(personas, django_assert_num_queries):
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=5)
    _learners(personas, 12, version, behind_every=3)
    with django_assert_num_queries(1):  # the enrolments with their stored progress counts
        rows = caseload(enrolments=Enrolment.objects.filter(centre=personas.centre),
                        filters=CaseloadFilter(sort="learner"))
    with django_assert_num_queries(0):
        assert (len(rows), rows.behind) == (12, 4)
    with django_assert_num_queries(1):
        shown = rows[3:6]
        assert [r.learner_name.rsplit(" ", 1)[-1] for r in shown] == ["Learner003", "Learner004", "Learner005"]
        assert [r.qualification_code for r in shown] == [version.qualification.code] * 3


def test_the_caseload_shows_the_newest_learners_not_enrolled_and_links_to_all_of_them(personas,
                                                                                      django_assert_num_queries):
    from tests.factories import learner

    mine = [learner(personas.centre, personas.assessor, last_name=f"Waiting{i:02d}") for i in range(13)]
    theirs = learner(personas.centre, personas.second_assessor, last_name="Elsewhere")
    client = client_for(personas.assessor)
    page = client.get(reverse("caseload"))
    shown = [m.user for m in page.context["not_enrolled"]]
    assert shown == mine[::-1][:10]  # the most recently registered first
    listed = client.get(reverse("caseload_not_enrolled"))
    everyone = [m.user for m in listed.context["page"]]  # the personas' own learners are not enrolled either
    assert set(mine) <= set(everyone) and everyone == sorted(everyone, key=lambda u: (u.last_name, u.first_name))
    html = page.content.decode()
    assert f"See all {len(everyone)} learners not yet enrolled" in html and reverse("caseload_not_enrolled") in html
    admin = client_for(personas.admin).get(reverse("caseload_not_enrolled")).content.decode()
    assert "Elsewhere" in admin and theirs.display_name in admin
    assert "Elsewhere" not in listed.content.decode()

    client.get(reverse("caseload_not_enrolled"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("caseload_not_enrolled"))
    for i in range(40):
        learner(personas.centre, personas.assessor, last_name=f"More{i:02d}")
    client.get(reverse("caseload_not_enrolled"))
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(reverse("caseload_not_enrolled")).context["page"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_short_list_of_learners_not_enrolled_has_no_link_and_no_count_query(personas):
    from tests.factories import learner

    learner(personas.centre, personas.assessor, last_name="Only")
    html = client_for(personas.assessor).get(reverse("caseload")).content.decode()
    assert "Only" in html and reverse("caseload_not_enrolled") not in html
