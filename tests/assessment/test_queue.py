"""The assessor's queue: own learners' submitted evidence only, oldest first, filtered, paged, in few queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Review
from assessment.queue_selectors import duration_text
from portfolios.models import Enrolment, Evidence, EvidenceCriterion, EvidenceFile, EvidenceSubmission
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.factories import learner
from tests.moderation.external.factories import make_grant
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

QUEUE = reverse("assessment_queue")


def submitted(enrolment, title="Evidence", *, days_ago=1.0, criteria=None, files=0, status=Evidence.Status.SUBMITTED,
              returned_before=False, review_started=False) -> Evidence:
    """Submitted evidence written straight through the ORM: claims, files and its submission(s)."""
    when = timezone.now() - datetime.timedelta(days=days_ago)
    criteria = criteria or [AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("pk")[0]]
    evidence = Evidence.objects.create(enrolment=enrolment, title=title, method="product", status=status,
                                       submitted_at=when, review_started_at=when if review_started else None)
    EvidenceCriterion.objects.bulk_create(EvidenceCriterion(evidence=evidence, criterion=c, unit_id=c.unit_id)
                                          for c in criteria)
    EvidenceFile.objects.bulk_create(
        EvidenceFile(evidence=evidence, file=f"evidence/{evidence.pk}-{i}.jpg", original_name=f"photo{i}.jpg",
                     extension=".jpg", kind="image", content_type="image/jpeg", size=10, sha256=f"{i:064d}")
        for i in range(files))
    claimed = [c.pk for c in criteria]
    if returned_before:
        first = EvidenceSubmission.objects.create(evidence=evidence, number=1, title=title, claimed=claimed,
                                                  submitted_at=when - datetime.timedelta(days=5))
        Review.objects.create(submission=first, assessor=enrolment.assessor, outcome=Review.Outcome.RETURNED,
                              decided_at=when - datetime.timedelta(days=4))
    number = 2 if returned_before else 1
    EvidenceSubmission.objects.create(evidence=evidence, number=number, title=title, claimed=claimed,
                                      submitted_at=when)
    return evidence


@pytest.fixture
def version(personas):
    return make_spec(personas.centre, code="HOSP", units=2, outcomes=1, criteria=2)


@pytest.fixture
def enrolment(personas, version):
    return make_enrolment(personas.learner, personas.assessor, version)


def queue_titles(client, query="") -> list[str]:
    response = client.get(QUEUE + query)
    assert response.status_code == 200
    return [row.evidence.title for row in response.context["rows"]]


def test_queue_lists_own_learners_submitted_evidence_oldest_first(personas, version, enrolment):
    second = make_enrolment(personas.second_learner, personas.assessor, version)
    submitted(enrolment, "Newest", days_ago=0.5)
    submitted(second, "Oldest", days_ago=9)
    submitted(enrolment, "Middle", days_ago=3)
    assert queue_titles(client_for(personas.assessor)) == ["Oldest", "Middle", "Newest"]


def test_queue_leaves_out_drafts_decided_and_withdrawn_evidence(personas, enrolment):
    submitted(enrolment, "Waiting")
    for status in (Evidence.Status.DRAFT, Evidence.Status.ACCEPTED, Evidence.Status.RETURNED):
        submitted(enrolment, f"Not waiting: {status}", status=status)
    # A learner takes submitted work back: the item is a draft again and its submission is marked withdrawn.
    taken_back = submitted(enrolment, "Withdrawn by the learner")
    Evidence.objects.filter(pk=taken_back.pk).update(status=Evidence.Status.DRAFT)
    taken_back.submissions.update(withdrawn_at=timezone.now())
    assert queue_titles(client_for(personas.assessor)) == ["Waiting"]


def test_queue_never_shows_another_assessors_or_another_centres_evidence(personas, version, enrolment):
    submitted(enrolment, "Mine")
    colleague_learner = learner(personas.centre, personas.second_assessor)
    submitted(make_enrolment(colleague_learner, personas.second_assessor, version), "Colleague's")
    other_version = make_spec(personas.other_centre, code="OTHER", units=1, criteria=1)
    submitted(make_enrolment(personas.other_centre_learner, personas.other_centre_assessor, other_version), "Away")
    assert queue_titles(client_for(personas.assessor)) == ["Mine"]
    assert queue_titles(client_for(personas.second_assessor)) == ["Colleague's"]


def test_queue_leaves_out_evidence_of_withdrawn_learners(personas, version, enrolment):
    submitted(enrolment, "Active learner's")
    gone = make_enrolment(personas.second_learner, personas.assessor, version, status=Enrolment.Status.WITHDRAWN)
    submitted(gone, "Withdrawn learner's")
    assert queue_titles(client_for(personas.assessor)) == ["Active learner's"]


def test_a_row_shows_learner_units_files_wait_and_the_review_link(personas, version, enrolment):
    first_unit, second_unit = version.units.order_by("position")
    criteria = [first_unit.criteria.first(), second_unit.criteria.first(), second_unit.criteria.last()]
    evidence = submitted(enrolment, "Plated a menu", days_ago=3.25, criteria=criteria, files=2)
    page = client_for(personas.assessor).get(QUEUE)
    [row] = page.context["rows"]
    assert row.learner == personas.learner and row.unit_codes == ["HOSP-U1", "HOSP-U2"]
    assert [(k.kind, k.count) for k in row.file_kinds] == [("image", 2)] and row.waited_text == "3 days 6 hours"
    html = page.content.decode()
    assert "HOSP-U1, HOSP-U2" in html and "3 days 6 hours" in html and personas.learner.display_name in html
    assert reverse("review_detail", args=[evidence.submissions.get().pk]) in html
    assert "Resubmission" not in html and "Review started" not in html


def test_resubmissions_and_started_reviews_are_marked(personas, enrolment):
    evidence = submitted(enrolment, "Second go", returned_before=True, review_started=True)
    html = client_for(personas.assessor).get(QUEUE).content.decode()
    assert "Resubmission" in html and "Review started" in html
    latest = evidence.submissions.get(number=2)
    assert reverse("review_detail", args=[latest.pk]) in html
    assert reverse("review_detail", args=[evidence.submissions.get(number=1).pk]) not in html


def test_evidence_waiting_past_the_centres_reminder_days_is_flagged_overdue(personas, enrolment):
    personas.centre.review_reminder_days = 7
    personas.centre.save()
    submitted(enrolment, "Late", days_ago=8)
    submitted(enrolment, "Fresh", days_ago=1)
    rows = client_for(personas.assessor).get(QUEUE).context["rows"]
    assert [(r.evidence.title, r.overdue) for r in rows] == [("Late", True), ("Fresh", False)]


def test_filter_by_learner(personas, version, enrolment):
    second = make_enrolment(personas.second_learner, personas.assessor, version)
    submitted(enrolment, "Maya's")
    submitted(second, "The other learner's")
    client = client_for(personas.assessor)
    assert queue_titles(client, f"?learner={personas.learner.pk}") == ["Maya's"]
    choices = client.get(QUEUE).context["form"].fields["learner"].choices
    assert {pk for pk, _ in choices} == {"", personas.learner.pk, personas.second_learner.pk}


def test_filter_by_unit(personas, version, enrolment):
    first_unit, second_unit = version.units.order_by("position")
    submitted(enrolment, "Unit one", criteria=list(first_unit.criteria.all()))
    submitted(enrolment, "Unit two", criteria=[second_unit.criteria.first()])
    submitted(enrolment, "Both", criteria=[first_unit.criteria.first(), second_unit.criteria.first()])
    assert queue_titles(client_for(personas.assessor), f"?unit={second_unit.pk}") == ["Unit two", "Both"]


def test_filter_by_age(personas, enrolment):
    for days in (0.5, 2, 5, 10, 20):
        submitted(enrolment, f"{days} days", days_ago=days)
    client = client_for(personas.assessor)
    assert queue_titles(client, "?age=3") == ["20 days", "10 days", "5 days"]
    assert queue_titles(client, "?age=14") == ["20 days"]
    assert len(queue_titles(client, "?age=")) == 5


def test_filter_choices_offer_only_learners_and_units_with_waiting_items(personas, version, enrolment):
    first_unit, _second_unit = version.units.order_by("position")
    submitted(enrolment, "Waiting", criteria=[first_unit.criteria.first()])
    make_enrolment(personas.second_learner, personas.assessor, version)  # nothing submitted
    form = client_for(personas.assessor).get(QUEUE).context["form"]
    assert [pk for pk, _ in form.fields["learner"].choices] == ["", personas.learner.pk]
    assert [pk for pk, _ in form.fields["unit"].choices] == ["", first_unit.pk]
    # A learner who is not in the queue is refused by the form, not shown as an empty queue of theirs.
    assert queue_titles(client_for(personas.assessor), f"?learner={personas.other_centre_learner.pk}") == ["Waiting"]


def test_the_kept_filter_choices_follow_submissions_decisions_and_renames(personas, version, enrolment):
    """The choices are kept under the assessor's generation: each change of their learners' work replaces them."""
    first_unit, second_unit = version.units.order_by("position")
    waiting = submitted(enrolment, "Waiting", criteria=[first_unit.criteria.first()])
    client = client_for(personas.assessor)

    def choices() -> tuple[list, list]:
        form = client.get(QUEUE).context["form"]
        return list(form.fields["learner"].choices)[1:], [pk for pk, _ in form.fields["unit"].choices][1:]

    assert choices() == ([(personas.learner.pk, personas.learner.display_name)], [first_unit.pk])  # now kept
    second = make_enrolment(personas.second_learner, personas.assessor, version)
    submitted(second, "Second learner's", criteria=[second_unit.criteria.first()])
    learners, units = choices()
    assert {pk for pk, _ in learners} == {personas.learner.pk, personas.second_learner.pk}
    assert units == [first_unit.pk, second_unit.pk]
    personas.learner.first_name = "Renamed"
    personas.learner.save()
    assert any(name.startswith("Renamed") for _, name in choices()[0])
    waiting.status = Evidence.Status.ACCEPTED  # decided: no longer waiting
    waiting.save()
    assert choices() == ([(personas.second_learner.pk, personas.second_learner.display_name)], [second_unit.pk])


def test_queue_is_paged_fifty_at_a_time_and_filters_survive_paging(personas, enrolment):
    for i in range(55):
        submitted(enrolment, f"Item {i:02d}", days_ago=60 - i)
    client = client_for(personas.assessor)
    first = client.get(QUEUE + "?age=1")
    assert len(first.context["rows"]) == 50 and first.context["page"].paginator.count == 55
    assert "?age=1&amp;page=2" in first.content.decode()
    assert queue_titles(client, "?age=1&page=2") == [f"Item {i:02d}" for i in range(50, 55)]


@pytest.mark.parametrize("who", ["learner", "outsider", "moderator", "external_moderator", "other_centre_learner"])
def test_people_who_are_not_assessors_or_admins_are_refused_the_queue(personas, who):
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA knows of the centre, and the queue is not theirs to read
    assert client_for(getattr(personas, who)).get(QUEUE).status_code == 403


def test_an_external_moderator_without_a_grant_gets_404_from_the_queue(personas):
    assert client_for(personas.external_moderator).get(QUEUE).status_code == 404


def test_an_assessor_cannot_open_a_colleagues_queue(personas, version):
    colleague_learner = learner(personas.centre, personas.second_assessor)
    submitted(make_enrolment(colleague_learner, personas.second_assessor, version), "Colleague's")
    response = client_for(personas.assessor).get(QUEUE + f"?assessor={personas.second_assessor.pk}")
    assert response.status_code == 404


def test_a_centre_admin_opens_an_assessors_queue_read_only(personas, enrolment):
    evidence = submitted(enrolment, "Waiting")
    response = client_for(personas.admin).get(QUEUE + f"?assessor={personas.assessor.pk}")
    assert response.status_code == 200
    assert [r.evidence.title for r in response.context["rows"]] == ["Waiting"]
    html = response.content.decode()
    assert f'name="assessor" value="{personas.assessor.pk}"' in html and ">View<" in html
    evidence.refresh_from_db()
    assert evidence.review_started_at is None


def test_a_centre_admin_cannot_open_the_queue_of_someone_not_assessing_in_the_centre(personas):
    admin = client_for(personas.admin)
    for someone in (personas.other_centre_assessor, personas.learner, personas.moderator):
        assert admin.get(QUEUE + f"?assessor={someone.pk}").status_code == 404
    assert admin.get(QUEUE + "?assessor=nobody").status_code == 404


def test_a_centre_admin_without_a_queue_is_sent_to_the_workload_page(personas):
    response = client_for(personas.admin).get(QUEUE)
    assert response.status_code == 302 and response["Location"] == reverse("assessment_workload")


def _queue_queries(client, query="") -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(QUEUE + query)  # the first request of a session also stores the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE + query).status_code == 200
    return len(captured)


def test_queue_query_count_does_not_grow_with_the_number_of_items(personas, version):
    first_unit, second_unit = version.units.order_by("position")
    both = [first_unit.criteria.first(), second_unit.criteria.first()]
    learners = [make_enrolment(learner(personas.centre, personas.assessor), personas.assessor, version)
                for _ in range(5)]
    for i, enrolment in enumerate(learners):
        submitted(enrolment, f"Item {i}", criteria=both, files=2, returned_before=i % 2 == 0)
    client = client_for(personas.assessor)
    few = _queue_queries(client)
    for i in range(95):
        submitted(learners[i % 5], f"More {i}", days_ago=2 + i / 10, criteria=both, files=1,
                  returned_before=i % 3 == 0)
    # Each measured after a first visit: the writes above replace the cached navigation counts.
    assert _queue_queries(client) <= few
    assert len(client.get(QUEUE).context["rows"]) == 50
    assert _queue_queries(client, f"?page=2&unit={first_unit.pk}&age=1&learner={learners[0].learner_id}") <= few
    # The count, the page's items, their claims and files; the user, their memberships, the navigation's counts
    # and the filters' learners and units come from the cache after the first visit.
    assert few == 4, few


def test_duration_text_reads_as_days_and_hours():
    hours = datetime.timedelta(hours=1)
    assert duration_text(hours * 0.5) == "under an hour"
    assert duration_text(hours * 5) == "5 hours"
    assert duration_text(hours * 24) == "1 day"
    assert duration_text(hours * 49) == "2 days 1 hour"
    assert duration_text(None) == "—"
