"""The weekly management information email: centre admins who chose it get the centre's headline figures with
links, once an ISO week; nobody else gets it."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from insights.digest import send_mi_digests
from insights.tasks import mi_digests
from notifications.models import Notification
from portfolios.models import Enrolment
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY = timezone.make_aware(datetime.datetime(2026, 11, 30, 7, 45))


@pytest.fixture
def centre(personas):
    """Two learners in learning (Maya active, the second learner on a break), and the admin opted in."""
    version = make_spec(personas.centre, units=1, outcomes=1, criteria=2)
    make_enrolment(personas.learner, personas.assessor, version)
    make_enrolment(personas.second_learner, personas.assessor, version, status=Enrolment.Status.ON_BREAK)
    personas.admin.email_weekly_mi = True
    personas.admin.save(update_fields=["email_weekly_mi"])


def _to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_an_opted_in_centre_admin_gets_the_headline_figures_with_their_formulas_and_links(personas, centre):
    assert send_mi_digests(now=MONDAY) == 1
    [email] = _to(personas.admin)
    assert email.subject == "North Vocational College: this week's figures"
    assert "- In learning: 2" in email.body  # Maya and the second learner (on a break)
    assert "enrolments active or on a break" in email.body
    assert settings.SITE_URL + reverse("insights_drill", args=["achievement", "in_learning"]) in email.body
    assert settings.SITE_URL + reverse("insights_home") in email.body


def test_the_digest_goes_once_a_week_however_often_the_beat_runs(personas, centre):
    assert send_mi_digests(now=MONDAY) == 1
    assert send_mi_digests(now=MONDAY + datetime.timedelta(hours=3)) == 0
    assert send_mi_digests(now=MONDAY + datetime.timedelta(days=6)) == 0  # Sunday: the same ISO week
    assert send_mi_digests(now=MONDAY + datetime.timedelta(days=7)) == 1
    assert Notification.objects.filter(user=personas.admin, kind="insights_digest").count() == 2


def test_nobody_who_did_not_opt_in_and_no_one_but_a_centre_admin_gets_it(personas, centre):
    personas.admin.email_weekly_mi = False
    personas.admin.save(update_fields=["email_weekly_mi"])
    personas.assessor.email_weekly_mi = True  # chose it, but administers no centre
    personas.assessor.save(update_fields=["email_weekly_mi"])
    assert send_mi_digests(now=MONDAY) == 0
    assert mail.outbox == []


def test_the_beat_task_runs_as_of_a_given_time(personas, centre):
    assert mi_digests(at="2026-11-30T07:45:00") == 1
    assert mi_digests(at="2026-11-30") == 0  # the same week
    assert "insights.tasks.mi_digests" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}


def test_the_opt_in_is_a_preference_on_the_profile(personas):
    client = client_for(personas.admin)
    assert 'name="email_weekly_mi"' in client.get(reverse("profile")).content.decode()
    client.post(reverse("profile"), {"first_name": "Ada", "last_name": "Admin", "language": "en",
                                     "email_non_essential": "on", "email_weekly_mi": "on"})
    personas.admin.refresh_from_db()
    assert personas.admin.email_weekly_mi
