"""One CSV reader for every upload (learners, bulk awards, qualification specifications) and one writer for
every export: the same delimiters, the same decoding, the same line numbers, no live spreadsheet formulas."""

import csv
import io

import pytest
from django.urls import reverse

from badges.awards.badge_classes import badge_class_create
from badges.awards.services import awards_csv_validate
from badges.models import BadgeClass
from centres.csv_files import CsvUnreadable, csv_cell, csv_read, csv_table
from centres.services import learners_csv_validate
from qualifications.interchange import spec_from_version, spec_import, spec_to_csv
from tests.conftest import client_for
from tests.factories import learner
from tests.qualifications.specs import import_spec, make_spec

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def test_a_semicolon_file_is_read_cell_by_cell_whatever_its_cells_hold():
    raw = ("\ufeffemail;narrative\n"
           "ann@example.org;'Best stand' award, shared with O'Neil\n"
           'bob@example.org;"Ran it; packed up, went home"\n').encode()
    header, rows = csv_read(raw)
    assert header == ["email", "narrative"]
    assert [(r.line, r.cells) for r in rows] == [
        (2, ["ann@example.org", "'Best stand' award, shared with O'Neil"]),
        (3, ["bob@example.org", "Ran it; packed up, went home"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_comma_semicolon_and_tab_files_give_the_same_rows(delimiter):
    raw = delimiter.join(["first name", "Email"]).encode() + b"\n" + delimiter.join(["Ann", "a@x.org"]).encode()
    header, rows = csv_read(raw)
    assert header == ["first_name", "email"] and rows[0].cells == ["Ann", "a@x.org"]


def test_a_row_is_numbered_by_the_line_it_starts_on():
    _header, rows = csv_read(b'email,narrative\na@x.org,"two\nlines"\n\nb@x.org,one\n')
    assert [r.line for r in rows] == [2, 5]


def test_a_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte():
    with pytest.raises(CsvUnreadable) as error:
        csv_read("email\nann@example.org\nzoë@example.org\n".encode("latin-1"))
    assert error.value.line == 3 and "UTF-8" in error.value.message


def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text_and_read_back_unchanged():
    values = ["=SUM(A1)", "-5 °C", "+44 20", "@cmd", "\tx", "'=already quoted", "plain", "it's", "", "'"]
    raw = csv_table([[f"h{n}" for n in range(len(values))], values])
    assert not any(cell.startswith(FORMULA_STARTS) for row in csv.reader(io.StringIO(raw.decode("utf-8-sig")))
                   for cell in row)
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("it's") == "it's"
    [row] = csv_read(raw)[1]
    assert row.cells == values


# --- The three uploads ---------------------------------------------------------------------------------

def test_the_learner_import_reads_a_semicolon_file_with_apostrophes_and_commas(personas):
    raw = ("first_name;last_name;email;assessor_email\n"
           f"'Tis;O'Neil, 'Jr';tis@example.org;{personas.assessor.email}\n").encode()
    [(line, row)] = learners_csv_validate(centre=personas.centre, raw=raw)
    assert line == 2 and (row["first_name"], row["last_name"]) == ("'Tis", "O'Neil, 'Jr'")


def test_the_bulk_award_import_reads_a_semicolon_file_with_apostrophes_and_commas(personas):
    badge = badge_class_create(centre=personas.centre, actor=personas.admin, kind=BadgeClass.Kind.EVENT,
                               name="Skills fair", description="A stand.", criteria_narrative="Run a stand.")
    person = learner(personas.centre, personas.assessor, email="fair@example.org")
    raw = (b"email;narrative;evidence_url\n"
           b"fair@example.org;'Best stand' award, shared with 'Bob';https://example.org/fair\n")
    [row] = awards_csv_validate(badge_class=badge, raw=raw)
    assert (row.line, row.recipient, row.narrative) == (2, person, "'Best stand' award, shared with 'Bob'")


def test_the_qualification_import_reads_a_semicolon_file(personas):
    spec = make_spec(units=1, outcomes=1, criteria=2)
    spec["units"][0]["outcomes"][0]["criteria"][0]["text"] = "'Mise en place', then service; all of it"
    text = spec_to_csv(spec).decode("utf-8-sig")
    semicolons = io.StringIO()
    csv.writer(semicolons, delimiter=";", lineterminator="\n").writerows(csv.reader(io.StringIO(text)))
    version = spec_import(centre=personas.centre, raw=semicolons.getvalue().encode(), filename="spec.csv",
                          actor=personas.admin)
    assert spec_from_version(version) == spec


# --- Every CSV the product writes -----------------------------------------------------------------------

def _formula_cells(raw: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))) for cell in row
            if cell.startswith(FORMULA_STARTS)]


def _formula_spec() -> dict:
    spec = make_spec(units=2, outcomes=1, criteria=2)
    spec.update(title="=HYPERLINK(\"https://evil.example\",\"Click\")", awarding_body="@SUM(1+1)")
    spec["units"][0].update(title="-5 °C cold storage", code="+U1")
    spec["units"][0]["outcomes"][0]["text"] = "=1+2"
    spec["units"][0]["outcomes"][0]["criteria"][0]["text"] = "+44 is the dialling code"
    spec["units"][1]["outcomes"][0]["criteria"][1]["text"] = "'=already quoted"
    return spec


def test_the_qualification_export_has_no_live_formula_and_imports_back_the_same(personas):
    spec = _formula_spec()
    version = import_spec(personas, spec)
    exported = client_for(personas.admin).get(reverse("qualification_export_csv", args=[version.pk])).content
    assert _formula_cells(exported) == []
    again = spec_import(centre=personas.centre, raw=exported, filename="export.csv", actor=personas.admin)
    assert spec_from_version(again) == spec


def test_the_timeline_export_has_no_live_formula(personas, settings, tmp_path):
    from audit.services import audit_record  # noqa: PLC0415
    from tests.assessment.test_verify_seals import signed_off_unit  # noqa: PLC0415

    settings.MEDIA_ROOT = tmp_path / "media"
    enrolment_unit, _sign_off = signed_off_unit(personas)
    audit_record(action="=HYPERLINK(\"https://evil.example\")", actor=personas.assessor, centre=personas.centre,
                 subject=enrolment_unit.enrolment, data={"title": "-5 °C"})
    url = reverse("timeline_learner", args=[enrolment_unit.enrolment_id])
    response = client_for(personas.admin).get(url, {"format": "csv"})
    assert response.status_code == 200 and "HYPERLINK" in response.content.decode("utf-8-sig")
    assert _formula_cells(response.content) == []


def test_csv_table_is_the_only_csv_writer_in_the_product():
    from pathlib import Path  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    writers = [str(path.relative_to(root)) for app in ("accounts", "audit", "centres", "notifications",
                                                        "qualifications", "portfolios", "assessment",
                                                        "moderation", "badges", "leap")
               for path in (root / app).rglob("*.py")
               if "csv.writer" in path.read_text() or "DictWriter" in path.read_text()]
    assert writers == ["centres/csv_files.py"]
