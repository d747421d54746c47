"""The centre admin's view of every assessor's workload: queue, oldest wait, turnaround, decisions."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Review
from assessment.queue_selectors import workload
from centres.models import Membership, Role
from portfolios.models import Evidence, EvidenceSubmission
from tests.conftest import client_for
from tests.factories import learner, staff
from tests.moderation.external.factories import make_grant
from tests.portfolios.factories import make_enrolment, make_spec

from .test_queue import submitted

pytestmark = pytest.mark.django_db

WORKLOAD = reverse("assessment_workload")
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def decided(enrolment, *, submitted_ago: datetime.timedelta, took: datetime.timedelta, assessor=None,
            needs_countersign=False, countersigned=False) -> Review:
    """A decided review of a revision submitted `submitted_ago`, decided `took` after its submission."""
    now = timezone.now()
    evidence = Evidence.objects.create(enrolment=enrolment, title="Decided", status=Evidence.Status.ACCEPTED,
                                       submitted_at=now - submitted_ago)
    submission = EvidenceSubmission.objects.create(evidence=evidence, number=1, title="Decided",
                                                   submitted_at=now - submitted_ago)
    return Review.objects.create(
        submission=submission, assessor=assessor or enrolment.assessor, outcome=Review.Outcome.ACCEPTED,
        decided_at=now - submitted_ago + took, needs_countersign=needs_countersign,
        countersigned_at=now if countersigned else None)


@pytest.fixture
def version(personas):
    return make_spec(personas.centre, code="HOSP", units=1, outcomes=1, criteria=2)


def rows_by_assessor(centre) -> dict:
    return {row.assessor.pk: row for row in workload(centre=centre)}


def test_queue_length_and_oldest_wait_per_assessor(personas, version):
    mine = make_enrolment(personas.learner, personas.assessor, version)
    submitted(mine, days_ago=2)
    submitted(mine, days_ago=5.5)
    submitted(mine, status=Evidence.Status.DRAFT, days_ago=30)
    rows = rows_by_assessor(personas.centre)
    sam = rows[personas.assessor.pk]
    assert sam.waiting == 2 and sam.oldest_waited_text == "5 days 12 hours"
    colleague = rows[personas.second_assessor.pk]
    assert (colleague.waiting, colleague.oldest_waited, colleague.turnaround) == (0, None, None)


def test_average_turnaround_covers_decisions_of_the_last_ninety_days(personas, version):
    mine = make_enrolment(personas.learner, personas.assessor, version)
    decided(mine, submitted_ago=10 * DAY, took=2 * DAY)
    decided(mine, submitted_ago=40 * DAY, took=4 * DAY + 6 * HOUR)
    decided(mine, submitted_ago=200 * DAY, took=60 * DAY)  # decided 140 days ago: too old to count
    sam = rows_by_assessor(personas.centre)[personas.assessor.pk]
    assert sam.turnaround == 3 * DAY + 3 * HOUR and sam.turnaround_text == "3 days 3 hours"
    assert sam.decisions_recent == 1  # only the one decided 8 days ago is within 30 days


def test_turnaround_and_decisions_belong_to_the_assessor_who_decided(personas, version):
    mine = make_enrolment(personas.learner, personas.assessor, version)
    decided(mine, submitted_ago=3 * DAY, took=DAY, assessor=personas.second_assessor)
    rows = rows_by_assessor(personas.centre)
    assert rows[personas.second_assessor.pk].decisions_recent == 1
    assert rows[personas.second_assessor.pk].turnaround == DAY
    assert rows[personas.assessor.pk].decisions_recent == 0


def test_reviews_awaiting_countersignature_are_counted_whenever_they_were_decided(personas, version):
    mine = make_enrolment(personas.learner, personas.assessor, version)
    decided(mine, submitted_ago=5 * DAY, took=DAY, needs_countersign=True)
    decided(mine, submitted_ago=300 * DAY, took=DAY, needs_countersign=True)
    decided(mine, submitted_ago=5 * DAY, took=DAY, needs_countersign=True, countersigned=True)
    sam = rows_by_assessor(personas.centre)[personas.assessor.pk]
    assert sam.awaiting_countersign == 2 and sam.decisions_recent == 2
    assert sam.turnaround == DAY  # the one decided 299 days ago is not averaged


def test_other_centres_work_is_not_counted_and_their_assessors_not_listed(personas, version):
    other_version = make_spec(personas.other_centre, code="OTHER", units=1, criteria=1)
    away = make_enrolment(personas.other_centre_learner, personas.other_centre_assessor, other_version)
    submitted(away)
    decided(away, submitted_ago=2 * DAY, took=DAY)
    rows = rows_by_assessor(personas.centre)
    assert set(rows) == {personas.assessor.pk, personas.second_assessor.pk}
    assert all(r.waiting == 0 and r.decisions_recent == 0 for r in rows.values())


def test_a_former_assessor_with_work_left_is_listed_and_marked(personas, version):
    leaver = staff(personas.centre, Role.ASSESSOR, first_name="Lee")
    enrolment = make_enrolment(learner(personas.centre, leaver), leaver, version)
    submitted(enrolment, days_ago=3)
    Membership.objects.filter(user=leaver, role=Role.ASSESSOR).update(ended_at=timezone.now())
    row = rows_by_assessor(personas.centre)[leaver.pk]
    assert row.waiting == 1 and not row.current
    html = client_for(personas.admin).get(WORKLOAD).content.decode()
    assert "No longer an assessor here" in html
    # ... and the admin can still open what is left in their queue.
    assert client_for(personas.admin).get(reverse("assessment_queue") + f"?assessor={leaver.pk}").status_code == 200


def test_the_page_shows_each_assessors_numbers_and_links_to_their_queue(personas, version):
    mine = make_enrolment(personas.learner, personas.assessor, version)
    submitted(mine, days_ago=1.5)
    decided(mine, submitted_ago=4 * DAY, took=DAY + 2 * HOUR)
    response = client_for(personas.admin).get(WORKLOAD)
    assert response.status_code == 200
    html = response.content.decode()
    assert personas.assessor.display_name in html and personas.second_assessor.display_name in html
    assert f'{reverse("assessment_queue")}?assessor={personas.assessor.pk}' in html
    assert "1 day 12 hours" in html and "1 day 2 hours" in html


@pytest.mark.parametrize("who", ["assessor", "moderator", "external_moderator", "learner", "outsider",
                                 "other_centre_assessor"])
def test_only_centre_admins_see_the_workload(personas, who):
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA knows of the centre, and the workload is not theirs to read
    assert client_for(getattr(personas, who)).get(WORKLOAD).status_code == 403


def test_an_external_moderator_without_a_grant_gets_404_from_the_workload(personas):
    assert client_for(personas.external_moderator).get(WORKLOAD).status_code == 404


def test_workload_query_count_does_not_grow_with_assessors_or_work(personas, version, django_assert_max_num_queries):
    client = client_for(personas.admin)
    client.get(WORKLOAD)
    with django_assert_max_num_queries(20) as few:
        client.get(WORKLOAD)
    for i in range(6):
        assessor = staff(personas.centre, Role.ASSESSOR)
        enrolment = make_enrolment(learner(personas.centre, assessor), assessor, version)
        submitted(enrolment, days_ago=i + 1)
        decided(enrolment, submitted_ago=(i + 2) * DAY, took=DAY, needs_countersign=i % 2 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(WORKLOAD)
    assert len(response.context["rows"]) == 8
