"""Units, outcomes and criteria are added, changed, moved and deleted; numbering always follows the order."""

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from centres.services import ServiceError
from qualifications import services
from qualifications.models import AssessmentCriterion, QualificationVersion

from .specs import import_spec, tree_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(personas) -> QualificationVersion:
    return import_spec(personas, units=2, outcomes=3, criteria=2)


def _rev(version) -> int:
    version.refresh_from_db(fields=["revision"])
    return version.revision


def _numbers(version) -> list:
    return [(code, [(n, [c for c, _text in criteria]) for n, _text, criteria in outcomes])
            for code, outcomes in tree_of(version)]


def _positions_are_unit_wide_and_consistent(version) -> None:
    for unit in version.units.all():
        criteria = list(AssessmentCriterion.objects.filter(outcome__unit=unit).order_by("position"))
        assert [c.position for c in criteria] == list(range(1, len(criteria) + 1))
        assert all(c.unit_id == unit.pk for c in criteria)


def test_deleting_an_outcome_renumbers_the_outcomes_and_criteria_after_it(personas, version):
    unit = version.units.get(code="U1")
    services.outcome_delete(outcome=unit.outcomes.get(number="1"), revision=_rev(version), actor=personas.admin)
    assert tree_of(version)[0] == ("U1", [
        ("1", "Outcome 1.2", [("1.1", "Criterion 1.2.1"), ("1.2", "Criterion 1.2.2")]),
        ("2", "Outcome 1.3", [("2.1", "Criterion 1.3.1"), ("2.2", "Criterion 1.3.2")]),
    ])
    _positions_are_unit_wide_and_consistent(version)


def test_a_criterion_added_to_the_first_outcome_sorts_before_the_second_outcomes(personas, version):
    unit = version.units.get(code="U1")
    criterion = services.criterion_add(outcome=unit.outcomes.get(number="1"), revision=_rev(version),
                                       actor=personas.admin, text="  Added  ")
    assert (criterion.number, criterion.text, criterion.position) == ("1.3", "Added", 3)
    assert _numbers(version)[0] == ("U1", [("1", ["1.1", "1.2", "1.3"]), ("2", ["2.1", "2.2"]),
                                           ("3", ["3.1", "3.2"])])
    _positions_are_unit_wide_and_consistent(version)


def test_moving_criteria_and_outcomes_renumbers_only_their_unit(personas, version):
    unit = version.units.get(code="U1")
    first = unit.outcomes.get(number="1").criteria.get(number="1.1")
    services.criterion_move(criterion=first, direction="down", revision=_rev(version), actor=personas.admin)
    services.outcome_move(outcome=unit.outcomes.get(number="3"), direction="up", revision=_rev(version),
                          actor=personas.admin)
    tree = tree_of(version)
    assert [(n, text) for n, text, _c in tree[0][1]] == [("1", "Outcome 1.1"), ("2", "Outcome 1.3"),
                                                         ("3", "Outcome 1.2")]
    assert tree[0][1][0][2] == [("1.1", "Criterion 1.1.2"), ("1.2", "Criterion 1.1.1")]
    assert tree[0][1][1][2] == [("2.1", "Criterion 1.3.1"), ("2.2", "Criterion 1.3.2")]
    assert tree[1] == tree_of(import_spec(personas, code="OTHER", units=2, outcomes=3, criteria=2))[1]
    _positions_are_unit_wide_and_consistent(version)


def test_moving_past_either_end_is_refused_and_changes_nothing(personas, version):
    unit = version.units.get(code="U1")
    before, revision = tree_of(version), _rev(version)
    with pytest.raises(ServiceError, match="It is already first."):
        services.unit_move(unit=unit, direction="up", revision=revision, actor=personas.admin)
    with pytest.raises(ServiceError, match="It is already last."):
        services.outcome_move(outcome=unit.outcomes.get(number="3"), direction="down", revision=revision,
                              actor=personas.admin)
    assert tree_of(version) == before and _rev(version) == revision


def test_unit_codes_are_unique_within_a_version(personas, version):
    with pytest.raises(ServiceError, match="Unit code U2 is already used in this version."):
        services.unit_add(version=version, revision=_rev(version), actor=personas.admin, code=" U2 ", title="Dup")
    unit = version.units.get(code="U1")
    with pytest.raises(ServiceError, match="already used"):
        services.unit_update(unit=unit, revision=_rev(version), actor=personas.admin, code="U2")
    services.unit_update(unit=unit, revision=_rev(version), actor=personas.admin, code="U1", title="Same code")


def test_deleting_a_unit_closes_the_gap_in_the_unit_order(personas, version):
    services.unit_add(version=version, revision=_rev(version), actor=personas.admin, code="U3", title="Third")
    services.unit_delete(unit=version.units.get(code="U2"), revision=_rev(version), actor=personas.admin)
    assert list(version.units.order_by("position").values_list("code", "position")) == [("U1", 1), ("U3", 2)]


def test_every_edit_is_audited_with_what_changed(personas, version):
    unit = version.units.get(code="U1")
    services.unit_update(unit=unit, revision=_rev(version), actor=personas.admin, credits=12, title="Unit 1")
    event = AuditEvent.objects.filter(action="qualification.unit_updated").get()
    assert event.data == {"code": "CATER-L2", "version": 1, "unit": "U1", "changes": {"credits": [10, 12]}}
    assert event.actor == personas.admin and event.object_id == str(version.pk)


def test_only_a_centre_admin_of_the_versions_centre_edits(personas, version):
    unit = version.units.get(code="U1")
    for who in (personas.assessor, personas.moderator, personas.external_moderator, personas.other_centre_assessor):
        with pytest.raises(PermissionDenied):
            services.unit_update(unit=unit, revision=_rev(version), actor=who, title="No")
    with pytest.raises(PermissionDenied):
        services.qualification_create(centre=personas.centre, code="X", kind="qualification", title="X",
                                      actor=personas.assessor)


def test_a_code_is_used_once_per_centre(personas, version):
    with pytest.raises(ServiceError, match="A qualification with the code CATER-L2 already exists at this centre."):
        services.qualification_create(centre=personas.centre, code="CATER-L2 ", kind="qualification", title="X",
                                      actor=personas.admin)
