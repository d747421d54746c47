import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from audit.models import AuditEvent
from centres.services import ServiceError
from insights.flags.services import risk_flag_add, risk_flag_clear
from insights.models import RiskFlag
from portfolios.models import Enrolment
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

from .learner_world import TODAY, days, learner_on, ten_criteria_spec


@pytest.fixture
def enrolment(personas) -> Enrolment:
    return learner_on(personas, ten_criteria_spec(personas), start=TODAY - days(50), end=TODAY + days(50))


def test_a_staff_member_flags_a_learner_with_a_reason_in_the_audit_trail(personas, enrolment):
    flag = risk_flag_add(enrolment=enrolment, reason="  Struggling with travel  ", actor=personas.moderator)
    assert (flag.status, flag.reason, flag.raised_by) == (RiskFlag.Status.RAISED, "Struggling with travel",
                                                          personas.moderator)
    event = AuditEvent.objects.get(action="insights.risk_flag_raised", object_id=str(flag.pk))
    assert event.data == {"learner": enrolment.learner.email, "reason": "Struggling with travel"}


def test_the_learners_own_assessor_and_the_centre_admin_may_flag(personas, enrolment):
    risk_flag_add(enrolment=enrolment, reason="Missed two visits", actor=personas.assessor)
    other = learner_on(personas, enrolment.version, start=TODAY - days(5), end=TODAY + days(50))
    risk_flag_add(enrolment=other, reason="Missed two visits", actor=personas.admin)
    assert RiskFlag.objects.count() == 2


@pytest.mark.parametrize("who", ["second_assessor", "external_moderator", "other_centre_assessor", "learner",
                                 "outsider"])
def test_nobody_else_may_flag_a_learner(personas, enrolment, who):
    with pytest.raises(PermissionDenied):
        risk_flag_add(enrolment=enrolment, reason="Worried", actor=getattr(personas, who))
    assert not RiskFlag.objects.exists()


def test_a_flag_needs_a_reason(personas, enrolment):
    with pytest.raises(ServiceError):
        risk_flag_add(enrolment=enrolment, reason="   ", actor=personas.admin)
    assert not RiskFlag.objects.exists()


def test_a_learner_has_one_raised_flag_at_a_time(personas, enrolment):
    risk_flag_add(enrolment=enrolment, reason="First worry", actor=personas.admin)
    with pytest.raises(ServiceError):
        risk_flag_add(enrolment=enrolment, reason="Second worry", actor=personas.moderator)
    assert RiskFlag.objects.count() == 1


def test_only_a_learner_in_learning_can_be_flagged(personas, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
    with pytest.raises(ServiceError):
        risk_flag_add(enrolment=enrolment, reason="Worried", actor=personas.admin)
    assert not RiskFlag.objects.exists()


def test_clearing_a_flag_is_recorded_and_lets_a_new_one_be_raised(personas, enrolment):
    flag = risk_flag_add(enrolment=enrolment, reason="Worried", actor=personas.admin)
    cleared = risk_flag_clear(flag=flag, note="Back on track after a review", actor=personas.assessor)
    assert (cleared.status, cleared.cleared_by, cleared.clear_note) == (
        RiskFlag.Status.CLEARED, personas.assessor, "Back on track after a review")
    assert AuditEvent.objects.get(action="insights.risk_flag_cleared", object_id=str(flag.pk)).data["note"] == (
        "Back on track after a review")
    with pytest.raises(ServiceError):
        risk_flag_clear(flag=flag, actor=personas.admin)
    risk_flag_add(enrolment=enrolment, reason="Worried again", actor=personas.admin)
    assert RiskFlag.objects.filter(status=RiskFlag.Status.RAISED).count() == 1


def test_only_those_who_may_flag_may_clear(personas, enrolment):
    flag = risk_flag_add(enrolment=enrolment, reason="Worried", actor=personas.admin)
    with pytest.raises(PermissionDenied):
        risk_flag_clear(flag=flag, actor=personas.second_assessor)
    flag.refresh_from_db()
    assert flag.status == RiskFlag.Status.RAISED


# --- The form on the at-risk list --------------------------------------------------------------------------

def _post(user, enrolment, **data):
    return client_for(user).post(reverse("insights_risk_flag", args=[enrolment.pk]), data)


def test_the_assessor_flags_their_learner_from_the_list_and_comes_back_to_it(personas, enrolment):
    back = reverse("insights_drill", args=["at_risk", "all"]) + "?status=active"
    response = _post(personas.assessor, enrolment, reason="Not answering messages", next=back)
    assert response.status_code == 302 and response.url == back
    assert RiskFlag.objects.get().reason == "Not answering messages"


def test_the_form_clears_the_raised_flag(personas, enrolment):
    risk_flag_add(enrolment=enrolment, reason="Worried", actor=personas.admin)
    response = _post(personas.moderator, enrolment, clear="1", note="Spoke to them")
    assert response.status_code == 302 and response.url == reverse("insights_drill", args=["at_risk", "all"])
    assert RiskFlag.objects.get().status == RiskFlag.Status.CLEARED


def test_a_refused_flag_changes_nothing_and_says_why(personas, enrolment):
    response = client_for(personas.admin).post(reverse("insights_risk_flag", args=[enrolment.pk]),
                                               {"reason": ""}, follow=True)
    assert "Say why this learner is at risk." in response.content.decode()
    assert not RiskFlag.objects.exists()


def test_the_form_does_not_go_back_to_another_site(personas, enrolment):
    response = _post(personas.admin, enrolment, reason="Worried", next="https://evil.example/")
    assert response.url == reverse("insights_drill", args=["at_risk", "all"])


def test_an_assessor_cannot_flag_a_learner_outside_their_caseload(personas, enrolment):
    other = learner_on(personas, enrolment.version, start=TODAY - days(5), end=TODAY + days(50),
                       assessor=personas.second_assessor)
    assert _post(personas.assessor, other, reason="Worried").status_code == 404
    assert _post(personas.other_centre_assessor, enrolment, reason="Worried").status_code == 404
    assert not RiskFlag.objects.exists()


def test_an_external_moderator_cannot_flag_even_under_a_grant(personas, enrolment):
    make_grant(personas)
    assert _post(personas.external_moderator, enrolment, reason="Worried").status_code in (403, 404)
    assert not RiskFlag.objects.exists()


def test_the_flag_form_takes_only_post(personas, enrolment):
    assert client_for(personas.admin).get(reverse("insights_risk_flag", args=[enrolment.pk])).status_code == 405
