"""Export writes exactly what import reads, in both formats."""

import copy
import json

import pytest
from django.urls import reverse

from qualifications import services
from qualifications.demo_specs import HOSPITALITY_L3
from qualifications.interchange import (
    SpecImportError,
    spec_from_version,
    spec_import,
    spec_parse,
    spec_to_csv,
    spec_to_json,
)
from tests.conftest import client_for

from .specs import import_spec, make_spec, tree_of

pytestmark = pytest.mark.django_db


def _awkward_spec() -> dict:
    """Text that trips up CSV writers: commas, quotes, semicolons, new lines and accents."""
    spec = make_spec(units=3, outcomes=2, criteria=2)
    spec.update(minimum_credits=20, framework="", level="")
    spec["units"][0]["outcomes"][0]["text"] = 'Prepare “café crème”, espresso; and "flat white"'
    spec["units"][0]["outcomes"][0]["criteria"][1]["text"] = "Line one\nline two, with a comma"
    spec["units"][2]["mandatory"] = False
    return spec


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_an_exported_file_imports_as_the_same_specification(personas, fmt):
    spec = _awkward_spec()
    version = import_spec(personas, spec)
    assert spec_from_version(version) == spec

    response = client_for(personas.admin).get(reverse(f"qualification_export_{fmt}", args=[version.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="cater-l2-v1.{fmt}"'
    again = spec_import(centre=personas.centre, raw=response.content, filename=f"export.{fmt}", actor=personas.admin)
    assert again.number == 2
    assert spec_from_version(again) == spec
    assert tree_of(again) == tree_of(version)


def test_the_demo_hospitality_diploma_survives_both_formats():
    assert spec_parse(spec_to_json(HOSPITALITY_L3), "hosp.json") == HOSPITALITY_L3
    assert spec_parse(spec_to_csv(HOSPITALITY_L3), "hosp.csv") == HOSPITALITY_L3


def test_the_csv_has_one_row_per_criterion_with_numbers(personas):
    version = import_spec(personas, units=2, outcomes=2, criteria=3)
    lines = spec_to_csv(spec_from_version(version)).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 2 * 2 * 3
    assert lines[1] == ("CATER-L2,Level 2 Certificate in Catering,qualification,Northern Vocational Awards,2,RQF,"
                        "20,100,0,U1,Unit 1,2,10,50,yes,1,Outcome 1.1,1.1,Criterion 1.1.1")
    assert lines[-1].endswith(",U2,Unit 2,2,10,50,no,2,Outcome 2.2,2.3,Criterion 2.2.3")


def test_a_draft_with_gaps_exports_rows_that_import_names_as_problems(personas):
    version = import_spec(personas, units=1, outcomes=1, criteria=1)
    services.unit_add(version=version, revision=version.revision, actor=personas.admin, code="EMPTY", title="Empty")
    spec = spec_from_version(version)
    assert spec["units"][1]["outcomes"] == []
    problems = _problems_of(spec_to_csv(spec), "gaps.csv")
    assert problems == ["line 3, column outcome_text: the unit has no learning outcomes."]
    assert _problems_of(spec_to_json(spec), "gaps.json") == ["units[1].outcomes: the unit has no learning outcomes."]


def _problems_of(raw: bytes, filename: str) -> list[str]:
    with pytest.raises(SpecImportError) as refused:
        spec_parse(raw, filename)
    return [str(p) for p in refused.value.problems]


def test_export_keeps_the_order_the_editor_shows(personas):
    version = import_spec(personas, units=2, outcomes=2, criteria=2)
    unit = version.units.get(code="U2")
    services.unit_move(unit=unit, direction="up", revision=version.revision, actor=personas.admin)
    spec = json.loads(client_for(personas.admin).get(
        reverse("qualification_export_json", args=[version.pk])).content)
    assert [u["code"] for u in spec["units"]] == ["U2", "U1"]
    expected = copy.deepcopy(make_spec(units=2, outcomes=2, criteria=2))
    expected["units"].reverse()
    assert spec == expected
