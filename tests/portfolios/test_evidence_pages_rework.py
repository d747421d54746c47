"""The learner's evidence pages: returned work leads with the assessor's feedback and what to do next, the
resubmit page keeps that feedback beside the form, and the form counts ticked criteria per unit."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessment.services import review_decide, review_start
from portfolios.evidence.services import evidence_create, evidence_file_attach, evidence_save_draft, evidence_submit
from portfolios.models import Evidence, Method
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for

from .evidence_samples import jpeg_bytes
from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)

FEEDBACK = "The plating is tidy, but the garnish is missing."
ACTIONS = "Add a close-up photo of the garnished plate."


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre, units=3))


def _criteria(enrolment, unit_position: int, count: int) -> list[AssessmentCriterion]:
    return list(AssessmentCriterion.objects.filter(unit__version=enrolment.version, unit__position=unit_position)
                .order_by("position")[:count])


def _draft(enrolment, learner, criteria) -> Evidence:
    evidence = evidence_create(enrolment=enrolment, actor=learner)
    evidence_file_attach(evidence=evidence, upload=SimpleUploadedFile("plated-dish.jpg", jpeg_bytes()),
                         name="plated-dish.jpg", size=len(jpeg_bytes()), actor=learner)
    evidence.refresh_from_db()
    return evidence_save_draft(evidence=evidence, revision=evidence.revision, actor=learner, title="Plated a menu",
                               reflection="I prepared and plated it.", method=Method.PRODUCT, activity_date=None,
                               activity_place="Training kitchen", criteria=criteria)


def _submitted(enrolment, learner, criteria) -> Evidence:
    evidence = _draft(enrolment, learner, criteria)
    return evidence_submit(evidence=evidence, revision=evidence.revision, declared=True, actor=learner)


def _decided(personas, enrolment, outcome: str, decisions: dict[int, bool]) -> Evidence:
    criteria = list(AssessmentCriterion.objects.filter(pk__in=decisions))
    evidence = _submitted(enrolment, personas.learner, criteria)
    review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions=decisions, outcome=outcome, feedback=FEEDBACK,
                  actions=ACTIONS if outcome == "returned" else "")
    evidence.refresh_from_db()
    return evidence


@pytest.fixture
def returned(personas, enrolment) -> Evidence:
    met, not_met = _criteria(enrolment, 0, 2)
    return _decided(personas, enrolment, "returned", {met.pk: True, not_met.pk: False})


def _page(user, name: str, evidence: Evidence) -> str:
    response = client_for(user).get(reverse(name, args=[evidence.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _outside_details(html: str) -> str:
    return re.sub(r"<details\b.*?</details>", "", html, flags=re.S)


def test_returned_evidence_leads_with_feedback_actions_and_the_resubmit_button(personas, returned):
    html = _page(personas.learner, "evidence_detail", returned)
    not_met = AssessmentCriterion.objects.get(pk=returned.submissions.get().review.decisions.get(met=False)
                                              .criterion_id)
    who_when = html.index("Returned by Sam Assessor on")
    assert who_when < html.index(FEEDBACK) < html.index(ACTIONS)
    assert html.index(ACTIONS) < html.index("1 criterion not yet met") < html.index(not_met.text)
    assert html.index(not_met.text) < html.index("Improve and resubmit") < html.index("Your evidence")
    assert html.index("Your evidence") < html.index("I prepared and plated it.") < html.index("plated-dish.jpg")
    assert f'href="{reverse("evidence_edit", args=[returned.pk])}"' in html
    assert 'class="button primary big"' in html


def test_file_hashes_and_the_declaration_are_behind_disclosures(personas, returned):
    html = _page(personas.learner, "evidence_detail", returned)
    sha256 = returned.files.get().sha256
    assert re.fullmatch(r"[0-9a-f]{64}", sha256) and sha256 in html
    assert sha256 not in _outside_details(html)
    assert returned.declaration["statement"] in html
    assert returned.declaration["statement"] not in _outside_details(html)
    assert "Technical details" in html and "Your declaration" in html


def test_the_status_reads_as_a_word_with_its_colour_and_icon(personas, returned):
    html = _page(personas.learner, "evidence_detail", returned)
    assert re.search(r'class="status status-warn status-kind-returned"><svg[^>]*aria-hidden="true".*?'
                     r'<span class="status-text">Returned for resubmission</span>', html, re.S)


def test_each_state_says_calmly_what_happens_next(personas, enrolment):
    draft = _draft(enrolment, personas.learner, _criteria(enrolment, 0, 1))
    assert "your assessor cannot see it yet" in _page(personas.learner, "evidence_detail", draft)
    submitted = _submitted(enrolment, personas.learner, _criteria(enrolment, 1, 1))
    html = _page(personas.learner, "evidence_detail", submitted)
    assert "Waiting for Sam Assessor to review it" in html and "Withdraw to change it" in html
    c = _criteria(enrolment, 2, 1)[0]
    accepted = _decided(personas, enrolment, "accepted", {c.pk: True})
    html = _page(personas.learner, "evidence_detail", accepted)
    assert "Accepted by Sam Assessor on" in html and "Nothing more to do for this evidence" in html
    assert html.index(FEEDBACK) < html.index("Nothing more to do") < html.index("Your evidence")
    assert "status-kind-done" in html and "Improve and resubmit" not in html


def test_the_assessor_reading_returned_evidence_sees_the_same_feedback_but_no_learner_buttons(personas, returned):
    html = _page(personas.assessor, "evidence_detail", returned)
    assert "Assessor’s feedback" in html and FEEDBACK in html
    assert "What happens next" not in html and "Improve and resubmit" not in html


def test_the_resubmit_page_shows_the_feedback_and_actions_beside_the_form(personas, returned):
    html = _page(personas.learner, "evidence_edit", returned)
    assert "<h1>Improve and resubmit</h1>" in html and 'class="resubmit"' in html
    column = html.index('class="resubmit-feedback"')
    assert column < html.index(FEEDBACK) < html.index(ACTIONS) < html.index('id="draft-form"')
    assert "Returned by Sam Assessor on" in html and "1 criterion not yet met" in html
    # The criterion the assessor found not yet met is marked where the learner ticks it again.
    not_met = returned.submissions.get().review.decisions.get(met=False).criterion_id
    picker = html[html.index(f'id="criterion-{not_met}"'):]
    assert picker.index("Not yet met") < picker.index("</label>")
    assert "Submit again" in html


def test_a_draft_has_no_feedback_column(personas, enrolment):
    draft = _draft(enrolment, personas.learner, [])
    html = _page(personas.learner, "evidence_edit", draft)
    assert "resubmit-feedback" not in html and 'class="narrow"' in html


@pytest.mark.parametrize("who", ["second_learner", "other_centre_learner", "outsider"])
def test_others_cannot_open_the_returned_page_or_its_resubmit_page(personas, returned, who):
    client = client_for(getattr(personas, who))
    for name in ("evidence_detail", "evidence_edit"):
        assert client.get(reverse(name, args=[returned.pk])).status_code == 404


def test_the_assessor_cannot_open_the_resubmit_page(personas, returned):
    assert client_for(personas.assessor).get(reverse("evidence_edit", args=[returned.pk])).status_code == 403


def _sections(html: str) -> list[tuple[bool, str]]:
    return [(bool(opened), count) for opened, count in re.findall(
        r'<details class="criteria-unit"( open)?>.*?<span class="ticked-count[^"]*" data-labels="[^"]*">([^<]*)</span>',
        html, re.S)]


def test_each_unit_says_how_many_of_its_criteria_are_ticked_and_those_with_ticks_open(personas, enrolment):
    draft = _draft(enrolment, personas.learner, _criteria(enrolment, 1, 2) + _criteria(enrolment, 2, 1))
    html = _page(personas.learner, "evidence_edit", draft)
    assert _sections(html) == [(False, "0 of 6 ticked"), (True, "2 of 6 ticked"), (True, "1 of 6 ticked")]


def test_with_nothing_ticked_the_first_unit_is_open(personas, enrolment):
    html = _page(personas.learner, "evidence_new", enrolment)
    assert _sections(html) == [(True, "0 of 6 ticked"), (False, "0 of 6 ticked"), (False, "0 of 6 ticked")]


def test_the_counts_follow_what_was_posted_when_a_save_is_refused(personas, enrolment):
    draft = _draft(enrolment, personas.learner, [])
    ticked = _criteria(enrolment, 2, 3)
    response = client_for(personas.learner).post(reverse("evidence_edit", args=[draft.pk]), {
        "title": "Plated", "activity_date": "not a date", "criteria": [c.pk for c in ticked],
        "revision": draft.revision})
    assert response.status_code == 200
    assert _sections(response.content.decode())[2] == (True, "3 of 6 ticked")
    assert not draft.claims.exists()


def test_every_count_the_script_may_show_is_rendered_translated(personas, enrolment):
    html = _page(personas.learner, "evidence_new", enrolment)
    labels = re.search(r'data-labels="([^"]*)"', html).group(1).replace("&quot;", '"')
    assert json.loads(labels) == [f"{n} of 6 ticked" for n in range(7)]


def test_the_draft_note_is_hidden_until_the_script_saves_as_you_type(personas, enrolment):
    for html in (_page(personas.learner, "evidence_new", enrolment),
                 _page(personas.learner, "evidence_edit", _draft(enrolment, personas.learner, []))):
        note = re.search(r'<p [^>]*id="save-note"[^>]*>', html).group(0)
        assert " hidden" in note
        assert "saved as" in html[html.index(note):html.index("</p>", html.index(note))]


def test_the_script_says_just_now_and_counts_minutes_in_the_plural(personas, enrolment):
    html = _page(personas.learner, "evidence_new", enrolment)
    strings = json.loads(re.search(r'<script id="evidence-strings" type="application/json">(.*?)</script>', html,
                                   re.S).group(1))
    assert strings["saved_now"] == "Draft saved just now"
    assert strings["saved_minutes"][:3] == ["Draft saved 1 minute ago", "Draft saved 2 minutes ago",
                                            "Draft saved 3 minutes ago"]
    assert not re.search(r"\b0 minutes", html)


def test_upload_buttons_and_files_carry_icons(personas, enrolment):
    draft = _draft(enrolment, personas.learner, [])
    html = _page(personas.learner, "evidence_edit", draft)
    photo, choose = html.index('for="take-photo"'), html.index('for="pick-files"')
    assert "icon-camera" in html[photo:html.index("</label>", photo)]
    assert "icon-upload" in html[choose:html.index("</label>", choose)]
    detail = _page(personas.learner, "evidence_detail", draft)
    figure = detail[detail.index("<figcaption>"):detail.index("</figcaption>")]
    assert "icon-file-image" in figure


def _queries_of_resubmit_page(personas, learner, units: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    enrolment = make_enrolment(learner, personas.assessor, make_spec(personas.centre, code=f"U{units}", units=units))
    criteria = [c for u in range(units) for c in _criteria(enrolment, u, 2)]
    evidence = _submitted(enrolment, learner, criteria)
    review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
    review_decide(review=review, actor=personas.assessor, decisions={c.pk: i % 2 == 0 for i, c in enumerate(criteria)},
                  outcome="returned", feedback=FEEDBACK, actions=ACTIONS)
    client = client_for(learner)
    client.get(reverse("evidence_edit", args=[evidence.pk]))  # the session settles first
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("evidence_edit", args=[evidence.pk])).content.decode()
    assert html.count('class="criteria-unit"') == units
    return len(queries)


def test_the_resubmit_page_does_not_grow_in_queries_with_units_and_decisions(personas):
    assert (_queries_of_resubmit_page(personas, personas.learner, 2)
            == _queries_of_resubmit_page(personas, personas.second_learner, 5))
