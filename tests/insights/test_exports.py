"""Exports of a report exactly as filtered: CSV (UTF-8 with a byte order mark, formula cells neutralised), XLSX
(read back with openpyxl) and a PDF summary; each one an audit event."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from audit.models import AuditEvent
from centres.csv_files import csv_parse
from insights.reports.base import CATALOGUE
from portfolios.models import Enrolment
from tests.conftest import client_for
from tests.factories import learner
from tests.moderation.external.factories import make_grant
from tests.portfolios.factories import make_enrolment, make_spec

FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def centre(personas):
    """Three enrolments: Maya and a learner whose first name is a spreadsheet formula, both active, and one
    withdrawn learner. Learners 3, active 2, share 67 % (2 ÷ 3 = 66.7, rounded)."""
    version = make_spec(personas.centre, code="HOSP")
    make_enrolment(personas.learner, personas.assessor, version)
    make_enrolment(learner(personas.centre, personas.assessor, first_name=FORMULA), personas.assessor, version)
    make_enrolment(personas.second_learner, personas.assessor, version, status=Enrolment.Status.WITHDRAWN)
    return version


def export(client, fmt: str, query: str = ""):
    response = client.get(reverse("insights_export", args=["tiny", fmt]) + (f"?{query}" if query else ""))
    assert response.status_code == 200, response
    return response, b"".join(response.streaming_content)


def test_the_csv_has_a_byte_order_mark_the_figures_with_formulas_and_the_rows(personas, centre, tiny_report):
    response, body = export(client_for(personas.admin), "csv")
    assert body.startswith(b"\xef\xbb\xbf")
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="tiny-north-vocational-college-' in response["Content-Disposition"]
    text = body.decode("utf-8-sig")
    lines = text.splitlines()
    assert "Figure,Value,Unit,How it is counted" in lines
    assert "Learners,3,,every enrolment" in lines and "Active share,67,%,active ÷ learners" in lines
    assert "Learner,Status" in lines and "Maya,active" in lines


def test_a_csv_cell_a_spreadsheet_would_run_is_written_as_text_and_reads_back_unchanged(personas, centre,
                                                                                      tiny_report):
    _, body = export(client_for(personas.admin), "csv")
    assert f"'{FORMULA}".replace('"', '""') in body.decode("utf-8-sig")  # a leading ' : shown, never run
    _, rows = csv_parse("Learner,Status\n" + body.decode("utf-8-sig").split("Learner,Status\n", 1)[1])
    assert [FORMULA, "active"] in [row.cells for row in rows]  # the shared reader takes the ' off again


def test_the_xlsx_reads_back_with_the_figures_and_the_rows_and_runs_no_formula(personas, centre, tiny_report):
    _, body = export(client_for(personas.admin), "xlsx")
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Figures", "Rows"]
    figures = [[c.value for c in row] for row in book["Figures"].iter_rows()]
    assert ["Report", "Tiny report"] == figures[0][:2]
    assert ["Learners", 3, None, "every enrolment"] in figures  # a number cell, not text
    assert ["Active share", 67, "%", "active ÷ learners"] in figures
    rows = book["Rows"]
    assert [c.value for c in rows[1]] == ["Learner", "Status"]
    cell = next(row[0] for row in rows.iter_rows(min_row=2) if row[0].value == FORMULA)
    assert cell.data_type == "s"  # stored as text: Excel shows it and never runs it


def test_the_pdf_summary_has_the_title_the_figures_and_their_formulas(personas, centre, tiny_report):
    response, body = export(client_for(personas.admin), "pdf")
    assert response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(body)).pages
    text = " ".join(page.extract_text() for page in pages)
    assert "Tiny report" in text and "North Vocational College" in text
    assert "every enrolment" in text and "Maya" in text
    assert "Active" in text and "Other" in text  # the chart's legend
    assert len(pages) == 1  # three rows, three figures and one chart fit on a page: nothing drawn page-sized


def test_an_export_is_exactly_as_filtered(personas, centre, tiny_report):
    _, body = export(client_for(personas.admin), "csv", "status=withdrawn")
    lines = body.decode("utf-8-sig").splitlines()
    assert "Learners,1,,every enrolment" in lines and "Active,0,,enrolments with the status active" in lines
    assert any(line.startswith("Filters,Enrolment status: Withdrawn") for line in lines)
    assert "Maya,active" not in lines


def test_each_export_is_an_audit_event_with_its_report_format_and_filters(personas, centre, tiny_report):
    export(client_for(personas.admin), "xlsx", "status=active")
    event = AuditEvent.objects.get(action="insights.exported")
    assert event.actor == personas.admin and event.centre_id == personas.centre.pk
    assert event.data["report"] == "tiny" and event.data["format"] == "xlsx"
    assert event.data["filters"] == "status=active" and event.data["rows"] == 2


def test_an_assessor_exports_only_their_own_caseload(personas, centre, tiny_report):
    other = make_spec(personas.centre, code="CARE")
    make_enrolment(learner(personas.centre, personas.second_assessor, first_name="Cara"), personas.second_assessor,
                   other)
    _, body = export(client_for(personas.second_assessor), "csv")
    lines = body.decode("utf-8-sig").splitlines()
    assert "Learners,1,,every enrolment" in lines and "Cara,active" in lines and "Maya,active" not in lines


def test_an_external_moderators_export_is_recorded_as_a_file_download_of_their_grant(personas, centre,
                                                                                     tiny_report):
    grant = make_grant(personas, scope="learners", learners=[personas.learner])
    _, body = export(client_for(personas.external_moderator), "csv")
    assert "Learners,1,,every enrolment" in body.decode("utf-8-sig").splitlines()
    assert AuditEvent.objects.filter(action="insights.exported", actor=personas.external_moderator).exists()
    assert AuditEvent.objects.filter(action="eqa.file_downloaded", object_id=str(grant.pk)).exists()


def test_an_unknown_format_is_not_found_and_nothing_is_recorded(personas, centre, tiny_report):
    response = client_for(personas.admin).get(reverse("insights_export", args=["tiny", "docx"]))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="insights.exported").exists()


def test_a_learner_may_not_export(personas, centre, tiny_report):
    assert client_for(personas.learner).get(reverse("insights_export", args=["tiny", "csv"])).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_real_report_exports(personas, centre, fmt):
    client = client_for(personas.admin)
    for slug in CATALOGUE:
        response = client.get(reverse("insights_export", args=[slug, fmt]))
        assert response.status_code == 200, slug
        assert b"".join(response.streaming_content)
