"""Importing a specification: the whole file is checked, every problem is named with its place, and a file with
any problem creates nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Role
from qualifications.interchange import CSV_COLUMNS, SpecImportError, spec_import
from qualifications.models import AssessmentCriterion, Qualification, QualificationVersion, Unit
from tests.conftest import client_for
from tests.factories import staff

from .specs import import_spec, make_spec, tree_of

pytestmark = pytest.mark.django_db

HEADER = ",".join(CSV_COLUMNS)


def _nothing_created() -> bool:
    return not (Qualification.objects.exists() or Unit.objects.exists() or AssessmentCriterion.objects.exists()
                or AuditEvent.objects.filter(action__startswith="qualification.").exists())


def _problems(personas, raw: bytes, filename: str) -> list[str]:
    with pytest.raises(SpecImportError) as refused:
        spec_import(centre=personas.centre, raw=raw, filename=filename, actor=personas.admin)
    return [str(p) for p in refused.value.problems]


def test_a_malformed_json_file_reports_every_problem_with_its_path_and_creates_nothing(personas):
    spec = make_spec(units=3)
    del spec["title"]
    spec.update(format="leap-qualification/0", kind="diploma", framework="XYZ", total_credits=-5,
                guided_learning_hours="lots", colour="blue")
    spec["units"][0]["credits"] = 7.5
    spec["units"][0]["outcomes"][1]["criteria"][0]["text"] = "  "
    spec["units"][1].update(code="U1", mandatory="yes")
    spec["units"][1]["outcomes"][0]["criteria"] = []
    spec["units"][1]["outcomes"][1]["criteria"].append("just text")
    spec["units"][2]["outcomes"] = []
    assert _problems(personas, json.dumps(spec, indent=2).encode(), "catering.json") == [
        "colour: is not a field LEAP knows.",
        "format: “leap-qualification/0” is not a format LEAP reads; it must be “leap-qualification/1”.",
        "kind: “diploma” is not a kind LEAP knows; use one of: qualification, short_course.",
        "title: is missing.",
        "framework: “XYZ” is not a framework LEAP knows; use one of: EQF, RQF, SCQF, NQF, or leave it empty.",
        "total_credits: must not be negative.",
        "guided_learning_hours: must be a whole number, not “lots”.",
        "units[0].credits: must be a whole number, not “7.5”.",
        "units[0].outcomes[1].criteria[0].text: must not be empty.",
        "units[1].mandatory: must be true or false.",
        "units[1].outcomes[0].criteria: the learning outcome has no assessment criteria.",
        "units[1].outcomes[1].criteria[2]: must be an object, {…}.",
        "units[2].outcomes: the unit has no learning outcomes.",
        "units[1].code: “U1” is also the code of units[0].",
    ]
    assert _nothing_created()


@pytest.mark.parametrize("raw,filename,expected", [
    (b'{"format": "leap-qualification/1",\n "code": "X",\n "units": [}', "spec.json",
     ["line 3, column 12: this is not valid JSON: Expecting value."]),
    (b'{"format": "leap-qualification/1", "code": "caf\xe9"}', "spec.json",
     ["line 1: the file is not UTF-8 text; save it as UTF-8 (“CSV UTF-8” in Excel)."]),
    (b"{" + b" " * (2 * 1024 * 1024) + b"}", "huge.json", ["huge.json: the file is larger than 2 MB."]),
    (b"[]", "spec.json", ["file: must hold one JSON object, {…}."]),
    (b"  \n", "spec.csv", ["line 1: the file is empty."]),
    (b"PK\x03\x04", "spec.xlsx", ["spec.xlsx: LEAP reads specifications from .json and .csv files."]),
    (b'{"code": "X", "kind": "qualification", "title": "T"}', "spec.json",
     ["format: is missing; it must be “leap-qualification/1”.", "units: is missing."]),
    (b'{"format": "leap-qualification/1", "code": "X", "kind": "qualification", "title": "T", "units": []}',
     "spec.json", ["units: the specification has no units."]),
])
def test_files_that_cannot_be_read_say_why_and_where(personas, raw, filename, expected):
    assert _problems(personas, raw, filename) == expected
    assert _nothing_created()


def test_a_malformed_csv_reports_every_problem_with_its_line_and_column_and_creates_nothing(personas):
    q = "Q1,Catering,qualification,NVA,2,RQF,twenty,100,0"
    rows = [
        HEADER,
        q + ",U1,Unit one,2,ten,50,yes,1,Outcome one,,Crit one",
        q + ",U1,Unit one,2,ten,50,yes,1,Outcome one,1.2,",
        q.replace("qualification,", "diploma,") + ",U1,Unit one,2,ten,50,yes,1,Outcome one,1.3,Crit three",
        q + ",U2,Unit two,2,10,-5,maybe,1,Outcome A,,Crit A",
        q + ",U3,Unit three,2,5,30,no,,,,",
        q + ",U1,Unit one,2,ten,50,yes,2,Outcome two,,",
        q + ",U4,,2,5,30,no,1,Outcome,,Crit",
        q + ",U4,,2,5,30,no,,Orphan text,,Crit",
    ]
    assert _problems(personas, "\n".join(rows).encode(), "catering.csv") == [
        "line 2, column total_credits: must be a whole number, not “twenty”.",
        "line 2, column unit_credits: must be a whole number, not “ten”.",
        "line 3, column criterion_text: must not be empty.",
        "line 4, column kind: “diploma” differs from “qualification” on line 2; every row must repeat the same "
        "qualification details.",
        "line 5, column unit_glh: must not be negative.",
        "line 5, column unit_mandatory: must be “yes” or “no”.",
        "line 6, column outcome_text: the unit has no learning outcomes.",
        "line 7, column unit_code: unit U1 also appears above, from line 2; keep the rows of a unit together.",
        "line 7, column criterion_text: the learning outcome has no assessment criteria.",
        "line 8, column unit_title: must not be empty.",
        "line 9, column outcome_number: must not be empty; it groups the criteria of an outcome.",
    ]
    assert _nothing_created()


def test_a_csv_with_the_wrong_columns_names_them(personas):
    raw = HEADER.replace("unit_credits", "unit_credit").encode() + b"\nA\n"
    assert _problems(personas, raw, "spec.csv") == [
        "line 1: “unit_credit” is not a column LEAP knows.",
        "line 1: missing column: unit_credits.",
    ]


def test_a_csv_saved_by_a_spreadsheet_with_semicolons_and_a_byte_order_mark_is_read(personas):
    row = "Q1;Catering;qualification;;2;;0;0;0;U1;Unit one;;0;0;yes;1;Outcome, with a comma;;Criterion"
    raw = ("\ufeff" + HEADER.replace(",", ";") + "\r\n" + row + "\r\n").encode()
    version = spec_import(centre=personas.centre, raw=raw, filename="Q1.CSV", actor=personas.admin)
    assert tree_of(version) == [("U1", [("1", "Outcome, with a comma", [("1.1", "Criterion")])])]


def test_a_clean_file_makes_a_new_qualification_with_a_draft_version_and_an_audit_event(personas):
    version = import_spec(personas, units=2, outcomes=2, criteria=3)
    assert (version.qualification.code, version.number, version.status) == ("CATER-L2", 1, "draft")
    assert version.title == "Level 2 Certificate in Catering" and version.framework == "RQF"
    assert tree_of(version)[0][1][1] == ("2", "Outcome 1.2", [("2.1", "Criterion 1.2.1"), ("2.2", "Criterion 1.2.2"),
                                                              ("2.3", "Criterion 1.2.3")])
    event = AuditEvent.objects.get(action="qualification.imported")
    assert event.data == {"code": "CATER-L2", "version": 1, "filename": "CATER-L2.json", "units": 2,
                          "new_qualification": True}


def test_a_known_code_becomes_a_new_draft_version_of_that_qualification(personas):
    first = import_spec(personas)
    spec = make_spec(units=3)
    spec["title"] = "Level 2 Certificate in Catering (2027)"
    second = import_spec(personas, spec)
    assert second.qualification_id == first.qualification_id
    assert (second.number, second.status, second.title) == (2, "draft", "Level 2 Certificate in Catering (2027)")
    assert Qualification.objects.count() == 1 and len(tree_of(first)) == 2 and len(tree_of(second)) == 3


def test_a_known_code_of_another_kind_is_refused(personas):
    import_spec(personas)
    spec = make_spec()
    spec["kind"] = "short_course"
    with pytest.raises(SpecImportError) as refused:
        import_spec(personas, spec)
    assert [str(p) for p in refused.value.problems] == [
        "kind: CATER-L2 is already a qualification at this centre; the file must say “qualification”."]
    assert QualificationVersion.objects.count() == 1


def test_the_same_code_at_another_centre_is_another_qualification(personas):
    import_spec(personas)
    spec = make_spec()
    other = spec_import(centre=personas.other_centre, raw=json.dumps(spec).encode(), filename="x.json",
                        actor=staff(personas.other_centre, Role.CENTRE_ADMIN))
    assert other.number == 1 and Qualification.objects.filter(code="CATER-L2").count() == 2


def test_the_import_page_lists_every_problem(personas):
    raw = json.dumps({"format": "leap-qualification/1", "code": "", "kind": "qualification", "title": "T",
                      "units": [{"code": "U1", "title": "", "outcomes": []}]}).encode()
    response = client_for(personas.admin).post(reverse("qualification_import"),
                                               {"file": SimpleUploadedFile("spec.json", raw)})
    assert response.status_code == 200
    assert [str(p) for p in response.context["problems"]] == [
        "code: must not be empty.", "units[0].title: must not be empty.",
        "units[0].outcomes: the unit has no learning outcomes."]
    page = response.content.decode()
    assert "3 problems" in page and "<strong>units[0].outcomes</strong>: the unit has no learning outcomes." in page
    assert _nothing_created()


def test_the_import_page_opens_the_new_draft(personas):
    raw = json.dumps(make_spec()).encode()
    response = client_for(personas.admin).post(reverse("qualification_import"),
                                               {"file": SimpleUploadedFile("spec.json", raw)})
    version = QualificationVersion.objects.get()
    assert response.url == reverse("qualification_version", args=[version.pk])
