import pytest
import time_machine
from django.utils import timezone

from centres.models import AgeBand, Membership
from centres.services import ServiceError
from community.sharing.age import is_under_18
from community.sharing.limits import check_rate
from community.sharing.models import SharingSettings


def test_under_18_from_the_age_band(personas):
    assert not is_under_18(user=personas.learner, centre=personas.centre)
    Membership.objects.filter(user=personas.learner).update(age_band=AgeBand.UNDER_19)
    assert is_under_18(user=personas.learner, centre=personas.centre)
    assert not is_under_18(user=personas.learner, centre=personas.other_centre)


def test_centre_setting_treats_every_learner_as_under_18_but_not_staff(personas):
    SharingSettings.objects.create(centre=personas.centre, treat_learners_as_under_18=True)
    assert is_under_18(user=personas.second_learner, centre=personas.centre)
    assert not is_under_18(user=personas.assessor, centre=personas.centre)
    assert not is_under_18(user=personas.other_centre_learner, centre=personas.other_centre)


def test_date_of_birth_when_there_is_one(personas):
    import datetime

    personas.learner.date_of_birth = timezone.localdate() - datetime.timedelta(days=17 * 365)
    assert is_under_18(user=personas.learner, centre=personas.centre)
    personas.learner.date_of_birth = datetime.date(1990, 1, 1)
    assert not is_under_18(user=personas.learner, centre=personas.centre)


def test_ten_a_minute_then_a_clear_message_then_allowed_again(personas):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as traveller:
        for _ in range(10):
            check_rate(user=personas.learner, action="comment")
        with pytest.raises(ServiceError, match="wait a minute"):
            check_rate(user=personas.learner, action="comment")
        check_rate(user=personas.second_learner, action="comment")  # per user
        check_rate(user=personas.learner, action="post")  # per action
        traveller.shift(61)
        check_rate(user=personas.learner, action="comment")


def test_a_hundred_a_day(personas):
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as traveller:
        for n in range(100):
            if n and n % 10 == 0:
                traveller.shift(61)
            check_rate(user=personas.learner, action="message")
        traveller.shift(61)
        with pytest.raises(ServiceError, match="today's limit"):
            check_rate(user=personas.learner, action="message")
