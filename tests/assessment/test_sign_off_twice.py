"""Signing a unit off twice (a double click): one sign-off, the second click changes nothing and says so; on
PostgreSQL the sign-off takes its locks in one fixed order, so it waits for other acts instead of deadlocking."""

import threading
import time

import pytest
from django.contrib.messages import INFO, SUCCESS, get_messages
from django.db import connection, connections, transaction

from assessment.models import UnitSignOff
from assessment.services import UnitAlreadySignedOff, review_decide, review_start, unit_sign_off
from audit.models import AuditEvent
from audit.services import audit_record
from portfolios.models import Enrolment, EnrolmentUnit
from qualifications.models import AssessmentCriterion
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

from .test_verify_seals import submit_evidence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def ready_units(personas, count=1) -> list[EnrolmentUnit]:
    """Units of one enrolment whose every criterion is met, ready to be signed off."""
    version = make_spec(personas.centre, code="HOS", units=2, outcomes=1, criteria=2)
    enrolment = make_enrolment(personas.learner, personas.assessor, version)
    ready = []
    for unit in version.units.order_by("position")[:count]:
        criteria = list(AssessmentCriterion.objects.filter(unit=unit).order_by("position"))
        evidence = submit_evidence(enrolment, personas.learner, criteria)
        review = review_start(submission=evidence.submissions.get(), actor=personas.assessor)
        review_decide(review=review, actor=personas.assessor, decisions={c.pk: True for c in criteria},
                      outcome="accepted", feedback="Well planned.")
        ready.append(EnrolmentUnit.objects.get(enrolment=enrolment, unit=unit))
    return ready


def _sign_off_url(enrolment_unit) -> str:
    return f"/assessment/enrolments/{enrolment_unit.enrolment_id}/units/{enrolment_unit.unit_id}/sign-off/"


def test_a_second_sign_off_changes_nothing_and_the_view_says_so(personas):
    (enrolment_unit,) = ready_units(personas)
    client = client_for(personas.assessor)
    client.post(_sign_off_url(enrolment_unit), {"declared": "on"}, follow=True)  # and read its message
    with pytest.raises(UnitAlreadySignedOff):
        unit_sign_off(enrolment_unit=enrolment_unit, actor=personas.assessor, declared=True)
    response = client.post(_sign_off_url(enrolment_unit), {"declared": "on"})
    assert response.status_code == 302
    assert [(m.level, m.message) for m in get_messages(response.wsgi_request)] == [
        (INFO, "This unit is already signed off.")]
    assert UnitSignOff.objects.count() == 1
    assert AuditEvent.objects.filter(action="unit.signed_off").count() == 1


def test_a_double_click_on_postgres_signs_off_once_and_answers_both_clicks(postgres, personas):
    (enrolment_unit,) = ready_units(personas)
    start, answers = threading.Barrier(2), []

    def click():
        try:
            client = client_for(personas.assessor)
            start.wait()
            response = client.post(_sign_off_url(enrolment_unit), {"declared": "on"})
            answers.append((response.status_code, [m.level for m in get_messages(response.wsgi_request)]))
        except Exception as error:  # a deadlock or any 500 shows up here
            answers.append((500, [repr(error)]))
        finally:
            connection.close()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join(timeout=60)
    assert sorted(answers) == [(302, [INFO]), (302, [SUCCESS])]
    assert UnitSignOff.objects.filter(enrolment_unit=enrolment_unit).count() == 1
    assert AuditEvent.objects.filter(action="unit.signed_off").count() == 1


def _waiting_for_a_lock(timeout: float = 10) -> bool:
    with connections["default"].cursor() as cursor:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_a_sign_off_waits_for_an_act_holding_the_enrolment_instead_of_deadlocking(postgres, personas):
    # The order every act keeps: the enrolment first, the centre's audit chain last (as badge awards do).
    first, second = ready_units(personas, count=2)
    unit_sign_off(enrolment_unit=first, actor=personas.assessor, declared=True)
    holding, outcome = threading.Event(), {}

    def sign_off_the_second_unit():
        try:
            assert holding.wait(10)
            unit_sign_off(enrolment_unit=EnrolmentUnit.objects.select_related("enrolment").get(pk=second.pk),
                          actor=personas.assessor, declared=True)
            outcome["sign_off"] = "done"
        except Exception as error:
            outcome["sign_off"] = repr(error)
        finally:
            connection.close()

    thread = threading.Thread(target=sign_off_the_second_unit)
    thread.start()
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.select_for_update().get(pk=first.enrolment_id)
            holding.set()
            assert _waiting_for_a_lock(), "the sign-off never had to wait"
            audit_record(action="badge.awarded", centre=personas.centre, target=enrolment, subject=enrolment)
        outcome["other act"] = "done"
    except Exception as error:
        outcome["other act"] = repr(error)
    thread.join(timeout=60)
    assert outcome == {"sign_off": "done", "other act": "done"}
    assert UnitSignOff.objects.count() == 2
