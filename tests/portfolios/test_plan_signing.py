"""Agreeing a plan: the assessor signs first, then the learner, each with their typed name; the time is recorded;
the other party is told."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from notifications.models import Notification
from portfolios.models import AssessmentPlan, Method
from portfolios.plans.services import PlanError, plan_item_add, plan_sign, plan_start, plan_update_notes
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db

CHANGED = "Someone else changed this plan after you opened it. Reload to see their changes; nothing was saved."
NOT_FINISHED = "Your assessor has not finished this plan yet. You can sign once they have signed."


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))


@pytest.fixture
def plan(personas, enrolment) -> AssessmentPlan:
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    unit = enrolment.units.order_by("position").first()
    plan_item_add(plan=plan, actor=personas.assessor, revision=plan.revision, units=[unit],
                  criteria=list(unit.criteria.all()[:3]), method=Method.OBSERVATION,
                  target_date=timezone.localdate() + datetime.timedelta(days=30))
    return plan


def _sign(plan, who, name=None, revision=None):
    return plan_sign(plan=plan, actor=who, typed_name=name if name is not None else who.get_full_name(),
                     revision=revision or plan.revision)


def test_a_typed_name_that_is_not_the_signers_own_is_refused_next_to_the_field(personas, enrolment, plan):
    _sign(plan, personas.assessor)  # the learner's turn
    response = client_for(personas.learner).post(reverse("plan_sign", args=[enrolment.pk, plan.number]),
                                                 {"revision": plan.revision, "typed_name": "Sam Assessor"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_typed_name_error"' in html and "Type your full name as it is on your profile" in html
    assert 'aria-invalid="true"' in html
    plan.refresh_from_db()
    assert plan.status == "awaiting" and not plan.learner_signed_at and not plan.learner_signed_name
    assert [e.data["party"] for e in AuditEvent.objects.filter(action="plan.signed")] == ["assessor"]


def test_the_typed_name_is_matched_ignoring_case_and_spaces(personas, plan):
    plan = _sign(plan, personas.assessor)  # the learner's turn
    first, last = personas.learner.first_name, personas.learner.last_name
    signed = _sign(plan, personas.learner, name=f"  {first.upper()}\t  {last.lower()} ")
    assert signed.learner_signed_name == f"{first.upper()} {last.lower()}"
    assert signed.status == "agreed"


def test_a_part_of_the_name_is_not_a_signature(personas, plan):
    with pytest.raises(PlanError, match="Type your full name"):
        _sign(plan, personas.learner, name=personas.learner.first_name)


def test_signing_records_name_and_time_and_the_first_signature_awaits_the_other(personas, enrolment, plan):
    before = timezone.now()
    signed = _sign(plan, personas.assessor)
    assert signed.status == "awaiting"
    assert signed.assessor_signed_name == "Sam Assessor" and before <= signed.assessor_signed_at <= timezone.now()
    assert not signed.is_editable
    enrolment.refresh_from_db()
    assert enrolment.last_activity_at >= signed.assessor_signed_at
    event = AuditEvent.objects.get(action="plan.signed")
    assert event.actor == personas.assessor and event.data["party"] == "assessor"
    assert event.data["name"] == "Sam Assessor"


def test_the_other_party_is_notified_of_each_signature(personas, plan):
    _sign(plan, personas.assessor)
    to_learner = Notification.objects.get(user=personas.learner)
    assert to_learner.kind == "plan_awaiting"
    assert to_learner.subject == "Your assessment plan awaits your signature"
    assert to_learner.url == reverse("plan_detail", args=[plan.enrolment_id])
    assert not Notification.objects.filter(user=personas.assessor).exists()

    agreed = _sign(AssessmentPlan.objects.get(pk=plan.pk), personas.learner)
    assert agreed.status == "agreed"
    to_assessor = Notification.objects.get(user=personas.assessor)
    assert to_assessor.kind == "plan_agreed"
    assert to_assessor.subject == f"The assessment plan of {personas.learner.get_full_name()} is agreed"
    assert to_assessor.url == reverse("plan_detail", args=[plan.enrolment_id])
    assert Notification.objects.filter(user=personas.learner).count() == 1  # told once, when it awaited them
    assert AuditEvent.objects.filter(action="plan.agreed").count() == 1


def test_signing_twice_is_refused(personas, plan):
    signed = _sign(plan, personas.assessor)
    with pytest.raises(PlanError, match="You have already signed version 1"):
        _sign(signed, personas.assessor)
    assert AuditEvent.objects.filter(action="plan.signed").count() == 1


def test_a_plan_with_no_items_cannot_be_signed(personas, enrolment):
    plan = plan_start(enrolment=enrolment, actor=personas.assessor)
    with pytest.raises(PlanError, match="no items cannot be signed"):
        _sign(plan, personas.assessor)
    url = reverse("plan_detail", args=[enrolment.pk])
    html = client_for(personas.assessor).get(url).content.decode()  # the assessor signs first
    assert "it can be signed once it has" in html and 'name="typed_name"' not in html
    html = client_for(personas.learner).get(url).content.decode()
    assert NOT_FINISHED in html and 'name="typed_name"' not in html
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.assessor_signed_at is None
    assert not AuditEvent.objects.filter(action="plan.signed").exists()


def test_nobody_signs_a_plan_that_changed_after_they_opened_it(personas, enrolment, plan):
    # The assessor opens the draft to sign it; meanwhile a centre admin changes it.
    client = client_for(personas.assessor)
    opened_at = plan.revision
    page = client.get(reverse("plan_detail", args=[enrolment.pk])).content.decode()
    assert f'name="revision" value="{opened_at}"' in page
    plan_update_notes(plan=plan, actor=personas.admin, revision=opened_at, notes="Also a workplace visit")
    response = client.post(reverse("plan_sign", args=[enrolment.pk, 1]),
                           {"revision": opened_at, "typed_name": "Sam Assessor"}, follow=True)
    html = response.content.decode()
    assert CHANGED in html and "Also a workplace visit" in html  # reloaded: the change is in front of them
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.assessor_signed_at is None

    # Signed, version 1 cannot change; the only change the learner can miss is a new version replacing it.
    plan = _sign(plan, personas.assessor)
    learner = client_for(personas.learner)
    opened_at = plan.revision
    page = learner.get(reverse("plan_detail", args=[enrolment.pk])).content.decode()
    assert f'name="revision" value="{opened_at}"' in page
    v2 = plan_start(enrolment=enrolment, actor=personas.assessor)
    plan_update_notes(plan=v2, actor=personas.assessor, revision=v2.revision, notes="Monthly reviews instead")
    response = learner.post(reverse("plan_sign", args=[enrolment.pk, 1]),
                            {"revision": opened_at, "typed_name": personas.learner.get_full_name()}, follow=True)
    html = response.content.decode()
    assert "Version 1 can no longer be signed: it is superseded." in html
    assert "Monthly reviews instead" in html and NOT_FINISHED in html  # version 2, not yet theirs to sign
    assert AssessmentPlan.objects.filter(enrolment=enrolment, learner_signed_at__isnull=False).count() == 0
    assert [e.data["party"] for e in AuditEvent.objects.filter(action="plan.signed")] == ["assessor"]


def test_the_other_partys_signature_does_not_make_an_open_page_stale(personas, enrolment, plan):
    """Both open the plan together; the assessor signs first; the learner's page still signs."""
    opened_at = plan.revision
    _sign(plan, personas.assessor)
    data = {"revision": opened_at, "typed_name": personas.learner.get_full_name()}
    response = client_for(personas.learner).post(reverse("plan_sign", args=[enrolment.pk, 1]), data)
    assert response.status_code == 302
    assert AssessmentPlan.objects.get(pk=plan.pk).status == "agreed"


