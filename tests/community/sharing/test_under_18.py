"""Learners under 18 share only with groups that have staff in them, and never publicly."""

import pytest
from django.urls import reverse

from badges.awards.badge_classes import BadgeError
from badges.awards.services import award_set_sharing, public_name_choose, showcase_set_enabled
from badges.models import Showcase
from centres.models import AgeBand, Membership
from community.groups.models import GroupMember
from community.groups.services import group_create
from community.sharing.models import SharedItem, SharingSettings
from community.sharing.services import SharingError, item_share
from tests.badges.test_ob3 import hand_award
from tests.community.groups.helpers import add
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def minor(personas):
    Membership.objects.filter(user=personas.learner, centre=personas.centre).update(age_band=AgeBand.UNDER_19)
    return personas.learner


@pytest.fixture
def staffless(personas):
    """A group with learners only: the admin made it and then left it."""
    made = group_create(centre=personas.centre, actor=personas.admin, name="Study buddies")
    add(made, personas.admin, personas.learner, personas.second_learner)
    GroupMember.objects.filter(group=made).exclude(role=GroupMember.Role.LEARNER).delete()
    return made


def test_an_under_18_learner_cannot_share_with_a_group_without_staff(personas, minor, staffless, evidence):
    with pytest.raises(SharingError, match="staff"):
        item_share(actor=minor, group=staffless, evidence=evidence)
    response = client_for(minor).post(reverse("share_evidence", args=[evidence.pk]),
                                      {"group": staffless.pk, "comments_need_approval": "on"}, follow=True)
    assert b"only with groups that have a member of staff" in response.content
    assert not SharedItem.objects.exists()


def test_an_under_18_learner_shares_with_a_group_with_staff(minor, group, evidence):
    assert item_share(actor=minor, group=group, evidence=evidence).pk


def test_an_adult_shares_with_a_group_without_staff(personas, staffless, evidence):
    assert item_share(actor=personas.learner, group=staffless, evidence=evidence).pk


def test_the_centre_setting_applies_the_rule_to_everyone(personas, staffless, evidence):
    client_for(personas.admin).post(reverse("sharing_settings"), {"treat_learners_as_under_18": "on"})
    assert SharingSettings.objects.get(centre=personas.centre).treat_learners_as_under_18
    with pytest.raises(SharingError):
        item_share(actor=personas.learner, group=staffless, evidence=evidence)


def test_public_sharing_is_refused_to_an_under_18_learner(personas, minor):
    with pytest.raises(BadgeError, match="under 18"):
        showcase_set_enabled(actor=minor, enabled=True)
    response = client_for(minor).post(reverse("showcase_settings"), {"enabled": "on"}, follow=True)
    assert b"cannot share publicly" in response.content
    assert not Showcase.objects.filter(user=minor, enabled=True).exists()
    with pytest.raises(BadgeError):
        public_name_choose(actor=minor, show_name=True)
    public_name_choose(actor=minor, show_name=False)  # hiding is always allowed
    award = hand_award(personas)
    with pytest.raises(BadgeError):
        award_set_sharing(award=award, actor=minor, show_name_publicly=True, in_showcase=True)
    award_set_sharing(award=award, actor=minor, show_name_publicly=False, in_showcase=True)  # for a group
    assert client_for(minor).get(reverse("award_share", args=[award.uuid, "linkedin"])).status_code == 302
    showcase_set_enabled(actor=minor, enabled=False)  # switching it off is allowed


def test_a_showcase_switched_on_before_is_no_longer_public(personas):
    showcase = showcase_set_enabled(actor=personas.learner, enabled=True)
    url = reverse("showcase_public", args=[showcase.slug])
    assert client_for(personas.outsider).get(url).status_code == 200
    Membership.objects.filter(user=personas.learner).update(age_band=AgeBand.UNDER_19)
    assert client_for(personas.outsider).get(url).status_code == 404


def test_an_adult_still_shares_publicly(personas):
    assert showcase_set_enabled(actor=personas.learner, enabled=True).enabled
