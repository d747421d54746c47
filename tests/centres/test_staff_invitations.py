import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from centres.models import Invitation, Membership, Role
from tests.conftest import client_for
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _invite(personas, email="new.assessor@example.org", role=Role.ASSESSOR):
    return client_for(personas.admin).post(reverse("staff_list"), {"email": email, "role": role})


def _link(mailoutbox) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/invitation/\S+/)", mailoutbox[-1].body).group(1)


def test_a_new_person_accepts_an_invitation_by_creating_their_account(personas, client, mailoutbox):
    assert _invite(personas).status_code == 302
    assert mailoutbox[-1].to == ["new.assessor@example.org"]
    link = _link(mailoutbox)
    page = client.get(link)
    assert page.status_code == 200 and "Create your account" in page.content.decode()
    response = client.post(link, {"first_name": "Ola", "last_name": "Nowak",
                                  "password1": "a-long-safe-password-1", "password2": "a-long-safe-password-1"})
    assert response.status_code == 302
    user = User.objects.get(email="new.assessor@example.org")
    assert Membership.objects.current().filter(user=user, centre=personas.centre, role=Role.ASSESSOR).exists()
    # Staff must now set up their second factor before anything else.
    assert client.get("/").url == reverse("mfa_activate_totp")
    assert AuditEvent.objects.filter(action="invitation.accepted").exists()
    # Single use.
    from django.test import Client

    assert Client().get(link).status_code == 410


def test_an_existing_account_is_linked_after_signing_in(personas, mailoutbox):
    _invite(personas, email=personas.other_centre_assessor.email, role=Role.MODERATOR)
    link = _link(mailoutbox)
    client = client_for(personas.other_centre_assessor)
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=personas.other_centre_assessor, centre=personas.centre,
                                     role=Role.MODERATOR).exists()
    assert User.objects.filter(email=personas.other_centre_assessor.email).count() == 1


def test_an_invitation_cannot_be_accepted_by_someone_else(personas, mailoutbox):
    _invite(personas)
    response = client_for(personas.learner).post(_link(mailoutbox))
    assert response.status_code == 200
    assert not Membership.objects.filter(user=personas.learner, role=Role.ASSESSOR).exists()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_an_existing_account_must_sign_in_rather_than_create_another(personas, client, mailoutbox):
    _invite(personas, email=personas.learner.email)
    link = _link(mailoutbox)
    page = client.get(link).content.decode()
    assert "Sign in with this email address" in page
    client.post(link, {"first_name": "X", "last_name": "Y", "password1": PASSWORD, "password2": PASSWORD})
    assert User.objects.filter(email=personas.learner.email).count() == 1
    assert not Membership.objects.filter(user=personas.learner, role=Role.ASSESSOR).exists()


def test_expired_and_revoked_invitations_do_not_work(personas, client, mailoutbox):
    _invite(personas)
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert client.get(_link(mailoutbox)).status_code == 410

    _invite(personas, email="second@example.org")
    second = Invitation.objects.get(email="second@example.org")
    client_for(personas.admin).post(reverse("invitation_revoke", args=[second.pk]))
    assert client.get(_link(mailoutbox)).status_code == 410
    assert not User.objects.filter(email="second@example.org").exists()


def test_inviting_someone_to_a_role_they_hold_is_refused(personas):
    response = _invite(personas, email=personas.assessor.email)
    assert "already has this role" in response.content.decode()
    assert not Invitation.objects.exists()


def test_admin_ends_a_staff_role_and_it_is_audited(personas):
    membership = Membership.objects.get(user=personas.moderator, centre=personas.centre)
    client_for(personas.admin).post(reverse("staff_membership_end", args=[membership.pk]))
    membership.refresh_from_db()
    assert membership.ended_at is not None
    assert AuditEvent.objects.filter(action="membership.ended", object_id=str(membership.pk)).exists()
    assert client_for(personas.moderator).get(reverse("learner_list")).status_code == 403


def test_an_assessor_with_learners_cannot_be_removed(personas):
    membership = Membership.objects.get(user=personas.assessor, centre=personas.centre)
    response = client_for(personas.admin).post(reverse("staff_membership_end", args=[membership.pk]), follow=True)
    assert "Assign this assessor" in response.content.decode()
    membership.refresh_from_db()
    assert membership.ended_at is None
