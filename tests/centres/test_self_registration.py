import pytest
from django.urls import reverse

from accounts.models import User
from centres.models import Membership, Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)


def _open_self_registration(personas) -> str:
    client_for(personas.admin).post(reverse("centre_settings"),
                                    {"self_registration": "1", "enabled": "on",
                                     "assessor": personas.second_assessor.pk})
    personas.centre.refresh_from_db()
    return personas.centre.enrolment_code


def _sign_up(client, code, email="joiner@example.org"):
    return client.post(reverse("account_signup"), {
        "enrolment_code": code, "first_name": "Jo", "last_name": "Iner", "email": email,
        "password1": "a-long-safe-password-1", "password2": "a-long-safe-password-1"})


def test_a_learner_joins_with_the_enrolment_code_and_gets_the_chosen_assessor(personas, client, mailoutbox):
    code = _open_self_registration(personas)
    assert len(code) == 8
    response = _sign_up(client, code.lower())
    assert response.status_code == 302
    user = User.objects.get(email="joiner@example.org")
    membership = Membership.objects.get(user=user, centre=personas.centre)
    assert membership.role == Role.LEARNER and membership.assessor == personas.second_assessor
    subjects = [m.subject for m in mailoutbox]
    assert any("Confirm" in s for s in subjects)  # email verification
    assert any("Welcome to North Vocational College" in s for s in subjects)


def test_sign_up_without_a_valid_code_creates_nobody(personas, client):
    response = _sign_up(client, "WRONG123")
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert not User.objects.filter(email="joiner@example.org").exists()


def test_a_closed_centre_code_no_longer_works(personas, client):
    code = _open_self_registration(personas)
    client_for(personas.admin).post(reverse("centre_settings"), {"self_registration": "1"})
    assert _sign_up(client, code).status_code == 200
    assert not User.objects.filter(email="joiner@example.org").exists()


def test_opening_self_registration_needs_an_assessor(personas):
    response = client_for(personas.admin).post(reverse("centre_settings"), {"self_registration": "1", "enabled": "on"})
    assert "Choose the assessor" in response.content.decode()
    personas.centre.refresh_from_db()
    assert personas.centre.enrolment_code is None


def test_an_existing_user_joins_another_centre_with_a_code(personas):
    code = _open_self_registration(personas)
    client = client_for(personas.other_centre_learner)
    assert client.post(reverse("join_centre"), {"enrolment_code": code}).status_code == 302
    assert Membership.objects.filter(user=personas.other_centre_learner, centre=personas.centre,
                                     role=Role.LEARNER).exists()
    again = client.post(reverse("join_centre"), {"enrolment_code": code})
    assert "already a learner" in again.content.decode()
