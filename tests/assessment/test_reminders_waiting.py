"""Evidence waiting too long is chased once a day: the assessor after the centre's limit, the admins after twice it."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from assessment.reminders import remind_waiting_evidence
from centres.models import Role
from notifications.models import Notification, ReminderSent
from portfolios.models import Evidence
from tests.factories import learner, staff
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.make_aware(datetime.datetime(2026, 11, 23, 7, 0))


def _waiting(enrolment, days: float, title: str) -> Evidence:
    return Evidence.objects.create(enrolment=enrolment, title=title, method="product",
                                   status=Evidence.Status.SUBMITTED,
                                   submitted_at=NOW - datetime.timedelta(days=days))


@pytest.fixture
def enrolment(personas):
    return make_enrolment(personas.learner, personas.assessor, make_spec(personas.centre))


def _sent_to(user, kind: str) -> list:
    ids = {str(pk) for pk in Notification.objects.filter(user=user, kind=kind).values_list("pk", flat=True)}
    return [m for m in mail.outbox if m.extra_headers["X-LEAP-Notification"] in ids]


def test_the_assessor_gets_one_reminder_a_day_listing_all_their_overdue_evidence(personas, enrolment):
    _waiting(enrolment, 8, "Chef's knife skills")
    _waiting(enrolment, 7.5, "Plating")
    _waiting(enrolment, 6.9, "Fresh upload")
    assert remind_waiting_evidence(now=NOW) == 1
    [message] = _sent_to(personas.assessor, "reminder_waiting")
    assert message.subject == "2 items of evidence are waiting for your review"
    assert "Chef's knife skills" in message.body and "Chef&#x27;s" in message.alternatives[0][0]
    assert "Plating" in message.body and "Fresh upload" not in message.body
    assert "waiting 8 days" in message.body
    assert personas.assessor.notifications.get(kind="reminder_waiting").data["count"] == 2


def test_running_the_reminders_again_the_same_day_sends_nothing_and_the_next_day_sends_again(personas, enrolment):
    _waiting(enrolment, 8, "Knife skills")
    assert remind_waiting_evidence(now=NOW) == 1
    assert remind_waiting_evidence(now=NOW + datetime.timedelta(hours=3)) == 0
    assert len(_sent_to(personas.assessor, "reminder_waiting")) == 1
    assert remind_waiting_evidence(now=NOW + datetime.timedelta(days=1)) == 1
    assert len(_sent_to(personas.assessor, "reminder_waiting")) == 2
    assert list(ReminderSent.objects.filter(kind="reminder_waiting").values_list("period_key", flat=True)
                .order_by("period_key")) == ["2026-11-23", "2026-11-24"]


def test_each_centre_s_own_limit_is_honoured(personas, enrolment):
    personas.centre.review_reminder_days = 3
    personas.centre.save()
    personas.other_centre.review_reminder_days = 10
    personas.other_centre.save()
    other = make_enrolment(personas.other_centre_learner, personas.other_centre_assessor,
                           make_spec(personas.other_centre, code="OTHER"))
    _waiting(enrolment, 5, "Ours")
    _waiting(other, 5, "Theirs")
    assert remind_waiting_evidence(now=NOW) == 1
    assert len(_sent_to(personas.assessor, "reminder_waiting")) == 1
    assert not Notification.objects.filter(user=personas.other_centre_assessor).exists()


def test_evidence_no_longer_waiting_is_not_chased(personas, enrolment):
    Evidence.objects.filter(pk=_waiting(enrolment, 30, "Accepted").pk).update(status=Evidence.Status.ACCEPTED)
    assert remind_waiting_evidence(now=NOW) == 0 and mail.outbox == []


def test_past_twice_the_limit_the_centre_admins_are_told_once_a_day_by_assessor(personas, enrolment):
    other_admin = staff(personas.other_centre, Role.CENTRE_ADMIN)
    second = make_enrolment(learner(personas.centre, personas.second_assessor), personas.second_assessor,
                            enrolment.version)
    _waiting(enrolment, 10, "Only late")
    assert remind_waiting_evidence(now=NOW) == 1  # the assessor, not yet the admins
    assert not Notification.objects.filter(kind="reminder_waiting_escalated").exists()

    _waiting(enrolment, 15, "Very late")
    _waiting(second, 20, "Very late too")
    later = NOW + datetime.timedelta(days=1)
    assert remind_waiting_evidence(now=later) == 3  # two assessors and one admin
    [message] = _sent_to(personas.admin, "reminder_waiting_escalated")
    assert message.subject == "2 items of evidence have waited far too long for a decision"
    assert str(personas.assessor) in message.body and str(personas.second_assessor) in message.body
    assert "Very late" in message.body and "Only late" not in message.body
    assert not Notification.objects.filter(user=other_admin).exists()
    assert remind_waiting_evidence(now=later + datetime.timedelta(hours=2)) == 0
    assert remind_waiting_evidence(now=later + datetime.timedelta(days=1)) == 3


def test_an_assessor_with_non_essential_emails_off_sees_the_reminder_in_the_app_only(personas, enrolment):
    personas.assessor.email_non_essential = False
    personas.assessor.save()
    _waiting(enrolment, 8, "Knife skills")
    assert remind_waiting_evidence(now=NOW) == 1
    assert personas.assessor.notifications.filter(kind="reminder_waiting", send_email=False).exists()
    assert mail.outbox == []
