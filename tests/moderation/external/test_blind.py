"""Under a grant the external moderator never sees a learner's contact details unless the grant allows them, and
under a blind grant never their name: each learner is a pseudonym, stable for the grant. Staff keep their names,
and nobody else's pages change meanwhile."""

import io

import pypdf
import pytest
from django.urls import reverse

from accounts.pseudonyms import Masking, pseudonym_code
from audit.services import audit_record
from moderation.external import blind
from moderation.external.blind import masking, pseudonym
from moderation.external.services import eqa_grant_revoke
from moderation.models import EqaGrant
from moderation.plans.services import sampling_plan_generate
from tests.conftest import client_for
from tests.moderation.plan_world import PlanWorld, assess
from tests.portfolios.factories import make_enrolment, make_spec

from .factories import make_grant

pytestmark = pytest.mark.django_db

FIRST, LAST, EMAIL = "Maya", "Quennell", "maya.quennell@learners.test"
NOTE = "Learner names are pseudonymised"


@pytest.fixture
def world(personas):
    """Maya Quennell's enrolment with assessed evidence, and timeline events naming her by email."""
    learner = personas.learner
    learner.first_name, learner.last_name, learner.email = FIRST, LAST, EMAIL
    learner.save(update_fields=["first_name", "last_name", "email"])
    version = make_spec(personas.centre, code="HOSP", units=2)
    enrolment = make_enrolment(learner, personas.assessor, version)
    unit = version.units.first()
    evidence = assess(enrolment, unit, personas.assessor, method="observation", place="Kitchen", signed_off=True)
    audit_record(action="enrolment.created", actor=personas.admin, centre=personas.centre, target=enrolment,
                 subject=enrolment, data={"learner": EMAIL, "assessor": personas.assessor.email})
    audit_record(action="evidence.submitted", actor=learner, centre=personas.centre, target=evidence,
                 subject=enrolment, data={"title": f"Service by {FIRST} {LAST}", "unit": unit.pk})
    personas.enrolment, personas.unit, personas.evidence = enrolment, unit, evidence
    return personas


def eqa_pages(w) -> dict[str, str]:
    membership = w.learner.memberships.get(centre=w.centre)
    return {
        "portfolio": reverse("portfolio", args=[w.enrolment.pk]),
        "enrolment": reverse("enrolment_detail", args=[w.enrolment.pk]),
        "evidence": reverse("evidence_detail", args=[w.evidence.pk]),
        "unit record": reverse("unit_record", args=[w.enrolment.pk, w.unit.pk]),
        "timeline": reverse("timeline_learner", args=[w.enrolment.pk]),
        "unit timeline": reverse("timeline_unit", args=[w.enrolment.pk, w.unit.pk]),
        "timeline CSV": reverse("timeline_learner", args=[w.enrolment.pk]) + "?format=csv",
        "timeline PDF": reverse("timeline_learner", args=[w.enrolment.pk]) + "?format=pdf",
        "caseload": reverse("caseload"),
        "learner": reverse("learner_detail", args=[membership.pk]),
        "learners": reverse("learner_list"),
    }


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    if response["Content-Type"] == "application/pdf":
        return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    return response.content.decode()


def test_under_a_blind_grant_no_eqa_page_names_the_learner_or_shows_their_email(world):
    grant = make_grant(world, blind=True)
    client = client_for(world.external_moderator)
    for name, url in eqa_pages(world).items():
        text = page(client, url)
        for secret in (FIRST, LAST, EMAIL):
            assert secret not in text, f"{secret} on the {name} page"
        assert pseudonym(grant, world.learner) in text, name


def test_a_blind_grant_keeps_staff_names_and_says_evidence_may_still_identify(world):
    make_grant(world, blind=True)
    text = page(client_for(world.external_moderator), reverse("enrolment_detail", args=[world.enrolment.pk]))
    assert "Sam Assessor" in text
    assert NOTE in text and "may still identify a learner" in text


def test_without_blind_mode_the_eqa_sees_names_but_not_emails(world):
    make_grant(world)
    client = client_for(world.external_moderator)
    for name, url in eqa_pages(world).items():
        text = page(client, url)
        assert EMAIL not in text, f"email on the {name} page"
        assert NOTE not in text
    assert f"{FIRST} {LAST}" in page(client, eqa_pages(world)["timeline"])  # the learner's own events
    assert "hidden" in page(client, eqa_pages(world)["learner"])


def test_a_grant_showing_contact_details_shows_the_learners_email(world):
    make_grant(world, show_contact_details=True)
    text = page(client_for(world.external_moderator), eqa_pages(world)["learner"])
    assert EMAIL in text and f"{FIRST} {LAST}" in text