@pytest.mark.parametrize("who", ["admin", "moderator", "external_moderator"])
def test_only_the_assessor_and_the_learner_sign(personas, enrolment, plan, who):
    actor = getattr(personas, who)
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA reads the plan, and may not sign it
    with pytest.raises(PermissionDenied):
        _sign(plan, actor)
    response = client_for(actor).post(reverse("plan_sign", args=[enrolment.pk, 1]),
                                      {"revision": plan.revision, "typed_name": actor.get_full_name()})
    assert response.status_code == 403
    assert AssessmentPlan.objects.get(pk=plan.pk).status == "draft"


def test_an_external_moderator_without_a_grant_gets_404_from_signing(personas, enrolment, plan):
    actor = personas.external_moderator
    response = client_for(actor).post(reverse("plan_sign", args=[enrolment.pk, 1]),
                                      {"revision": plan.revision, "typed_name": actor.get_full_name()})
    assert response.status_code == 404
    assert AssessmentPlan.objects.get(pk=plan.pk).status == "draft"


def test_the_sign_form_is_offered_only_to_a_party_who_has_not_signed(personas, enrolment, plan):
    """... and to the learner only once the assessor has signed."""
    url = reverse("plan_detail", args=[enrolment.pk])
    assert 'name="typed_name"' in client_for(personas.assessor).get(url).content.decode()
    html = client_for(personas.learner).get(url).content.decode()
    assert 'name="typed_name"' not in html and NOT_FINISHED in html
    html = client_for(personas.admin).get(url).content.decode()
    assert 'name="typed_name"' not in html and NOT_FINISHED not in html
    plan = _sign(plan, personas.assessor)
    assert 'name="typed_name"' not in client_for(personas.assessor).get(url).content.decode()
    html = client_for(personas.learner).get(url).content.decode()
    assert 'name="typed_name"' in html and "Signed “Sam Assessor” on" in html and NOT_FINISHED not in html
    _sign(plan, personas.learner)
    for who in (personas.assessor, personas.learner):
        html = client_for(who).get(url).content.decode()
        assert 'name="typed_name"' not in html and NOT_FINISHED not in html


