import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from audit.services import audit_verify_all
from centres.models import Centre, Membership, Role
from leap.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_creates_one_person_per_role_and_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    centre = Centre.objects.get(name="Demo Training Centre")
    roles = Membership.objects.filter(centre=centre).values_list("role", flat=True)
    assert sorted(roles) == sorted([Role.CENTRE_ADMIN, Role.ASSESSOR, Role.ASSESSOR, Role.MODERATOR,
                                    Role.EXTERNAL_MODERATOR] + [Role.LEARNER] * 5)
    assert all(m.assessor_id for m in Membership.objects.filter(centre=centre, role=Role.LEARNER))
    assert User.objects.count() == 10
    assert "admin@demo.leap.test" in out and DEMO_PASSWORD in out
    assert audit_verify_all()[1] == []


def test_the_printed_learner_login_works():
    call_command("seed_demo")
    client = Client()
    response = client.post("/accounts/login/", {"login": "learner1@demo.leap.test", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "Your assessor is <strong>Sam Okafor</strong>" in client.get("/").content.decode()
