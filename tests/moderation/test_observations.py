"""Observations of assessor practice: scheduled, recorded with the checklist, cancelled; who sees them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Role
from centres.services import ServiceError
from moderation.models import Observation
from moderation.practice.selectors import observations_done_by_assessor, observations_due
from moderation.practice.services import observation_cancel, observation_record, observation_schedule
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import UserFactory, staff

TODAY = datetime.date(2026, 3, 10)
ALL_OK = {item: (True, "") for item in Observation.CHECKLIST}


def schedule(personas, *, day=TODAY, assessor=None, place="Training kitchen", **extra) -> Observation:
    return observation_schedule(centre=personas.centre, assessor=assessor or personas.assessor,
                                actor=personas.moderator, scheduled_for=day, place=place, **extra)


def record(observation, actor, **extra):
    values = {"checklist": ALL_OK, "outcome": Observation.Outcome.MEETS, "development_points": ""}
    return observation_record(observation=observation, actor=actor, **{**values, **extra})


# --- Services ----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_moderator_schedules_an_observation_and_the_assessor_is_told(personas):
    observation = schedule(personas, learner=personas.learner, method="observation")
    assert observation.status == Observation.Status.SCHEDULED and observation.moderator == personas.moderator
    assert AuditEvent.objects.filter(action="observation.scheduled", object_id=str(observation.pk)).exists()
    assert Notification.objects.filter(user=personas.assessor, kind="observation_scheduled").exists()


@pytest.mark.django_db
def test_only_a_moderator_of_the_centre_schedules(personas):
    for actor in (personas.assessor, personas.admin, personas.other_centre_assessor):
        with pytest.raises(ServiceError):
            observation_schedule(centre=personas.centre, assessor=personas.second_assessor, actor=actor,
                                 scheduled_for=TODAY, place="")
    assert not Observation.objects.exists()


@pytest.mark.django_db
def test_only_an_assessor_of_the_centre_can_be_observed(personas):
    with pytest.raises(ServiceError, match="not an assessor"):
        schedule(personas, assessor=personas.other_centre_assessor)


@pytest.mark.django_db
def test_a_learner_of_another_centre_is_refused(personas):
    with pytest.raises(ServiceError, match="not a learner"):
        schedule(personas, learner=personas.other_centre_learner)


@pytest.mark.django_db
def test_a_moderator_cannot_observe_themselves(personas):
    staff_both = personas.moderator
    from tests.factories import MembershipFactory

    MembershipFactory(user=staff_both, centre=personas.centre, role=Role.ASSESSOR)
    with pytest.raises(ServiceError, match="own practice"):
        schedule(personas, assessor=staff_both)


@pytest.mark.django_db
def test_recording_stores_the_checklist_outcome_and_tells_the_assessor(personas):
    observation = schedule(personas)
    checklist = {**ALL_OK, "feedback": (False, "Feedback was not developmental")}
    record(observation, personas.moderator, checklist=checklist, outcome=Observation.Outcome.DEVELOPMENT,
           development_points="Give feedback the learner can act on.")
    observation.refresh_from_db()
    assert observation.status == Observation.Status.RECORDED and observation.recorded_at
    assert observation.checklist["feedback"] == {"ok": False, "note": "Feedback was not developmental"}
    assert observation.checklist["planning"] == {"ok": True, "note": ""}
    assert AuditEvent.objects.filter(action="observation.recorded").get().data["outcome"] == "development"
    assert Notification.objects.filter(user=personas.assessor, kind="observation_recorded").exists()


@pytest.mark.django_db
def test_any_moderator_of_the_centre_may_record(personas):
    other_moderator = staff(personas.centre, Role.MODERATOR)
    record(schedule(personas), other_moderator)


@pytest.mark.django_db
def test_an_assessor_cannot_record_their_own_observation(personas):
    observation = schedule(personas)
    with pytest.raises(ServiceError):
        record(observation, personas.assessor)
    observation.refresh_from_db()
    assert observation.status == Observation.Status.SCHEDULED


@pytest.mark.django_db
def test_a_recorded_observation_cannot_be_recorded_again(personas):
    observation = record(schedule(personas), personas.moderator)
    with pytest.raises(ServiceError, match="Only a scheduled"):
        record(observation, personas.moderator, outcome=Observation.Outcome.BELOW, development_points="x")
    observation.refresh_from_db()
    assert observation.outcome == Observation.Outcome.MEETS


@pytest.mark.django_db
def test_a_cancelled_observation_cannot_be_recorded(personas):
    observation = observation_cancel(observation=schedule(personas), actor=personas.moderator, reason="ill")
    with pytest.raises(ServiceError):
        record(observation, personas.moderator)
    assert AuditEvent.objects.filter(action="observation.cancelled").get().data["reason"] == "ill"


@pytest.mark.django_db
def test_every_checklist_item_must_be_answered(personas):
    observation = schedule(personas)
    partial = {k: v for k, v in ALL_OK.items() if k != "record_keeping"}
    with pytest.raises(ServiceError, match="every item"):
        record(observation, personas.moderator, checklist=partial)


@pytest.mark.django_db
def test_an_outcome_short_of_meets_needs_development_points(personas):
    observation = schedule(personas)
    with pytest.raises(ServiceError, match="development points"):
        record(observation, personas.moderator, outcome=Observation.Outcome.BELOW, development_points="  ")


# --- Selectors ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_scheduled_observations_in_the_past_are_due(personas):
    overdue = schedule(personas, day=TODAY - datetime.timedelta(days=3))
    schedule(personas, day=TODAY)  # today: not yet overdue
    record(schedule(personas, day=TODAY - datetime.timedelta(days=9)), personas.moderator)
    assert list(observations_due(centre=personas.centre, today=TODAY)) == [overdue]
    assert not observations_due(centre=personas.other_centre, today=TODAY).exists()


@pytest.mark.django_db
def test_recorded_observations_count_per_assessor_within_the_cycle(personas):
    start, end = datetime.date(2025, 8, 1), datetime.date(2026, 7, 31)
    for day in (start, end, TODAY):
        record(schedule(personas, day=day), personas.moderator)
    record(schedule(personas, day=start - datetime.timedelta(days=1)), personas.moderator)  # last cycle
    record(schedule(personas, assessor=personas.second_assessor), personas.moderator)
    schedule(personas)  # not recorded
    observation_cancel(observation=schedule(personas), actor=personas.moderator, reason="")
    counts = observations_done_by_assessor(centre=personas.centre, cycle_start=start, cycle_end=end)
    assert counts == {personas.assessor.pk: 3, personas.second_assessor.pk: 1}


# --- Pages -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_moderator_schedules_through_the_form(personas):
    response = client_for(personas.moderator).post(reverse("iqa_observation_schedule"), {
        "assessor": personas.assessor.pk, "scheduled_for": "2026-04-02", "place": "Salon", "method": "observation"})
    assert response.status_code == 302
    assert Observation.objects.get().place == "Salon"


@pytest.mark.django_db
def test_the_moderator_records_through_the_form(personas):
    observation = schedule(personas)
    data = {f"{item}_ok": "yes" for item in Observation.CHECKLIST}
    data.update(planning_ok="no", planning_note="No plan agreed", outcome="development", development_points="Plan")
    response = client_for(personas.moderator).post(reverse("iqa_observation_record", args=[observation.pk]), data)
    assert response.status_code == 302
    observation.refresh_from_db()
    assert observation.checklist["planning"] == {"ok": False, "note": "No plan agreed"}
    page = client_for(personas.assessor).get(reverse("iqa_observation_detail", args=[observation.pk]))
    assert "No plan agreed" in page.content.decode()


@pytest.mark.django_db
def test_the_list_shows_overdue_upcoming_and_recorded(personas):
    today = timezone.localdate()
    schedule(personas, day=today - datetime.timedelta(days=5), place="Late kitchen")
    schedule(personas, day=today + datetime.timedelta(days=5), place="Future salon")
    page = client_for(personas.moderator).get(reverse("iqa_observation_list"))
    overdue, upcoming = page.context["lists"].overdue, page.context["lists"].upcoming
    assert [o.place for o in overdue] == ["Late kitchen"] and [o.place for o in upcoming] == ["Future salon"]


@pytest.mark.django_db
def test_an_assessor_sees_only_their_own_observations(personas):
    mine = schedule(personas)
    theirs = schedule(personas, assessor=personas.second_assessor)
    client = client_for(personas.assessor)
    page = client.get(reverse("iqa_observation_list"))
    assert page.context["lists"].upcoming + page.context["lists"].overdue == [mine]
    assert client.get(reverse("iqa_observation_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("iqa_observation_detail", args=[theirs.pk])).status_code == 404


@pytest.mark.django_db
def test_an_assessor_cannot_open_the_record_form(personas):
    observation = schedule(personas)
    assert client_for(personas.assessor).get(
        reverse("iqa_observation_record", args=[observation.pk])).status_code == 403


@pytest.mark.django_db
def test_other_centres_and_learners_get_nothing(personas):
    observation = schedule(personas)
    other_moderator = staff(personas.other_centre, Role.MODERATOR)
    for user, status in ((other_moderator, 404), (personas.learner, 403), (UserFactory(), 403)):
        client = client_for(user)
        assert client.get(reverse("iqa_observation_detail", args=[observation.pk])).status_code == status
        assert client.post(reverse("iqa_observation_cancel", args=[observation.pk])).status_code == status
    assert other_moderator not in [o.moderator for o in Observation.objects.all()]
    page = client_for(other_moderator).get(reverse("iqa_observation_list"))
    assert page.status_code == 200 and not page.context["lists"].upcoming + page.context["lists"].overdue
    observation.refresh_from_db()
    assert observation.status == Observation.Status.SCHEDULED


@pytest.mark.django_db
def test_the_observation_list_takes_the_same_queries_however_many_rows(personas, django_assert_num_queries):
    client = client_for(personas.moderator)
    client.get(reverse("iqa_observation_list"))  # warm the session and the centre context
    for day in range(3):
        schedule(personas, day=TODAY + datetime.timedelta(days=day), learner=personas.learner)
    client.get(reverse("iqa_observation_list"))  # warm again: the new observations forgot the moderator's counts
    with django_assert_num_queries(1) as few:  # warm: the person, memberships and navigation counts are cached
        client.get(reverse("iqa_observation_list"))
    counted = len(few.captured_queries)  # now: the next request empties the connection's query log
    for day in range(12):
        record(schedule(personas, day=TODAY - datetime.timedelta(days=day), assessor=personas.second_assessor),
               personas.moderator)
    client.get(reverse("iqa_observation_list"))  # warm after the writes, like the first measurement
    with django_assert_num_queries(counted):
        client.get(reverse("iqa_observation_list"))


@pytest.mark.django_db
def test_only_a_moderator_cancels(personas):
    observation = schedule(personas)
    for actor in (personas.assessor, personas.admin):
        with pytest.raises(ServiceError):
            observation_cancel(observation=observation, actor=actor, reason="")
    observation.refresh_from_db()
    assert observation.status == Observation.Status.SCHEDULED
