import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from portfolios.models import Enrolment
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))


def _move(client, enrolment, **data):
    return client.post(reverse("enrolment_status", args=[enrolment.pk]), data, follow=True)


def test_a_break_needs_a_future_return_date_and_is_audited(personas, enrolment):
    client = client_for(personas.assessor)
    response = _move(client, enrolment, status="on_break")
    assert "needs a return date" in response.content.decode()
    back = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    _move(client, enrolment, status="on_break", return_date=back)
    enrolment.refresh_from_db()
    assert enrolment.status == "on_break" and enrolment.break_return_date.isoformat() == back
    _move(client, enrolment, status="active")
    enrolment.refresh_from_db()
    assert enrolment.status == "active" and enrolment.break_return_date is None
    assert AuditEvent.objects.filter(action="enrolment.status_changed").count() == 2


def test_a_withdrawal_needs_a_reason_and_is_final(personas, enrolment):
    client = client_for(personas.admin)
    assert "reason" in _move(client, enrolment, status="withdrawn").content.decode()
    _move(client, enrolment, status="withdrawn", reason="Moved away")
    enrolment.refresh_from_db()
    assert enrolment.status == "withdrawn" and enrolment.withdrawal_reason == "Moved away"
    response = _move(client, enrolment, status="active")
    assert "withdrawn and cannot become active" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.WITHDRAWN


@pytest.mark.parametrize("who,status", [("learner", 403), ("moderator", 403), ("second_assessor", 404),
                                        ("other_centre_assessor", 404), ("second_learner", 403)])
def test_others_cannot_change_the_status(personas, enrolment, who, status):
    response = client_for(getattr(personas, who)).post(reverse("enrolment_status", args=[enrolment.pk]),
                                                       {"status": "withdrawn", "reason": "x"})
    assert response.status_code == status
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


@pytest.mark.parametrize("who", ["second_learner", "second_assessor", "other_centre_assessor", "outsider"])
def test_outsiders_cannot_see_the_enrolment(personas, enrolment, who):
    assert client_for(getattr(personas, who)).get(
        reverse("enrolment_detail", args=[enrolment.pk])).status_code in (403, 404)


@pytest.mark.parametrize("who", ["learner", "assessor", "admin", "moderator", "external_moderator"])
def test_the_people_concerned_see_the_enrolment(personas, enrolment, who):
    if who == "external_moderator":
        make_grant(personas)  # an external moderator reads the centre only under a grant
    assert client_for(getattr(personas, who)).get(
        reverse("enrolment_detail", args=[enrolment.pk])).status_code == 200


def test_an_external_moderator_without_a_grant_gets_404_for_the_enrolment(personas, enrolment):
    assert client_for(personas.external_moderator).get(
        reverse("enrolment_detail", args=[enrolment.pk])).status_code == 404