def test_a_learner_cannot_sign_before_the_assessor(personas, enrolment, plan):
    """Signing first would freeze a plan the assessor may not have finished writing."""
    learner = client_for(personas.learner)
    sign_url = reverse("plan_sign", args=[enrolment.pk, plan.number])
    data = {"revision": plan.revision, "typed_name": personas.learner.get_full_name()}
    response = learner.post(sign_url, data)
    assert response.status_code == 302 and response.url == reverse("plan_detail", args=[enrolment.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOT_FINISHED]
    html = learner.get(response.url).content.decode()
    assert f'<p class="message error">{NOT_FINISHED}</p>' in html and 'name="typed_name"' not in html
    plan.refresh_from_db()
    assert plan.status == "draft" and plan.is_editable
    assert plan.learner_signed_at is None and plan.learner_signed_name == ""
    assert plan.assessor_signed_at is None and plan.revision == data["revision"]
    assert not AuditEvent.objects.filter(action__in=["plan.signed", "plan.agreed"]).exists()
    assert not Notification.objects.exists()
    with pytest.raises(PlanError, match="Your assessor has not finished this plan yet"):
        _sign(plan, personas.learner)

    # The assessor can still change the plan, then sign it; now the learner's signature agrees it.
    plan_update_notes(plan=plan, actor=personas.assessor, revision=plan.revision, notes="Weekly reviews")
    plan = _sign(AssessmentPlan.objects.get(pk=plan.pk), personas.assessor)
    response = learner.post(sign_url, {**data, "revision": plan.revision})
    assert response.status_code == 302
    assert AssessmentPlan.objects.get(pk=plan.pk).status == "agreed"
