"""Reviewing a resubmission: earlier decisions carried forward (pre-filled, marked, never recorded without the
assessor's submit), changed criteria highlighted, stale review links, and a fixed number of queries."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import formats, timezone

from assessment.models import CriterionDecision, Review
from assessment.selectors import earlier_decisions, revision_history
from assessment.services import review_decide, review_start
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import Evidence, EvidenceFile, EvidenceSubmission
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor,
                          make_spec(personas.centre, units=1, outcomes=1, criteria=4))


@pytest.fixture
def criteria(enrolment) -> list[AssessmentCriterion]:
    return list(AssessmentCriterion.objects.filter(unit__version=enrolment.version).order_by("position"))


def submit(evidence: Evidence, claimed) -> EvidenceSubmission:
    """The learner (re)submits the item, claiming these criteria."""
    learner = evidence.enrolment.learner
    evidence.refresh_from_db()
    evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title="Plated a menu",
                        reflection="What I did", method="product", activity_date=None, activity_place="Kitchen",
                        criteria=claimed)
    evidence.refresh_from_db()
    evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)
    return evidence.submissions.order_by("-number").first()


def first_revision(personas, enrolment, claimed) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=enrolment.learner)
    photo = jpeg_bytes()
    attached = evidence_file_attach(evidence=evidence, upload=ContentFile(photo), name="plate.jpg", size=len(photo),
                                    actor=enrolment.learner)
    EvidenceFile.objects.filter(pk=attached.pk).update(processed_at=timezone.now())  # processing runs on commit
    submit(evidence, claimed)
    return evidence


def return_it(personas, submission, decisions) -> Review:
    review = review_start(submission=submission, actor=personas.assessor)
    return review_decide(review=review, actor=personas.assessor, decisions={c.pk: met for c, met in decisions.items()},
                         outcome=Review.Outcome.RETURNED, feedback="Nearly.", actions="Weigh the portions.")


@pytest.fixture
def resubmitted(personas, enrolment, criteria):
    """Revision 1 claimed 1.1 and 1.2: 1.1 met, 1.2 not yet met, returned. Revision 2 claims 1.1, 1.2 and 1.3."""
    c1, c2, c3, _c4 = criteria
    evidence = first_revision(personas, enrolment, [c1, c2])
    first = evidence.submissions.get()
    review = return_it(personas, first, {c1: True, c2: False})
    second = submit(evidence, [c1, c2, c3])
    return first, second, review


def page(client, submission):
    response = client.get(reverse("review_detail", args=[submission.pk]))
    assert response.status_code == 200
    return response


def checked(html: str, criterion) -> str | None:
    """The value of the criterion's radio that the page has checked, if any."""
    for tag in re.findall(rf'<input[^>]*name="criterion_{criterion.pk}"[^>]*>', html):
        if " checked" in tag:
            return re.search(r'value="([^"]+)"', tag).group(1)
    return None


def fieldset_of(html: str, criterion) -> str:
    """The criterion's decision fieldset on the page."""
    for block in re.findall(r'<fieldset class="decision[^"]*">.*?</fieldset>', html, re.S):
        if f"criterion_{criterion.pk}" in block:
            return block
    raise AssertionError(f"no fieldset for {criterion.number}")


def test_earlier_decisions_are_pre_filled_and_marked_from_their_revision(personas, criteria, resubmitted):
    c1, c2, c3, _c4 = criteria
    first, second, review = resubmitted
    html = page(client_for(personas.assessor), second).content.decode()
    assert (checked(html, c1), checked(html, c2), checked(html, c3)) == ("met", "not_met", None)
    decided_on = formats.date_format(review.decided_at, "j M Y")
    assert f"From revision 1 ({decided_on}): met" in fieldset_of(html, c1)
    assert f"From revision 1 ({decided_on}): not yet met" in fieldset_of(html, c2)
    assert "From revision" not in fieldset_of(html, c3) and "New in this revision" in fieldset_of(html, c3)


