"""The demo centre's qualifications: realistic, publishable, and loaded once however often the demo is seeded."""

import pytest

from centres.models import Role
from qualifications.demo_specs import BARISTA, HOSPITALITY_L3, load_demo_specs
from qualifications.models import AssessmentCriterion, Qualification, QualificationVersion
from qualifications.selectors import version_tree
from tests.factories import staff

pytestmark = pytest.mark.django_db


def test_both_demo_specs_load_published_and_loading_again_changes_nothing(personas):
    first = load_demo_specs(centre=personas.centre, actor=personas.admin)
    counts = (QualificationVersion.objects.count(), AssessmentCriterion.objects.count())
    again = load_demo_specs(centre=personas.centre, actor=personas.admin)
    assert [v.pk for v in again] == [v.pk for v in first]
    assert (QualificationVersion.objects.count(), AssessmentCriterion.objects.count()) == counts
    assert [(v.qualification.code, v.qualification.kind, v.status) for v in first] == [
        ("HOSP-L3", "qualification", "published"), ("BARISTA-SC", "short_course", "published")]


def test_the_hospitality_diploma_has_meaningful_rules_of_combination(personas):
    version = version_tree(load_demo_specs(centre=personas.centre, actor=personas.admin)[0])
    units = list(version.units.all())
    assert len(units) >= 5 and (version.framework, version.level) == ("RQF", "3")
    for unit in units:
        assert 3 <= len(unit.outcomes.all()) <= 5, unit.code
        assert all(2 <= len(o.criteria.all()) <= 4 for o in unit.outcomes.all()), unit.code
    mandatory = sum(u.credits for u in units if u.mandatory)
    assert mandatory < version.minimum_credits <= sum(u.credits for u in units)
    assert any(not u.mandatory for u in units)


def test_the_barista_course_is_a_short_course_of_two_units():
    assert BARISTA["kind"] == "short_course" and len(BARISTA["units"]) == 2
    assert HOSPITALITY_L3["code"] == "HOSP-L3"


def test_each_centre_gets_its_own_copy(personas):
    load_demo_specs(centre=personas.centre, actor=personas.admin)
    load_demo_specs(centre=personas.other_centre, actor=staff(personas.other_centre, Role.CENTRE_ADMIN))
    assert Qualification.objects.filter(code="HOSP-L3").count() == 2
