"""Making groups, adding and removing members, archiving; who sees a group at all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from centres.models import Membership, Role
from centres.services import ServiceError
from community.groups.models import CohortGroup, GroupMember
from community.groups.selectors import group_has_staff, group_staff, groups_of, is_member, visible_groups
from community.groups.services import (
    cohort_memberships,
    group_archive,
    group_create,
    group_member_remove,
    group_members_add,
)
from tests.conftest import client_for
from tests.portfolios.factories import make_enrolment, make_spec

from .helpers import add, start

pytestmark = pytest.mark.django_db


def test_an_assessor_makes_a_group_and_is_its_staff(personas, group):
    assert group_staff(group=group).get() == personas.assessor
    assert group_has_staff(group=group)
    assert {m.user for m in group.members.filter(role=GroupMember.Role.LEARNER)} == {
        personas.learner, personas.second_learner}
    event = AuditEvent.objects.filter(action="group.created").get()
    assert event.data == {"group": group.pk}


def test_learners_and_moderators_cannot_make_groups(personas):
    for user in (personas.learner, personas.moderator, personas.external_moderator):
        with pytest.raises(ServiceError):
            group_create(centre=personas.centre, actor=user, name="Mine")
    response = client_for(personas.learner).get(reverse("group_create"))
    assert response.status_code == 403


def test_the_new_group_form_posted_twice_makes_one_group(personas):
    client = client_for(personas.admin)
    data = {"name": "Catering", "description": "", "creation_token": "same-form"}
    first = client.post(reverse("group_create"), data)
    second = client.post(reverse("group_create"), data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert CohortGroup.objects.filter(name="Catering").count() == 1


def test_staff_join_as_staff_and_learners_as_learners(personas, group):
    add(group, personas.assessor, personas.moderator)
    roles = dict(group.members.values_list("user_id", "role"))
    assert roles[personas.moderator.pk] == "staff" and roles[personas.learner.pk] == "learner"


def test_nobody_of_another_centre_can_be_added(personas, group):
    other = Membership.objects.get(user=personas.other_centre_learner)
    with pytest.raises(ServiceError):
        group_members_add(group=group, actor=personas.assessor, memberships=[other])
    assert not is_member(group=group, user=personas.other_centre_learner)


def test_who_may_manage_a_group(personas, group):
    # a member learner and an assessor with no part in the group may not; a centre admin may
    for user in (personas.learner, personas.second_assessor):
        with pytest.raises(ServiceError):
            add(group, user, personas.moderator)
    add(group, personas.admin, personas.moderator)
    member = group.members.get(user=personas.second_learner)
    with pytest.raises(ServiceError):
        group_member_remove(member=member, actor=personas.learner)
    group_member_remove(member=member, actor=personas.admin)
    assert not is_member(group=group, user=personas.second_learner)
    assert AuditEvent.objects.filter(action="group.member_removed").get().data == {
        "group": group.pk, "user": personas.second_learner.pk, "role": "learner"}


def test_an_assessor_who_is_staff_of_a_group_manages_it(personas, group):
    add(group, personas.assessor, personas.second_assessor)
    add(group, personas.second_assessor, personas.moderator)
    assert is_member(group=group, user=personas.moderator)


def test_members_pages_are_for_managers_only(personas, group):
    url = reverse("group_members", args=[group.pk])
    assert client_for(personas.learner).get(url).status_code == 403
    assert client_for(personas.assessor).get(url).status_code == 200
    response = client_for(personas.admin).post(url, {"memberships": [
        str(Membership.objects.get(user=personas.moderator).pk)]})
    assert response.status_code == 302 and is_member(group=group, user=personas.moderator)


def test_a_cohort_is_added_in_one_go(personas, group):
    version = make_spec(personas.centre, code="BAKE")
    make_enrolment(personas.learner, personas.assessor, version)
    make_enrolment(personas.second_learner, personas.assessor, version,
                   start=timezone.localdate() - datetime.timedelta(days=400))  # a cohort of a year before
    fresh = group_create(centre=personas.centre, actor=personas.admin, name="Bakers")
    start_date = version.enrolments.get(learner=personas.learner).start_date
    cohort = cohort_memberships(group=fresh, qualification_id=version.qualification_id, year=start_date.year,
                                month=start_date.month)
    assert [m.user for m in cohort] == [personas.learner]
    response = client_for(personas.admin).post(reverse("group_members_cohort", args=[fresh.pk]), {
        "qualification": version.qualification_id, "month": start_date.strftime("%Y-%m")})
    assert response.status_code == 302
    assert is_member(group=fresh, user=personas.learner) and not is_member(group=fresh, user=personas.second_learner)


def test_members_see_the_group_others_get_404(personas, group):
    url = reverse("group_detail", args=[group.pk])
    assert client_for(personas.learner).get(url).status_code == 200
    assert client_for(personas.admin).get(url).status_code == 200  # the centre admin sees every group
    for user in (personas.second_assessor, personas.moderator):  # not in the group
        assert client_for(user).get(url).status_code == 404
    other_admin = Membership.objects.filter(centre=personas.other_centre).first()
    other_admin.role = Role.CENTRE_ADMIN
    other_admin.save()
    assert client_for(other_admin.user).get(url).status_code == 404
    assert client_for(personas.other_centre_assessor).get(url).status_code == 404


def test_a_member_who_left_the_centre_sees_the_group_no_more(personas, group):
    assert list(groups_of(user=personas.learner, centre=personas.centre)) == [group]
    Membership.objects.filter(user=personas.learner).update(ended_at=group.created_at)
    assert not is_member(group=group, user=personas.learner)
    assert list(groups_of(user=personas.learner, centre=personas.centre)) == []


def test_the_list_shows_my_groups_and_an_admin_all_of_the_centre(personas, group):
    group_create(centre=personas.centre, actor=personas.second_assessor, name="Floristry")
    learner = client_for(personas.learner).get(reverse("group_list")).content.decode()
    assert "Bakery L2" in learner and "Floristry" not in learner
    admin = client_for(personas.admin).get(reverse("group_list")).content.decode()
    assert "Bakery L2" in admin and "Floristry" in admin
    other = client_for(personas.other_centre_assessor).get(reverse("group_list")).content.decode()
    assert "Bakery L2" not in other
    start(group, personas.learner)
    start(group, personas.learner, title="Another")
    row = visible_groups(user=personas.admin, centre=personas.centre, admin=True).get(pk=group.pk)
    assert (row.member_count, row.thread_count, row.is_member) == (3, 2, False)  # the assessor and two learners


def test_an_archived_group_is_read_only(personas, group):
    thread = start(group, personas.learner)
    group_archive(group=group, actor=personas.assessor)
    with pytest.raises(ServiceError, match="archived"):
        start(group, personas.learner, title="Another")
    with pytest.raises(ServiceError, match="archived"):
        add(group, personas.assessor, personas.moderator)
    page = client_for(personas.learner).get(reverse("group_thread", args=[group.pk, thread.pk])).content.decode()
    assert "archived" in page and "Post the reply" not in page
    assert groups_of(user=personas.learner, centre=personas.centre).count() == 0
    assert groups_of(user=personas.learner, centre=personas.centre, include_archived=True).count() == 1
    group_archive(group=group, actor=personas.assessor, archived=False)
    start(group, personas.learner, title="Another")


def test_the_navigation_has_a_place_for_groups_but_not_for_external_moderators(personas):
    link = f'href="{reverse("group_list")}"'
    for user in (personas.learner, personas.assessor, personas.moderator, personas.admin):
        assert link in client_for(user).get(reverse("home")).content.decode()
    assert link not in client_for(personas.external_moderator).get(reverse("home")).content.decode()
