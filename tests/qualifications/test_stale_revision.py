"""Two people edit from the same page: the first change wins, the second is refused and nothing of it is saved."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Role
from centres.services import ServiceError
from qualifications import services
from qualifications.models import QualificationVersion, Unit
from tests.conftest import client_for
from tests.factories import staff

from .specs import import_spec, tree_of

pytestmark = pytest.mark.django_db

STALE = ("Someone else changed this qualification after you opened it. "
         "Reload the page to see their changes; nothing was saved.")


def _state(version: QualificationVersion) -> tuple:
    version.refresh_from_db()
    return tree_of(version), version.title, version.status, version.revision, AuditEvent.objects.count()


@pytest.mark.parametrize("second_act", ["unit_update", "unit_delete", "unit_move", "outcome_add", "criterion_move",
                                        "version_update", "version_publish"])
def test_the_second_edit_from_the_same_revision_is_refused_with_nothing_saved(personas, second_act):
    version = import_spec(personas)
    opened = version.revision  # both admins' pages were rendered with this revision
    unit = version.units.get(code="U1")
    criterion = unit.outcomes.get(number="1").criteria.first()
    services.unit_update(unit=unit, revision=opened, actor=personas.admin, title="Renamed by the first admin")
    before = _state(version)
    acts = {
        "unit_update": lambda **r: services.unit_update(unit=unit, title="Renamed by the second admin", **r),
        "unit_delete": lambda **r: services.unit_delete(unit=unit, **r),
        "unit_move": lambda **r: services.unit_move(unit=unit, direction="down", **r),
        "outcome_add": lambda **r: services.outcome_add(unit=unit, text="Added by the second admin", **r),
        "criterion_move": lambda **r: services.criterion_move(criterion=criterion, direction="down", **r),
        "version_update": lambda **r: services.version_update(version=version, title="Second", **r),
        "version_publish": lambda **r: services.version_publish(version=version, **r),
    }
    with pytest.raises(ServiceError) as refused:
        acts[second_act](revision=opened, actor=staff(personas.centre, Role.CENTRE_ADMIN))
    assert str(refused.value) == STALE
    assert _state(version) == before


def test_two_admins_in_the_browser_the_second_sees_the_refusal_and_keeps_their_text(personas):
    version = import_spec(personas)
    unit = version.units.get(code="U1")
    first, second = client_for(personas.admin), client_for(staff(personas.centre, Role.CENTRE_ADMIN))
    url = reverse("qualification_unit_edit", args=[unit.pk])
    forms = [client.get(url).context["form"] for client in (first, second)]
    data = {"code": "U1", "credits": 10, "guided_learning_hours": 50, "mandatory": "True", "level": "2"}

    response = first.post(url, {**data, "title": "First title", "revision": forms[0].initial["revision"]})
    assert response.status_code == 302
    response = second.post(url, {**data, "title": "Second title", "revision": forms[1].initial["revision"]})
    assert response.status_code == 200
    page = response.content.decode()
    assert STALE in page and "Second title" in page  # their typing is still on the page
    assert Unit.objects.get(pk=unit.pk).title == "First title"


def test_a_stale_move_button_changes_nothing_and_says_why(personas):
    version = import_spec(personas)
    stale = version.revision
    services.version_update(version=version, revision=stale, actor=personas.admin, title="Changed")
    client = client_for(personas.admin)  # signing in is audited too, so before the snapshot
    before = _state(version)
    unit = version.units.get(code="U1")
    response = client.post(reverse("qualification_unit_move", args=[unit.pk]),
                                               {"revision": stale, "direction": "down"})
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [STALE]
    assert _state(version) == before


def test_a_move_without_a_revision_is_refused(personas):
    version = import_spec(personas)
    client = client_for(personas.admin)
    before = _state(version)
    unit = version.units.get(code="U1")
    response = client.post(reverse("qualification_unit_move", args=[unit.pk]),
                                               {"direction": "down"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "The form was incomplete, so nothing was saved. Reload the page and try again."]
    assert _state(version) == before
