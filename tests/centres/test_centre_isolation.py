"""Nothing of one centre is visible from another; within a centre each role sees only its own share."""

import pytest
from django.urls import reverse

from centres.models import Invitation, Membership, Role
from centres.services import staff_invite
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _object_urls(personas):
    other = personas.other_centre
    learner = Membership.objects.get(user=personas.other_centre_learner, role=Role.LEARNER)
    staff = Membership.objects.get(user=personas.other_centre_assessor, centre=other)
    invitation = Invitation.objects.create(centre=other, email="x@example.org", role=Role.ASSESSOR,
                                           token_hash="h" * 64, invited_by=personas.other_centre_assessor,
                                           expires_at="2999-01-01T00:00:00Z")
    return [
        ("get", reverse("learner_detail", args=[learner.pk])),
        ("post", reverse("learner_change_assessor", args=[learner.pk])),
        ("post", reverse("staff_membership_end", args=[staff.pk])),
        ("post", reverse("invitation_revoke", args=[invitation.pk])),
    ]


@pytest.mark.parametrize("who", ["admin", "assessor", "moderator", "external_moderator"])
def test_staff_of_centre_a_get_404_for_every_object_of_centre_b(personas, who):
    client = client_for(getattr(personas, who))
    for method, url in _object_urls(personas):
        response = getattr(client, method)(url, {"assessor": personas.assessor.pk})
        assert response.status_code in (403, 404), (who, method, url)
        if who == "admin":
            assert response.status_code == 404, url
    assert Membership.objects.get(user=personas.other_centre_learner).assessor == personas.other_centre_assessor
    assert Membership.objects.get(user=personas.other_centre_assessor).ended_at is None


def test_lists_show_only_the_current_centres_people(personas):
    page = client_for(personas.admin).get(reverse("learner_list")).content.decode()
    assert personas.learner.email in page
    assert personas.other_centre_learner.email not in page
    staff_page = client_for(personas.admin).get(reverse("staff_list")).content.decode()
    assert personas.other_centre_assessor.email not in staff_page


def test_an_assessor_sees_only_their_own_learners(personas):
    mine = Membership.objects.get(user=personas.learner, role=Role.LEARNER)
    theirs = Membership.objects.create(user=personas.outsider, centre=personas.centre, role=Role.LEARNER,
                                       assessor=personas.second_assessor)
    client = client_for(personas.assessor)
    assert client.get(reverse("learner_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("learner_detail", args=[theirs.pk])).status_code == 404
    listing = client.get(reverse("learner_list")).content.decode()
    assert personas.learner.email in listing and personas.outsider.email not in listing


def test_a_learner_cannot_open_staff_pages_or_another_learner(personas):
    client = client_for(personas.learner)
    other = Membership.objects.get(user=personas.second_learner, role=Role.LEARNER)
    assert client.get(reverse("learner_detail", args=[other.pk])).status_code == 403
    for name in ["learner_list", "staff_list", "learner_add", "learner_import", "centre_settings"]:
        assert client.get(reverse(name)).status_code == 403, name


def test_the_moderator_reads_but_cannot_reassign(personas):
    membership = Membership.objects.get(user=personas.learner, role=Role.LEARNER)
    client = client_for(personas.moderator)
    assert client.get(reverse("learner_detail", args=[membership.pk])).status_code == 200
    response = client.post(reverse("learner_change_assessor", args=[membership.pk]),
                           {"assessor": personas.second_assessor.pk})
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.assessor == personas.assessor


def test_a_person_in_two_centres_switches_and_sees_each_separately(personas):
    Membership.objects.create(user=personas.admin, centre=personas.other_centre, role=Role.CENTRE_ADMIN)
    client = client_for(personas.admin)
    assert personas.learner.email in client.get(reverse("learner_list")).content.decode()
    client.post(reverse("centre_switch"), {"centre": personas.other_centre.pk})
    page = client.get(reverse("learner_list")).content.decode()
    assert personas.other_centre_learner.email in page and personas.learner.email not in page


def test_switching_to_a_centre_one_is_not_a_member_of_is_refused(personas):
    client = client_for(personas.assessor)
    client.post(reverse("centre_switch"), {"centre": personas.other_centre.pk})
    assert personas.other_centre.name not in client.get("/").content.decode()


def test_an_invitation_service_call_for_another_centre_is_refused(personas):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        staff_invite(centre=personas.other_centre, email="z@example.org", role=Role.ASSESSOR, actor=personas.admin)
