"""Drafting a plan: versions, items, notes; what the assessor may put in an item; concurrent edits."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.workflow import StatusMoveError
from portfolios.models import AssessmentPlan, Method, PlanItem
from portfolios.plans.services import (
    PlanError,
    plan_item_add,
    plan_item_delete,
    plan_item_update,
    plan_sign,
    plan_start,
    plan_update_notes,
)
from tests.conftest import client_for

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

CHANGED = "Someone else changed this plan after you opened it. Reload to see their changes; nothing was saved."
SIGNED = "This plan has been signed; start a new version to change it."


def _in(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def spec(personas):
    return make_spec(personas.centre)


@pytest.fixture
def enrolment(personas, spec):
    """The learner takes units 1 and 2; unit 3 is not part of their enrolment."""
    units = list(spec.units.order_by("position"))
    return make_enrolment(personas.learner, personas.assessor, spec, units=units[:2])


def _units(spec):
    return list(spec.units.order_by("position"))


def _item(plan, actor, unit, **extra) -> PlanItem:
    values = {"units": [unit], "criteria": list(unit.criteria.order_by("position")[:2]),
              "method": Method.OBSERVATION, "target_date": _in(30), **extra}
    return plan_item_add(plan=plan, actor=actor, revision=plan.revision, **values)


def test_the_assessor_starts_version_one_and_starting_again_returns_the_same_draft(personas, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    assert (plan.number, plan.status, plan.created_by) == (1, "draft", personas.assessor)
    assert plan_start(enrolment=enrolment, actor=personas.assessor) == plan
    assert enrolment.plans.count() == 1
    assert AuditEvent.objects.filter(action="plan.started", object_id=str(plan.pk)).count() == 1


def test_a_centre_admin_may_start_the_plan_but_another_assessor_or_the_learner_may_not(personas, enrolment):
    for actor in (personas.second_assessor, personas.learner, personas.moderator, personas.other_centre_assessor):
        with pytest.raises(PermissionDenied):
            plan_start(enrolment=enrolment, actor=actor)
    assert plan_start(enrolment=enrolment, actor=personas.admin).number == 1


def test_a_new_version_copies_the_items_and_replaces_one_awaiting_agreement(personas, spec, enrolment):
    unit1, unit2, _ = _units(spec)
    v1 = plan_start(enrolment=enrolment, actor=personas.assessor)
    _item(v1, personas.assessor, unit1, notes="In the kitchen")
    plan_update_notes(plan=v1, actor=personas.assessor, revision=v1.revision, notes="Weekly reviews")
    v1 = plan_sign(plan=v1, actor=personas.assessor, revision=v1.revision, typed_name="Sam Assessor")
    assert v1.status == "awaiting"

    v2 = plan_start(enrolment=enrolment, actor=personas.assessor)
    v1.refresh_from_db()
    assert (v2.number, v2.status, v2.notes) == (2, "draft", "Weekly reviews")
    assert v1.status == "superseded"
    copy = v2.items.get()
    assert copy.notes == "In the kitchen" and list(copy.units.all()) == [unit1]
    assert [c.number for c in copy.criteria.order_by("position")] == ["1.1", "1.2"]
    assert v1.items.count() == 1  # the old version keeps its own items
    with pytest.raises(StatusMoveError, match="can no longer be signed"):
        plan_sign(plan=v1, actor=personas.learner, revision=v1.revision, typed_name=personas.learner.get_full_name())


def test_an_item_may_only_cover_units_of_the_enrolment(personas, spec, enrolment):
    _, _, unit3 = _units(spec)
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    with pytest.raises(PlanError, match="Not a unit of this enrolment: HOSP-L3-U3") as refused:
        _item(plan, personas.assessor, unit3)
    assert refused.value.field == "units"
    assert not plan.items.exists()


def test_criteria_of_units_outside_the_item_or_the_enrolment_are_refused(personas, spec, enrolment):
    unit1, unit2, unit3 = _units(spec)
    other_spec_unit = make_spec(personas.centre, code="CARE-L2").units.first()
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    for stray in (unit2.criteria.first(), unit3.criteria.first(), other_spec_unit.criteria.first()):
        with pytest.raises(PlanError, match="not in the units ticked for this item") as refused:
            _item(plan, personas.assessor, unit1, criteria=[unit1.criteria.first(), stray])
        assert refused.value.field == "criteria"
    assert not plan.items.exists()
    plan.refresh_from_db()
    assert plan.revision == 1


def test_the_item_form_refuses_criteria_of_a_unit_outside_the_enrolment(personas, spec, enrolment):
    unit1, _, unit3 = _units(spec)
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    response = client_for(personas.assessor).post(reverse("plan_item_add", args=[enrolment.pk, plan.number]), {
        "revision": plan.revision, "units": [unit1.pk], "criteria": [unit3.criteria.first().pk],
        "method": "observation", "target_date": _in(10).isoformat()})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not plan.items.exists()


def test_the_item_form_says_which_criteria_lack_their_unit(personas, spec, enrolment):
    unit1, unit2, _ = _units(spec)
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    response = client_for(personas.assessor).post(reverse("plan_item_add", args=[enrolment.pk, plan.number]), {
        "revision": plan.revision, "units": [unit1.pk], "criteria": [unit2.criteria.first().pk],
        "method": "observation", "target_date": _in(10).isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_criteria_error"' in html and "1.1 (HOSP-L3-U2)" in html
    assert not plan.items.exists()


def test_the_item_form_groups_criteria_under_their_unit(personas, spec, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    url = reverse("plan_item_add", args=[enrolment.pk, plan.number])
    html = client_for(personas.assessor).get(url).content.decode()
    assert html.count("<legend><strong>HOSP-L3-U") == 2  # units 1 and 2 of the enrolment; not unit 3
    assert "HOSP-L3-U3" not in html
    assert html.count('name="criteria"') == 12 and "2.3 Describe point 3" in html
    assert 'type="date"' in html and '<label for="id_target_date">' in html


def test_a_target_date_before_the_enrolment_started_is_refused(personas, spec, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    with pytest.raises(PlanError, match="cannot be before the enrolment started") as refused:
        _item(plan, personas.assessor, _units(spec)[0], target_date=enrolment.start_date - datetime.timedelta(days=1))
    assert refused.value.field == "target_date"


def test_items_are_edited_and_removed_while_the_plan_is_a_draft(personas, spec, enrolment):
    unit1, unit2, _ = _units(spec)
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    item = _item(plan, personas.assessor, unit1)
    plan_item_update(item=item, actor=personas.assessor, revision=plan.revision, units=[unit1, unit2],
                     criteria=[unit2.criteria.last()], method=Method.WITNESS_TESTIMONY, target_date=_in(45))
    item.refresh_from_db()
    assert item.method == "witness_testimony" and item.units.count() == 2
    assert [c.number for c in item.criteria.all()] == ["2.3"]
    plan_item_delete(item=item, actor=personas.assessor, revision=plan.revision)
    assert not plan.items.exists()
    events = AuditEvent.objects.filter(action__startswith="plan.", object_id=str(plan.pk)).order_by("seq")
    assert [e.action for e in events] == [
        "plan.started", "plan.item_added", "plan.item_updated", "plan.item_deleted"]


def _every_change_is_refused(personas, plan, item, unit) -> None:
    item.plan = plan
    attempts = [
        lambda: _item(plan, personas.assessor, unit),
        lambda: plan_item_update(item=item, actor=personas.assessor, revision=plan.revision, units=[unit],
                                 criteria=[], method=Method.RPL, target_date=_in(5)),
        lambda: plan_item_delete(item=item, actor=personas.assessor, revision=plan.revision),
        lambda: plan_update_notes(plan=plan, actor=personas.assessor, revision=plan.revision, notes="x"),
        lambda: plan_update_notes(plan=plan, actor=personas.admin, revision=plan.revision, notes="x"),
    ]
    for attempt in attempts:
        with pytest.raises(PlanError, match=SIGNED):
            attempt()
    fresh = AssessmentPlan.objects.get(pk=plan.pk)
    assert fresh.items.get().method == "observation" and fresh.notes == "" and fresh.revision == 2


def test_nothing_of_a_signed_plan_can_change(personas, spec, enrolment):
    """From the first signature (the assessor's), through the second (the learner's, agreeing it)."""
    unit1 = _units(spec)[0]
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    item = _item(plan, personas.assessor, unit1)
    plan = plan_sign(plan=plan, actor=personas.assessor, revision=plan.revision, typed_name="Sam Assessor")
    assert plan.status == "awaiting"
    _every_change_is_refused(personas, plan, item, unit1)
    plan = plan_sign(plan=plan, actor=personas.learner, revision=plan.revision,
                     typed_name=personas.learner.get_full_name())
    assert plan.status == "agreed"
    _every_change_is_refused(personas, plan, item, unit1)


def test_the_second_of_two_people_editing_the_same_plan_is_refused_and_nothing_is_overwritten(personas, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    url = reverse("plan_notes", args=[enrolment.pk, plan.number])
    assessor, admin = client_for(personas.assessor), client_for(personas.admin)
    assert 'name="revision" value="1"' in assessor.get(url).content.decode()
    assert 'name="revision" value="1"' in admin.get(url).content.decode()

    assert assessor.post(url, {"revision": 1, "notes": "Meet every Friday"}).status_code == 302
    response = admin.post(url, {"revision": 1, "notes": "Meet every Monday"})
    assert response.status_code == 200
    html = response.content.decode()
    assert CHANGED in html and "Meet every Monday" in html  # their text is still in the form, not saved
    plan.refresh_from_db()
    assert plan.notes == "Meet every Friday" and plan.revision == 2
    assert AuditEvent.objects.filter(action="plan.notes_updated").count() == 1


def test_a_stale_item_edit_is_refused_with_nothing_changed(personas, spec, enrolment):
    unit1, unit2, _ = _units(spec)
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    item = _item(plan, personas.assessor, unit1)
    stale = plan.revision
    plan_update_notes(plan=plan, actor=personas.admin, revision=stale, notes="Changed meanwhile")
    response = client_for(personas.assessor).post(reverse("plan_item_edit", args=[enrolment.pk, item.pk]), {
        "revision": stale, "units": [unit2.pk], "method": "questioning", "target_date": _in(20).isoformat()})
    assert response.status_code == 200 and CHANGED in response.content.decode()
    item.refresh_from_db()
    assert item.method == "observation" and list(item.units.all()) == [unit1]
    assert PlanItem.objects.filter(plan=plan).count() == 1


def test_a_stale_removal_is_refused(personas, spec, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    item = _item(plan, personas.assessor, _units(spec)[0])
    response = client_for(personas.assessor).post(reverse("plan_item_delete", args=[enrolment.pk, item.pk]),
                                                  {"revision": plan.revision - 1}, follow=True)
    assert CHANGED in response.content.decode()
    assert PlanItem.objects.filter(pk=item.pk).exists()


def test_the_edit_pages_of_a_signed_plan_send_the_assessor_back_with_the_reason(personas, spec, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    item = _item(plan, personas.assessor, _units(spec)[0])
    plan_sign(plan=plan, actor=personas.assessor, revision=plan.revision, typed_name="Sam Assessor")
    client = client_for(personas.assessor)
    for url in (reverse("plan_item_add", args=[enrolment.pk, 1]),
                reverse("plan_item_edit", args=[enrolment.pk, item.pk]),
                reverse("plan_notes", args=[enrolment.pk, 1]),
                reverse("plan_document_upload", args=[enrolment.pk, 1])):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse("plan_detail", args=[enrolment.pk]), url
        assert SIGNED in response.content.decode()


def test_a_withdrawn_enrolments_plan_can_no_longer_change(personas, spec, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    enrolment.status = enrolment.Status.WITHDRAWN
    enrolment.save(update_fields=["status"])
    with pytest.raises(PlanError, match="withdrawn"):
        _item(plan, personas.assessor, _units(spec)[0])
    assert AssessmentPlan.objects.get(pk=plan.pk).revision == 1
