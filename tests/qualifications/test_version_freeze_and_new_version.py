"""A version in use is frozen; changes go into a new version, which copies everything and leaves the old alone."""

import pytest
from django.urls import reverse

from centres.services import ServiceError
from qualifications import services
from qualifications.models import QualificationVersion
from qualifications.selectors import version_tree
from tests.conftest import client_for

from .specs import import_spec, tree_of

pytestmark = pytest.mark.django_db

FROZEN = ("This version is in use by enrolled learners and can no longer change. "
          "Start a new version to make changes.")


def _edits(version: QualificationVersion, actor) -> dict:
    """One call of every content edit, each with the version's current revision."""
    tree = version_tree(version)
    unit = tree.units.all()[0]
    outcome = unit.outcomes.all()[0]
    criterion = outcome.criteria.all()[0]
    r = {"revision": version.revision, "actor": actor}
    return {
        "version_update": lambda: services.version_update(version=version, title="Changed", **r),
        "unit_add": lambda: services.unit_add(version=version, code="NEW", title="New", **r),
        "unit_update": lambda: services.unit_update(unit=unit, title="Changed", **r),
        "unit_delete": lambda: services.unit_delete(unit=unit, **r),
        "unit_move": lambda: services.unit_move(unit=unit, direction="down", **r),
        "outcome_add": lambda: services.outcome_add(unit=unit, text="New", **r),
        "outcome_update": lambda: services.outcome_update(outcome=outcome, text="Changed", **r),
        "outcome_delete": lambda: services.outcome_delete(outcome=outcome, **r),
        "outcome_move": lambda: services.outcome_move(outcome=outcome, direction="down", **r),
        "criterion_add": lambda: services.criterion_add(outcome=outcome, text="New", **r),
        "criterion_update": lambda: services.criterion_update(criterion=criterion, text="Changed", **r),
        "criterion_delete": lambda: services.criterion_delete(criterion=criterion, **r),
        "criterion_move": lambda: services.criterion_move(criterion=criterion, direction="down", **r),
    }


EDITS = ["version_update", "unit_add", "unit_update", "unit_delete", "unit_move", "outcome_add", "outcome_update",
         "outcome_delete", "outcome_move", "criterion_add", "criterion_update", "criterion_delete", "criterion_move"]


@pytest.fixture
def frozen(personas) -> QualificationVersion:
    version = import_spec(personas)
    services.version_publish(version=version, revision=version.revision, actor=personas.admin)
    services.version_freeze(version=version)
    return QualificationVersion.objects.get(pk=version.pk)


def test_freezing_sets_the_time_once(personas):
    version = import_spec(personas)
    services.version_freeze(version=version)
    first = version.frozen_at
    assert first is not None and not version.is_editable
    services.version_freeze(version=QualificationVersion.objects.get(pk=version.pk))
    assert QualificationVersion.objects.get(pk=version.pk).frozen_at == first


@pytest.mark.parametrize("edit", EDITS)
def test_every_edit_of_a_frozen_version_is_refused_and_changes_nothing(personas, frozen, edit):
    before = (tree_of(frozen), frozen.title, frozen.revision)
    with pytest.raises(ServiceError) as refused:
        _edits(frozen, personas.admin)[edit]()
    assert str(refused.value) == FROZEN
    frozen.refresh_from_db()
    assert (tree_of(frozen), frozen.title, frozen.revision) == before


def test_a_version_frozen_after_the_page_was_opened_refuses_the_edit(personas):
    version = import_spec(personas)
    opened = QualificationVersion.objects.select_related("qualification__centre").get(pk=version.pk)
    services.version_freeze(version=version)  # a learner is enrolled meanwhile
    with pytest.raises(ServiceError, match="in use by enrolled learners"):
        services.unit_add(version=opened, revision=opened.revision, actor=personas.admin, code="X", title="X")
    assert not opened.units.filter(code="X").exists()


def test_a_new_version_copies_everything_and_can_change_while_the_old_one_stays(personas, frozen):
    old_tree = tree_of(frozen)
    new = services.version_new_from(version=frozen, actor=personas.admin)
    assert (new.number, new.status, new.frozen_at, new.revision) == (2, "draft", None, 1)
    assert new.qualification_id == frozen.qualification_id
    for field in services.VERSION_FIELDS:
        assert getattr(new, field) == getattr(frozen, field), field
    assert tree_of(new) == old_tree
    new_units = list(version_tree(new).units.all())
    assert [(u.code, u.credits, u.guided_learning_hours, u.mandatory, u.level) for u in new_units] == [
        (u.code, u.credits, u.guided_learning_hours, u.mandatory, u.level) for u in version_tree(frozen).units.all()]
    assert {u.pk for u in new_units}.isdisjoint(set(frozen.units.values_list("pk", flat=True)))

    services.unit_update(unit=new_units[0], revision=new.revision, actor=personas.admin, title="Renamed")
    new.refresh_from_db()
    services.criterion_add(outcome=new_units[0].outcomes.first(), revision=new.revision, actor=personas.admin,
                           text="A new criterion")
    assert tree_of(frozen) == old_tree
    assert frozen.units.get(code="U1").title == "Unit 1"


def test_the_frozen_editor_offers_a_new_version_instead_of_edits(personas, frozen):
    client = client_for(personas.admin)
    page = client.get(reverse("qualification_version", args=[frozen.pk])).content.decode()
    assert FROZEN.split(" and can")[0] in page
    assert reverse("qualification_unit_add", args=[frozen.pk]) not in page
    assert "Move<span" not in page
    response = client.post(reverse("qualification_version_new", args=[frozen.pk]))
    new = QualificationVersion.objects.get(qualification=frozen.qualification, number=2)
    assert response.url == reverse("qualification_version", args=[new.pk])
    page = client.get(response.url).content.decode()
    assert reverse("qualification_unit_add", args=[new.pk]) in page


def test_a_stale_edit_form_on_a_frozen_version_says_why(personas, frozen):
    unit = frozen.units.get(code="U1")
    response = client_for(personas.admin).post(reverse("qualification_unit_edit", args=[unit.pk]), {
        "revision": frozen.revision, "code": "U1", "title": "Changed", "credits": 1, "guided_learning_hours": 1,
        "mandatory": "True"})
    assert response.status_code == 200
    assert FROZEN in response.content.decode()
    assert frozen.units.get(code="U1").title == "Unit 1"


def test_retiring_and_new_versions_keep_their_own_numbers(personas, frozen):
    services.version_retire(version=frozen, revision=frozen.revision, actor=personas.admin)
    second = services.version_new_from(version=frozen, actor=personas.admin)
    third = services.version_new_from(version=second, actor=personas.admin)
    assert [second.number, third.number] == [2, 3]
    with pytest.raises(ServiceError, match="already retired"):
        services.version_retire(version=frozen, revision=frozen.revision, actor=personas.admin)