def test_new_and_not_yet_met_criteria_are_highlighted_as_needing_attention(personas, criteria, resubmitted):
    c1, c2, c3, _c4 = criteria
    html = page(client_for(personas.assessor), resubmitted[1]).content.decode()
    assert "needs-attention" not in fieldset_of(html, c1) and "Needs attention" not in fieldset_of(html, c1)
    for criterion in (c2, c3):
        block = fieldset_of(html, criterion)
        assert 'class="decision needs-attention"' in block and "Needs attention" in block
    assert "2 decisions are carried forward from earlier revisions." in html
    assert "2 criteria need your attention." in html


def test_a_first_revision_highlights_nothing_and_pre_fills_nothing(personas, enrolment, criteria):
    evidence = first_revision(personas, enrolment, criteria[:2])
    html = page(client_for(personas.assessor), evidence.submissions.get()).content.decode()
    assert "Needs attention" not in html and "carried forward" not in html and "From revision" not in html
    assert checked(html, criteria[0]) is None and checked(html, criteria[1]) is None


def test_the_latest_earlier_decision_is_the_one_carried_forward(personas, enrolment, criteria):
    c1, c2, _c3, _c4 = criteria
    evidence = first_revision(personas, enrolment, [c1, c2])
    return_it(personas, evidence.submissions.get(), {c1: True, c2: False})
    second = submit(evidence, [c1, c2])
    return_it(personas, second, {c1: False, c2: True})
    third = submit(evidence, [c1, c2])
    html = page(client_for(personas.assessor), third).content.decode()
    assert (checked(html, c1), checked(html, c2)) == ("not_met", "met")
    assert "From revision 2" in fieldset_of(html, c1) and "needs-attention" in fieldset_of(html, c1)
    assert "From revision 2" in fieldset_of(html, c2) and "needs-attention" not in fieldset_of(html, c2)


def test_nothing_is_decided_until_the_assessor_submits_and_then_what_they_submit_counts(personas, criteria,
                                                                                        resubmitted):
    c1, c2, c3, _c4 = criteria
    _first, second, _review = resubmitted
    assessor = client_for(personas.assessor)
    page(assessor, second)
    assert not CriterionDecision.objects.filter(review__submission=second).exists()
    assert Review.objects.get(submission=second).decided_at is None

    # A post without an outcome is refused, changes nothing and keeps the marks.
    refused = assessor.post(reverse("review_decide", args=[second.pk]),
                            {f"criterion_{c1.pk}": "met", f"criterion_{c2.pk}": "met", f"criterion_{c3.pk}": "met",
                             "feedback": "Good."})
    assert refused.status_code == 200 and "From revision 1" in refused.content.decode()
    assert not CriterionDecision.objects.filter(review__submission=second).exists()

    response = assessor.post(reverse("review_decide", args=[second.pk]),
                             {f"criterion_{c1.pk}": "met", f"criterion_{c2.pk}": "met", f"criterion_{c3.pk}": "not_met",
                              "outcome": "returned", "feedback": "Show the clean-down."})
    assert response.status_code == 302
    decided = dict(CriterionDecision.objects.filter(review__submission=second).values_list("criterion_id", "met"))
    assert decided == {c1.pk: True, c2.pk: True, c3.pk: False}


def test_the_also_meets_list_is_open_when_an_earlier_revision_met_one_of_its_criteria(personas, enrolment, criteria):
    c1, c2, c3, c4 = criteria
    evidence = first_revision(personas, enrolment, [c1, c2])
    closed = page(client_for(personas.assessor), evidence.submissions.get()).content.decode()
    assert '<details class="also-met">' in closed
    # The assessor also maps 1.4 as met; the learner's next revision no longer claims it.
    return_it(personas, evidence.submissions.get(), {c1: True, c2: False, c4: True})
    second = submit(evidence, [c1, c2, c3])
    html = page(client_for(personas.assessor), second).content.decode()
    assert '<details class="also-met" open>' in html
    assert re.search(rf'<input[^>]*name="also_met"[^>]*value="{c4.pk}"[^>]*checked', html)
    assert "Ticked because an earlier revision met them" in html


