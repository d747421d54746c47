import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from centres.models import Membership, Role
from tests.conftest import client_for
from tests.moderation.external.factories import make_grant

pytestmark = pytest.mark.django_db(transaction=True)


def _register(client, assessor, email="new.learner@example.org"):
    return client.post(reverse("learner_add"), {"first_name": "Nia", "last_name": "Osei", "email": email,
                                                "assessor": assessor.pk})


def test_admin_registers_a_learner_who_is_welcomed_and_sets_a_password(personas, client):
    response = _register(client_for(personas.admin), personas.assessor)
    assert response.status_code == 302
    user = User.objects.get(email="new.learner@example.org")
    membership = Membership.objects.get(user=user, centre=personas.centre, role=Role.LEARNER)
    assert membership.assessor == personas.assessor
    assert AuditEvent.objects.filter(action="learner.registered", object_id=str(membership.pk)).exists()

    welcome = mail.outbox[-1]
    assert welcome.to == ["new.learner@example.org"]
    assert "Your assessor is Sam Assessor" in welcome.body
    link = next(line for line in welcome.body.splitlines() if "/account/welcome/" in line).strip()
    path = link.removeprefix("http://127.0.0.1:8000")

    page = client.get(path)
    assert page.status_code == 200 and "Welcome, Nia" in page.content.decode()
    response = client.post(path, {"new_password1": "a-long-safe-password-1", "new_password2": "a-long-safe-password-1"})
    assert response.status_code == 302 and response.url == reverse("home")
    home = client.get(reverse("home")).content.decode()
    assert "Your assessor is <strong>Sam Assessor</strong>" in home
    # The link works once.
    assert client.get(path).status_code == 400
    assert user.emailaddress_set.get().verified


def test_registering_the_same_learner_twice_is_refused_with_a_message(personas):
    client = client_for(personas.admin)
    _register(client, personas.assessor)
    response = _register(client, personas.assessor)
    assert response.status_code == 200
    assert "already a learner at this centre" in response.content.decode()
    assert Membership.objects.filter(user__email="new.learner@example.org").count() == 1


def test_an_assessor_of_another_centre_cannot_be_chosen(personas):
    response = _register(client_for(personas.admin), personas.other_centre_assessor)
    assert response.status_code == 200
    assert not User.objects.filter(email="new.learner@example.org").exists()


@pytest.mark.parametrize("who", ["assessor", "learner", "moderator", "external_moderator", "outsider"])
def test_only_a_centre_admin_registers_learners(personas, who):
    if who == "external_moderator":
        make_grant(personas)  # under a grant the EQA knows of the centre, and may not write to it
    assert _register(client_for(getattr(personas, who)), personas.assessor).status_code == 403
    assert not User.objects.filter(email="new.learner@example.org").exists()


def test_an_external_moderator_without_a_grant_gets_404_from_registering(personas):
    client = client_for(personas.external_moderator)
    assert client.get(reverse("learner_add")).status_code == 404
    assert _register(client, personas.assessor).status_code == 404
    assert not User.objects.filter(email="new.learner@example.org").exists()


def test_admin_changes_a_learners_assessor_and_the_learner_is_told(personas):
    membership = Membership.objects.get(user=personas.learner, role=Role.LEARNER)
    response = client_for(personas.admin).post(reverse("learner_change_assessor", args=[membership.pk]),
                                               {"assessor": personas.second_assessor.pk})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.assessor == personas.second_assessor
    assert AuditEvent.objects.filter(action="membership.assessor_changed").exists()
    assert mail.outbox[-1].to == [personas.learner.email]
