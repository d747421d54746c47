"""Each role's home: the figures that matter, each right for a built centre, each linking to the page that lists
what it counts, in a fixed number of queries whatever the number of learners."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Review
from centres.models import Invitation, Membership, Role
from portfolios import progress_counts
from portfolios.models import AchievedCriterion, AssessmentPlan, Enrolment, Evidence, EvidenceSubmission, PlanItem
from qualifications.models import AssessmentCriterion
from tests.assessment.test_queue import submitted
from tests.conftest import client_for
from tests.factories import learner, staff
from tests.moderation.external.factories import make_grant
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def figure(html: str, label: str) -> dict:
    """The figure whose label is `label`: its link, value and note."""
    match = re.search(r'<a class="home-figure-link" href="(?P<url>[^"]*)">\s*<span class="home-figure-label">'
                      r'<svg[^>]*>(?:(?!</svg>).)*</svg> ' + re.escape(label) + r'</span>\s*'
                      r'<span class="home-figure-value">(?P<value>[^<]*)</span>(?P<rest>(?:(?!</a>).)*)</a>',
                      html, re.S)
    assert match, f"no figure {label!r}"
    note = re.sub(r"<[^>]+>", "", match["rest"].split('<span class="home-figure-more">')[0])
    return {"url": match["url"].replace("&amp;", "&"), "value": match["value"].strip(), "note": " ".join(note.split())}


def _plan(enrolment, *, items=1, status=AssessmentPlan.Status.DRAFT, assessor_signed=False) -> AssessmentPlan:
    plan = AssessmentPlan.objects.create(enrolment=enrolment, number=enrolment.plans.count() + 1, status=status,
                                         created_by=enrolment.assessor,
                                         assessor_signed_at=timezone.now() if assessor_signed else None)
    for _ in range(items):
        PlanItem.objects.create(plan=plan, method="observation", target_date=timezone.localdate() + 30 * DAY)
    return plan


def _decision_awaiting_countersign(enrolment, assessor) -> Review:
    evidence = submitted(enrolment, "Decided by a trainee", days_ago=2, status=Evidence.Status.ACCEPTED)
    submission = EvidenceSubmission.objects.get(evidence=evidence)
    return Review.objects.create(submission=submission, assessor=assessor, outcome=Review.Outcome.ACCEPTED,
                                 decided_at=timezone.now(), needs_countersign=True)


@pytest.fixture
def centre(personas):
    """The assessor's caseload, on one qualification of 10 criteria, started 50 days ago and ending in 50:
    Maya: active, 1 criterion met (10 % met, 50 % of the time used: behind); three items waiting, the oldest
    submitted 6 days ago; a draft plan with two items (to sign).
    The second learner: active, 5 met (on track); a draft plan with no item (not signable), an earlier plan
    the assessor signed and the learner has not (awaiting the learner, not the assessor).
    Wes: withdrawn; an item waiting (left out) and a draft plan with an item (left out).
    The second assessor (not qualified): one decision on Maya's work awaiting countersignature; their own learner
    has a plan to sign that is not the assessor's.
    """
    today = timezone.localdate()
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=10)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).order_by("position"))
    span = {"start": today - 50 * DAY, "end": today + 50 * DAY}
    maya = make_enrolment(personas.learner, personas.assessor, version, **span)
    second = make_enrolment(personas.second_learner, personas.assessor, version, **span)
    wes = make_enrolment(learner(personas.centre, personas.assessor, first_name="Wes"), personas.assessor, version,
                         status=Enrolment.Status.WITHDRAWN, **span)
    AchievedCriterion.objects.bulk_create([AchievedCriterion(enrolment=maya, criterion=c, unit_id=c.unit_id)
                                           for c in criteria[:1]]
                                          + [AchievedCriterion(enrolment=second, criterion=c, unit_id=c.unit_id)
                                             for c in criteria[:5]])
    progress_counts.refresh([maya.pk, second.pk])
    for days in (6, 2.5, 0.2):
        submitted(maya, f"Waiting {days}", days_ago=days)
    submitted(wes, "Of a withdrawn learner", days_ago=9)
    _plan(maya, items=2)
    _plan(second, status=AssessmentPlan.Status.AWAITING, assessor_signed=True)
    _plan(second, items=0)
    _plan(wes)
    Membership.objects.filter(user=personas.second_assessor, role=Role.ASSESSOR).update(qualified=False)
    theirs = make_enrolment(learner(personas.centre, personas.second_assessor), personas.second_assessor, version)
    _plan(theirs)
    _decision_awaiting_countersign(maya, personas.second_assessor)
    return {"maya": maya, "second": second, "version": version}


def test_the_assessors_home_counts_what_waits_for_them(personas, centre):
    html = client_for(personas.assessor).get(reverse("home")).content.decode()
    waiting = figure(html, "Evidence to review")
    # Maya's three items (Wes is withdrawn; the trainee's decided item is not waiting); the oldest waited 6 days.
    assert (waiting["value"], waiting["note"]) == ("3", "oldest 6 days")
    assert waiting["url"] == reverse("assessment_queue")
    plans = figure(html, "Plans to sign")
    assert (plans["value"], plans["url"]) == ("1", reverse("plans_to_sign"))  # Maya's draft with items
    countersign = figure(html, "Decisions to countersign")
    assert (countersign["value"], countersign["url"]) == ("1", reverse("countersign_queue"))
    behind = figure(html, "Behind schedule")
    assert (behind["value"], behind["url"]) == ("1", reverse("caseload") + "?behind=on")  # Maya
    for formula in ("no decision yet, withdrawn learners left out", "not yet signed by you",
                    "that no qualified assessor has countersigned yet", "more than 10 points above"):
        assert formula in html


def test_the_figures_match_the_pages_they_link_to(personas, centre):
    client = client_for(personas.assessor)
    html = client.get(reverse("home")).content.decode()
    queue = client.get(figure(html, "Evidence to review")["url"])
    assert queue.context["page"].paginator.count == 3
    behind = client.get(figure(html, "Behind schedule")["url"])
    assert [r.pk for r in behind.context["page"]] == [centre["maya"].pk]
    plans = client.get(figure(html, "Plans to sign")["url"])
    assert [p.enrolment for p in plans.context["plans"]] == [centre["maya"]]
    assert "Version 1, 2 items" in plans.content.decode()
    countersign = client.get(figure(html, "Decisions to countersign")["url"])
    assert len(countersign.context["reviews"]) == 1


def test_the_oldest_waiting_item_past_the_reminder_days_is_marked_overdue(personas, centre):
    personas.centre.review_reminder_days = 5
    personas.centre.save(update_fields=["review_reminder_days"])
    html = client_for(personas.assessor).get(reverse("home")).content.decode()
    assert "status-kind-overdue" in html.split("Evidence to review")[1].split("home-figure-formula")[0]


def test_an_assessor_not_yet_qualified_sees_their_own_decisions_awaiting_countersignature(personas, centre):
    html = client_for(personas.second_assessor).get(reverse("home")).content.decode()
    assert figure(html, "Your decisions awaiting countersignature")["value"] == "1"
    assert figure(html, "Plans to sign")["value"] == "1"  # their own learner's, not the assessor's
    assert "Decisions to countersign" not in html


def test_an_assessor_with_nothing_waiting_sees_zeros(personas):
    html = client_for(personas.assessor).get(reverse("home")).content.decode()
    assert figure(html, "Evidence to review") == {"url": reverse("assessment_queue"), "value": "0",
                                                  "note": "nothing waiting"}
    assert figure(html, "Behind schedule")["value"] == "0"


def test_the_assessors_home_does_not_repeat_the_reports_waiting_and_off_track_figures(personas, centre):
    html = client_for(personas.assessor).get(reverse("home")).content.decode()
    assert "My learners at a glance" in html
    assert '<span class="mi-figure-label">Items waiting</span>' not in html
    assert '<span class="mi-figure-label">Off track</span>' not in html
    assert '<span class="mi-figure-label">In learning</span>' in html


def test_the_centre_admins_home_shows_at_risk_invitations_and_the_next_eqa_visit(personas, centre):
    Invitation.objects.create(centre=personas.centre, email="new@example.org", role=Role.ASSESSOR, token_hash="a" * 64,
                              invited_by=personas.admin, expires_at=timezone.now() + 3 * DAY)
    Invitation.objects.create(centre=personas.centre, email="old@example.org", role=Role.ASSESSOR, token_hash="b" * 64,
                              invited_by=personas.admin, expires_at=timezone.now() - DAY)
    grant = make_grant(personas, visit_on=timezone.localdate() + 10 * DAY)
    html = client_for(personas.admin).get(reverse("home")).content.decode()
    pending = figure(html, "Staff invitations pending")
    assert (pending["value"], pending["url"]) == ("1", reverse("staff_list"))  # the expired one is not pending
    visit = figure(html, "Next EQA visit")
    assert visit["url"] == reverse("eqa_grant_detail", args=[grant.pk]) and visit["note"] == "in 10 days"
    assert '<span class="mi-figure-label">At risk, for any reason</span>' in html
    assert f'href="{reverse("insights_drill", args=["at_risk", "all"])}"' in html


def test_a_moderators_figures_link_into_the_sampling_queue_and_the_dashboard(personas):
    html = client_for(personas.moderator).get(reverse("home")).content.decode()
    assert figure(html, "Items left to sample")["url"] == reverse("iqa_queue")
    assert figure(html, "Overdue items")["url"] == reverse("iqa_queue") + "?status=overdue"
    assert figure(html, "Actions to close")["url"] == reverse("iqa_dashboard")
    assert figure(html, "Current sampling plans")["url"] == reverse("iqa_plan_list")


def test_a_learners_home_has_no_staff_figures(personas, centre):
    html = client_for(personas.learner).get(reverse("home")).content.decode()
    assert "home-figure" not in html and "My portfolio" in html


@pytest.mark.parametrize("who,status", [("assessor", 200), ("second_assessor", 200), ("learner", 403),
                                        ("admin", 403), ("moderator", 403), ("outsider", 403),
                                        ("other_centre_assessor", 200)])
def test_who_may_open_plans_to_sign(personas, centre, who, status):
    response = client_for(getattr(personas, who)).get(reverse("plans_to_sign"))
    assert response.status_code == status
    if who == "other_centre_assessor":
        assert response.context["plans"] == []  # never another centre's plans


def _queries(client) -> int:
    client.get(reverse("home"))  # the first request of a session also stores it; measure the steady state
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def _more_learners(personas, version, count):
    for i in range(count):
        enrolment = make_enrolment(learner(personas.centre, personas.assessor, last_name=f"More{i:03d}"),
                                   personas.assessor, version)
        submitted(enrolment, f"More {i}", days_ago=i % 5)
        _plan(enrolment)


# Pinned: each role's home in a fixed number of queries (the reports' headline figures included), the same for
# 3 learners as for 33. A change of these numbers is a change of what the home page reads: say why in the commit.
# The assessor's home: +1 for the prior learning awaiting their decision; the admin's: +1 for open data requests.
# Learners, assessors and moderators: +1 for the navigation's count of unread messages. The learner's progress is
# one query (criteria met and criteria of the chosen units counted by the database), certificates only once an
# enrolment is completed. The admin's and the assessor's headline figures are kept a few minutes (the page says
# so): measured here on the second visit, they come from the cache, as do the navigation's unread counts (kept until
# a notification, message or read receipt changes them) and the person with their roles.
# The assessor's sections are kept under their generation (tests/test_assessor_home_fresh.py): on a steady visit
# they cost nothing; computed afresh (their generation replaced, so their person and memberships are read again too)
# they are ASSESSOR_HOME_AFRESH queries, whatever the number of learners.
HOME_QUERIES = {"assessor": 0, "admin": 4, "moderator": 4, "learner": 0}
ASSESSOR_HOME_AFRESH = 15


@pytest.mark.parametrize("who", sorted(HOME_QUERIES))
def test_each_home_runs_a_fixed_number_of_queries_whatever_the_number_of_learners(personas, centre, who):
    staff(personas.centre, Role.MODERATOR)  # a second moderator: the admin's and moderator's reads cover both
    client = client_for(getattr(personas, who))
    few = _queries(client)
    _more_learners(personas, centre["version"], 30)
    assert (few, _queries(client)) == (HOME_QUERIES[who], HOME_QUERIES[who])


def test_the_assessors_home_computed_afresh_runs_a_fixed_number_of_queries(personas, centre):
    from accounts.request_cache import forget_person

    client = client_for(personas.assessor)

    def afresh() -> int:
        client.get(reverse("home"))
        forget_person(personas.assessor.pk)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(captured)

    few = afresh()
    _more_learners(personas, centre["version"], 30)
    assert (few, afresh()) == (ASSESSOR_HOME_AFRESH, ASSESSOR_HOME_AFRESH)