def test_the_also_meets_list_stays_open_when_a_refused_post_ticked_something(personas, enrolment, criteria):
    c1, c2, _c3, c4 = criteria
    evidence = first_revision(personas, enrolment, [c1, c2])
    submission = evidence.submissions.get()
    assessor = client_for(personas.assessor)
    page(assessor, submission)
    refused = assessor.post(reverse("review_decide", args=[submission.pk]),
                            {f"criterion_{c1.pk}": "met", "also_met": [c4.pk], "feedback": "Good."})
    assert refused.status_code == 200
    assert '<details class="also-met" open>' in refused.content.decode()


def test_a_stale_review_link_says_so_and_links_to_the_current_revision(personas, resubmitted):
    first, second, _review = resubmitted
    for person in (personas.assessor, personas.moderator):
        response = page(client_for(person), first)
        html = response.content.decode()
        assert "This is revision 1, not the current one: the learner has since submitted revision 2." in html
        assert f'href="{reverse("review_detail", args=[second.pk])}"' in html and "Go to revision 2" in html
        assert response.context["form"] is None
    current = page(client_for(personas.assessor), second).content.decode()
    assert "not the current one" not in current


def test_access_to_a_resubmitted_revision_is_unchanged(personas, resubmitted):
    first, second, _review = resubmitted
    for submission in (first, second):
        url = reverse("review_detail", args=[submission.pk])
        for who in ("second_assessor", "other_centre_assessor", "external_moderator"):
            assert client_for(getattr(personas, who)).get(url).status_code == 404, who
        assert client_for(personas.learner).get(url).status_code == 403
        assert client_for(personas.moderator).get(url).status_code == 200
    # The moderator reads; only the learner's assessor gets a form.
    assert page(client_for(personas.moderator), second).context["form"] is None


def later_revisions(personas, enrolment, criteria, count: int) -> EvidenceSubmission:
    """An item returned `count - 1` times, each revision claiming one criterion more."""
    evidence = first_revision(personas, enrolment, criteria[:1])
    submission = evidence.submissions.get()
    for n in range(1, count):
        return_it(personas, submission, {c: i % 2 == 0 for i, c in enumerate(criteria[:n])})
        submission = submit(evidence, criteria[:n + 1])
    return submission


# The request's own (user, memberships, the navigation's counts and unread notifications) and the page's:
# submission, its review, newer revision, history with reviews and decisions, the form's claimed criteria and
# "also meets" list (read to tick carried-forward ones, then again by its widget), files, the comment bank; the
# navigation's counts include unread messages (community/conversations); the witness statements received about the
# evidence (community/witness, one query when there are none); the peer comments the learner chose to include
# (community/sharing, one query).
REVIEW_PAGE_QUERIES = 15  # warm: the person, memberships and navigation counts come from the cache


def test_the_review_page_takes_the_same_queries_however_many_revisions_and_criteria(
        personas, django_assert_num_queries):
    version = make_spec(personas.centre, code="BIG", units=1, outcomes=2, criteria=4)
    criteria = list(AssessmentCriterion.objects.filter(unit__version=version).order_by("position"))
    assessor = client_for(personas.assessor)
    for learner, revisions in ((personas.learner, 2), (personas.second_learner, 5)):
        submission = later_revisions(personas, make_enrolment(learner, personas.assessor, version), criteria,
                                     revisions)
        page(assessor, submission)  # the first visit starts the review
        with django_assert_num_queries(REVIEW_PAGE_QUERIES):
            html = page(assessor, submission).content.decode()
        assert f"Revision {revisions}" in html and "also-met" in html
    assert "4 decisions are carried forward from earlier revisions." in html


def test_only_revisions_before_the_one_reviewed_are_carried_forward(personas, enrolment, criteria):
    c1, c2, _c3, _c4 = criteria
    evidence = first_revision(personas, enrolment, [c1, c2])
    return_it(personas, evidence.submissions.get(), {c1: True, c2: False})
    second = submit(evidence, [c1, c2])
    return_it(personas, second, {c1: True, c2: True})
    history = revision_history(evidence)
    assert earlier_decisions(history, history[0]) == {}
    assert {pk: (d.met, d.revision) for pk, d in earlier_decisions(history, second).items()} == {
        c1.pk: (True, 1), c2.pk: (False, 1)}
