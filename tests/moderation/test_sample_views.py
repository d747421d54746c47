"""The sampling pages: the queue (fixed query count, filters), a plan item, a sample (record, sign, second sign),
the assessor's samples; learners and other centres reach none of it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centres.models import Role
from moderation.models import Sample, SampleAction
from portfolios.models import EvidenceFile
from tests.conftest import client_for
from tests.factories import learner, staff
from tests.portfolios.factories import make_enrolment

from .sampling_world import Sampling, accepted_evidence, item_for

pytestmark = pytest.mark.django_db


def record_post(sample, **extra) -> dict:
    data = {"criteria": [c.pk for c in sample.unit.criteria.all()], "outcome": "agree_advice",
            "feedback": "Date every photo.", "action_0_text": "Re-check 1.2", "action_0_due": ""}
    for name in ("valid", "authentic", "current", "sufficient", "plan_followed", "feedback_developmental",
                 "declaration_present", "records_accurate"):
        data[f"{name}_ok"], data[f"{name}_note"] = "yes", ""
    return {**data, **extra}


def test_the_moderator_samples_a_plan_item_from_the_queue_to_the_signature(personas):
    world = Sampling(personas)
    moderator = client_for(personas.moderator)
    queue = moderator.get(reverse("iqa_queue"))
    assert queue.status_code == 200 and world.units[0].code in queue.content.decode()
    page = moderator.get(reverse("iqa_item", args=[world.item.pk]))
    assert page.status_code == 200 and "Start sampling this unit" in page.content.decode()
    assert "Well evidenced" in page.content.decode()  # the assessor's feedback, as they gave it
    response = moderator.post(reverse("iqa_item_start", args=[world.item.pk]))
    sample = Sample.objects.get()
    assert response.url == reverse("iqa_sample", args=[sample.pk])
    page = moderator.get(response.url)
    assert page.status_code == 200 and "Save the record" in page.content.decode()
    assert moderator.post(reverse("iqa_sample_record", args=[sample.pk]), record_post(sample)).status_code == 302
    sample.refresh_from_db()
    assert sample.outcome == "agree_advice" and sample.actions.get().text == "Re-check 1.2"
    moderator.post(reverse("iqa_sample_sign", args=[sample.pk]), {"typed_name": personas.moderator.get_full_name()})
    sample.refresh_from_db()
    assert sample.status == Sample.Status.SIGNED
    page = moderator.get(reverse("iqa_sample", args=[sample.pk])).content.decode()
    assert "Save the record" not in page and "Re-check 1.2" in page


def test_an_incomplete_record_is_shown_again_with_the_problem(personas):
    world = Sampling(personas)
    sample = world.start()
    response = client_for(personas.moderator).post(reverse("iqa_sample_record", args=[sample.pk]),
                                                   record_post(sample, outcome="disagree_act", action_0_text=""))
    assert response.status_code == 400 and "needs an action" in response.content.decode()
    sample.refresh_from_db()
    assert sample.outcome == ""


def test_a_change_after_the_start_shows_on_the_sample_page(personas):
    world = Sampling(personas)
    evidence = accepted_evidence(world.enrolment, personas.learner, personas.assessor,
                                 list(world.units[-1].criteria.all()[:1]))
    sample = world.start(world.interim_item)
    EvidenceFile.objects.filter(evidence=evidence).update(sha256="f" * 64)
    page = client_for(personas.moderator).get(reverse("iqa_sample", args=[sample.pk])).content.decode()
    assert "change since this sample started" in page and "has changed" in page


def test_the_queue_filters_by_assessor_and_status(personas):
    world = Sampling(personas)
    world.signed()
    client = client_for(personas.moderator)
    signed = client.get(reverse("iqa_queue"), {"status": "signed"}).context["items"]
    assert [i.pk for i in signed] == [world.item.pk]
    not_started = client.get(reverse("iqa_queue"), {"status": "not_started"}).context["items"]
    assert [i.pk for i in not_started] == [world.interim_item.pk]
    theirs = item_for(world.plan, world.enrolment, world.units[1], assessor=personas.second_assessor)
    chosen = client.get(reverse("iqa_queue"), {"assessor": personas.second_assessor.pk}).context["items"]
    assert [i.pk for i in chosen] == [theirs.pk]


def test_the_queue_shows_a_moderator_only_their_items_and_unassigned_ones(personas):
    world = Sampling(personas)
    other = staff(personas.centre, Role.MODERATOR)
    item_for(world.plan, world.enrolment, world.units[1], moderator=other)
    mine = client_for(personas.moderator).get(reverse("iqa_queue")).context["items"]
    assert {i.pk for i in mine} == {world.item.pk, world.interim_item.pk}
    everyone = client_for(personas.admin).get(reverse("iqa_queue")).context["items"]
    assert len(everyone) == 3


def test_the_queue_takes_the_same_number_of_queries_however_many_items(personas, django_assert_num_queries):
    world = Sampling(personas)
    client = client_for(personas.moderator)
    client.get(reverse("iqa_queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("iqa_queue"))
    counted = len(few.captured_queries)  # now: the next request empties the connection's query log
    assert counted <= 8  # session, user, memberships, the page's navigation, assessors, items
    for n in range(12):
        someone = learner(personas.centre, personas.assessor)
        enrolment = make_enrolment(someone, personas.assessor, world.version)
        item_for(world.plan, enrolment, world.units[n % 2], moderator=personas.moderator)
    client.get(reverse("iqa_queue"))  # warm the cache again after the writes, like the first measurement
    with django_assert_num_queries(counted):
        response = client.get(reverse("iqa_queue"))
    assert len(response.context["items"]) == 14


def test_the_assessors_samples_take_the_same_number_of_queries_however_many(personas):
    world = Sampling(personas)
    world.signed(actions=[("One", None)], outcome="agree_advice")
    client = client_for(personas.assessor)
    client.get(reverse("iqa_my_samples"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("iqa_my_samples"))
    for n in range(4):
        more = Sampling(personas, code=f"IQA{n}")
        more.signed(actions=[("One", None), ("Two", None)], outcome="agree_advice")
    client.get(reverse("iqa_my_samples"))  # the new actions replaced the cached navigation counts: warm them again
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("iqa_my_samples"))
    assert len(response.context["samples"]) == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_assessor_acknowledges_and_marks_an_action_done_on_their_page(personas):
    world = Sampling(personas)
    sample = world.signed(outcome="disagree_act", feedback="Feedback not developmental.",
                          actions=[("Rewrite feedback", None)])
    assessor = client_for(personas.assessor)
    page = assessor.get(reverse("iqa_my_samples")).content.decode()
    assert "Feedback not developmental." in page and "Rewrite feedback" in page
    action = sample.actions.get()
    assessor.post(reverse("iqa_action_done", args=[action.pk]), {"note": "Rewritten"})
    assessor.post(reverse("iqa_sample_acknowledge", args=[sample.pk]))
    action.refresh_from_db()
    sample.refresh_from_db()
    assert action.status == SampleAction.Status.DONE and sample.status == Sample.Status.ACKNOWLEDGED
    client_for(personas.moderator).post(reverse("iqa_action_close", args=[action.pk]))
    action.refresh_from_db()
    assert action.status == SampleAction.Status.CLOSED


def test_the_second_signature_form_is_offered_to_the_admin_not_the_first_signer(personas):
    world = Sampling(personas)
    sample = world.record(world.start(), outcome="disagree_overturn", feedback="Not met.")
    client_for(personas.moderator).post(reverse("iqa_sample_sign", args=[sample.pk]),
                                        {"typed_name": personas.moderator.get_full_name()})
    url = reverse("iqa_sample", args=[sample.pk])
    assert "Confirm and reopen the unit" not in client_for(personas.moderator).get(url).content.decode()
    admin = client_for(personas.admin)
    assert "Confirm and reopen the unit" in admin.get(url).content.decode()
    admin.post(reverse("iqa_sample_second_sign", args=[sample.pk]), {"typed_name": personas.admin.get_full_name()})
    sample.refresh_from_db()
    assert sample.status == Sample.Status.SIGNED


# --- Outsiders ------------------------------------------------------------------------------------------

def test_learners_reach_none_of_the_sampling_pages(personas):
    world = Sampling(personas)
    sample = world.signed(actions=[("x", None)])
    action = sample.actions.get()
    client = client_for(personas.learner)
    for url in (reverse("iqa_queue"), reverse("iqa_item", args=[world.item.pk]),
                reverse("iqa_sample", args=[sample.pk]), reverse("iqa_my_samples")):
        assert client.get(url).status_code in (403, 404), url
    for url in (reverse("iqa_item_start", args=[world.item.pk]), reverse("iqa_action_done", args=[action.pk]),
                reverse("iqa_sample_acknowledge", args=[sample.pk])):
        assert client.post(url).status_code in (403, 404), url


def test_another_centres_staff_get_404(personas):
    world = Sampling(personas)
    sample = world.signed(actions=[("x", None)])
    action = sample.actions.get()
    moderator = client_for(staff(personas.other_centre, Role.MODERATOR))
    admin = client_for(staff(personas.other_centre, Role.CENTRE_ADMIN))
    assert moderator.get(reverse("iqa_item", args=[world.item.pk])).status_code == 404
    assert moderator.get(reverse("iqa_sample", args=[sample.pk])).status_code == 404
    assert admin.get(reverse("iqa_sample", args=[sample.pk])).status_code == 404
    assert moderator.post(reverse("iqa_item_start", args=[world.item.pk])).status_code == 404
    assert moderator.post(reverse("iqa_sample_resample", args=[sample.pk])).status_code == 404
    assert moderator.post(reverse("iqa_action_close", args=[action.pk])).status_code == 404
    assert admin.get(reverse("iqa_queue")).context["items"] == []
    other_assessor = client_for(personas.other_centre_assessor)
    assert other_assessor.post(reverse("iqa_action_done", args=[action.pk]), {"note": "x"}).status_code == 404
    action.refresh_from_db()
    assert action.status == SampleAction.Status.OPEN


def test_another_assessor_cannot_act_on_someone_elses_sample(personas):
    world = Sampling(personas)
    sample = world.signed(actions=[("x", None)])
    client = client_for(personas.second_assessor)
    assert client.post(reverse("iqa_sample_acknowledge", args=[sample.pk])).status_code == 404
    assert client.post(reverse("iqa_action_done", args=[sample.actions.get().pk]), {"note": "x"}).status_code == 404
    assert client.get(reverse("iqa_my_samples")).context["samples"] == []


def test_another_moderator_cannot_record_or_sign_a_sample_they_did_not_start(personas):
    world = Sampling(personas)
    sample = world.start()
    client = client_for(staff(personas.centre, Role.MODERATOR))
    assert client.post(reverse("iqa_sample_record", args=[sample.pk]), record_post(sample)).status_code == 403
    client.post(reverse("iqa_sample_sign", args=[sample.pk]), {"typed_name": "x"})
    sample.refresh_from_db()
    assert sample.outcome == "" and sample.status == Sample.Status.STARTED
