import pytest
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Membership, Role
from portfolios.models import Enrolment
from tests.conftest import client_for

from .factories import make_spec

pytestmark = pytest.mark.django_db(transaction=True)


def _membership(user):
    return Membership.objects.get(user=user, role=Role.LEARNER)


def _enrol(client, membership, version, units, **extra):
    data = {"units": [u.pk for u in units], "start_date": "2026-09-01", "planned_end_date": "2027-07-31",
            "assessor": membership.assessor_id, **extra}
    return client.post(reverse("enrolment_create", args=[membership.pk]) + f"?version={version.pk}", data)


def test_the_assessor_enrols_their_learner_choosing_units_and_the_version_freezes(personas, mailoutbox):
    version = make_spec(personas.centre, units=4, mandatory_units=2, minimum_credits=30)
    client = client_for(personas.assessor)
    membership = _membership(personas.learner)
    page = client.get(reverse("enrolment_create", args=[membership.pk]) + f"?version={version.pk}")
    assert page.status_code == 200 and "HOSP-L3-U4" in page.content.decode()
    units = list(version.units.order_by("position"))[:3]
    response = _enrol(client, membership, version, units)
    enrolment = Enrolment.objects.get(learner=personas.learner)
    assert response.status_code == 302 and response.url == reverse("enrolment_detail", args=[enrolment.pk])
    assert set(enrolment.units.all()) == set(units)
    assert enrolment.assessor == personas.assessor
    version.refresh_from_db()
    assert version.is_frozen
    assert AuditEvent.objects.filter(action="enrolment.created", object_id=str(enrolment.pk)).exists()
    assert mailoutbox[-1].to == [personas.learner.email] and "You are enrolled on" in mailoutbox[-1].subject
    detail = client_for(personas.learner).get(reverse("enrolment_detail", args=[enrolment.pk]))
    assert detail.status_code == 200 and "0 of 18 criteria met" in detail.content.decode()


def test_a_missing_mandatory_unit_is_refused_naming_the_unit(personas):
    version = make_spec(personas.centre, units=3, mandatory_units=2)
    units = list(version.units.order_by("position"))
    response = _enrol(client_for(personas.assessor), _membership(personas.learner), version, [units[0], units[2]])
    assert response.status_code == 200
    assert "Unit HOSP-L3-U2 Unit 2 is mandatory." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_too_few_credits_are_refused_naming_the_rule(personas):
    version = make_spec(personas.centre, units=4, mandatory_units=1, minimum_credits=30)
    units = list(version.units.order_by("position"))[:2]
    response = _enrol(client_for(personas.assessor), _membership(personas.learner), version, units)
    assert "At least 30 credits are required; the chosen units give 20." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_the_same_qualification_twice_is_refused(personas):
    version = make_spec(personas.centre)
    client = client_for(personas.assessor)
    _enrol(client, _membership(personas.learner), version, list(version.units.all()))
    response = _enrol(client, _membership(personas.learner), version, list(version.units.all()))
    assert "already enrolled" in response.content.decode()
    assert Enrolment.objects.count() == 1


def test_an_end_date_before_the_start_is_refused(personas):
    version = make_spec(personas.centre)
    response = _enrol(client_for(personas.admin), _membership(personas.learner), version, list(version.units.all()),
                      planned_end_date="2026-08-01")
    assert "must be after the start date" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_a_draft_or_other_centres_qualification_cannot_be_chosen(personas):
    draft = make_spec(personas.centre, code="DRAFT")
    draft.status = draft.Status.DRAFT
    draft.save()
    theirs = make_spec(personas.other_centre, code="THEIRS")
    client = client_for(personas.assessor)
    for version in (draft, theirs):
        response = _enrol(client, _membership(personas.learner), version, list(version.units.all()))
        assert response.status_code == 200
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("who,status", [("second_assessor", 404), ("moderator", 403), ("learner", 403),
                                        ("other_centre_assessor", 404), ("outsider", 403)])
def test_only_the_learners_assessor_or_an_admin_enrols(personas, who, status):
    version = make_spec(personas.centre)
    response = _enrol(client_for(getattr(personas, who)), _membership(personas.learner), version,
                      list(version.units.all()))
    assert response.status_code == status
    assert not Enrolment.objects.exists()