def test_the_assessor_sees_real_names_between_two_blind_eqa_requests(world):
    grant = make_grant(world, blind=True)
    eqa, assessor = client_for(world.external_moderator), client_for(world.assessor)
    url = reverse("portfolio", args=[world.enrolment.pk])
    assert FIRST not in page(eqa, url)
    text = page(assessor, url)
    assert f"{FIRST} {LAST}" in text and pseudonym(grant, world.learner) not in text and NOTE not in text
    timeline = page(assessor, reverse("timeline_learner", args=[world.enrolment.pk]))  # names people, not emails
    assert f"{FIRST} {LAST}" in timeline and pseudonym(grant, world.learner) not in timeline
    assert FIRST not in page(eqa, url)


def test_the_moderators_pages_are_unchanged_while_a_blind_grant_is_active(world):
    make_grant(world, blind=True)
    text = page(client_for(world.moderator), reverse("enrolment_detail", args=[world.enrolment.pk]))
    assert f"{FIRST} {LAST}" in text and NOTE not in text


def test_a_pseudonym_is_stable_within_a_grant_and_differs_between_grants(world):
    first = make_grant(world, blind=True)
    again = EqaGrant.objects.get(pk=first.pk)
    assert pseudonym(first, world.learner) == pseudonym(again, world.learner)
    assert pseudonym(first, world.learner) != pseudonym(first, world.second_learner)
    eqa_grant_revoke(grant=first, actor=world.admin, reason="Visit moved")
    second = make_grant(world, blind=True)
    assert pseudonym(second, world.learner) != pseudonym(first, world.learner)
    assert pseudonym(second, world.learner) in page(client_for(world.external_moderator),
                                                    reverse("portfolio", args=[world.enrolment.pk]))


def test_the_masking_covers_code_outside_a_request(world):
    """The sample pack renders under `masking(grant)`: the same pages, masked, even for a moderator's request."""
    grant = make_grant(world, blind=True)
    url = reverse("enrolment_detail", args=[world.enrolment.pk])
    with masking(grant):
        text = page(client_for(world.moderator), url)
        assert str(world.learner) == pseudonym(grant, world.learner)
        assert world.learner.contact_email == "hidden"
        assert str(world.assessor) == "Sam Assessor"
    assert FIRST not in text and pseudonym(grant, world.learner) in text
    assert str(world.learner) == f"{FIRST} {LAST}" and world.learner.contact_email == EMAIL


def test_the_centres_learners_are_loaded_once_per_eqa_request_and_never_for_others(world, monkeypatch):
    make_enrolment(world.second_learner, world.assessor, world.enrolment.version)
    loads, load = [], blind.centre_learners
    monkeypatch.setattr(blind, "centre_learners", lambda centre_id: loads.append(centre_id) or load(centre_id))
    world.grant = make_grant(world, blind=True)
    text = page(client_for(world.external_moderator), reverse("caseload"))
    assert loads == [world.centre.pk]
    assert pseudonym(world.grant, world.second_learner) in text
    page(client_for(world.assessor), reverse("caseload"))
    assert loads == [world.centre.pk]


def test_the_iqa_plan_rendered_under_a_blind_grants_masking_names_no_learner(personas):
    """The EQA's own route to IQA plans is being opened elsewhere; the page itself is checked under the masking
    the middleware applies (as the sample pack will render it)."""
    world = PlanWorld(personas, assessors=2, learners_each=2, units=2)
    plan = sampling_plan_generate(strategy=world.strategy, cycle_start_year=2026, actor=personas.moderator)
    grant = make_grant(personas, blind=True)
    learners = [e.learner for e in world.enrolments]
    sampled = {item.enrolment.learner for item in plan.items.select_related("enrolment__learner")}
    with masking(grant):
        text = page(client_for(personas.moderator), reverse("iqa_plan_detail", args=[plan.pk]))
    for learner in learners:
        assert learner.get_full_name() not in text and learner.email not in text
    assert sampled and all(pseudonym(grant, learner) in text for learner in sampled)
    assert "Sam Assessor" in text


def test_free_text_loses_a_masked_learners_email_and_name_whatever_their_case():
    blind_mode = Masking(load_learners=lambda: [(7, "ann.oz@learners.test", "Ann", "Straße")], pseudonym_key="k")
    contact_only = Masking(load_learners=lambda: [(7, "ann.oz@learners.test", "Ann", "Straße")])
    text = "Uploaded by ANN.OZ@learners.test for ann straße; assessor sam@staff.test"
    code = pseudonym_code("k", 7)
    assert blind_mode.text(text) == f"Uploaded by Learner {code} for Learner {code}; assessor sam@staff.test"
    assert contact_only.text(text) == "Uploaded by hidden for ann straße; assessor sam@staff.test"
    assert blind_mode.label_of(7) == f"Learner {code}" and contact_only.label_of(7) == "Ann Straße"
    assert blind_mode.label_of(8) is None
