"""A report exactly as filtered, as a file: CSV, XLSX or a PDF summary.

Each file holds the same things in the same order: the report's title, centre, date and filters; the figures with
their formulas; the report's table. The CSV and XLSX cells a spreadsheet would run as a formula are written as
plain text (CSV through centres.csv_files, XLSX as typed string cells).
"""

import datetime
import io
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from centres.csv_files import csv_table
from centres.models import Centre

from .charts import render_charts
from .reports.base import Figure, Report, Result

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}
PDF_TABLE_ROWS = 500  # a summary: the CSV and XLSX carry every row


@dataclass(frozen=True)
class ExportContext:
    report: Report
    result: Result
    centre: Centre
    today: datetime.date
    filters: list[tuple[str, str]]  # (label, value) of the filters in effect


def export_filename(context: ExportContext, fmt: str) -> str:
    return f"{context.report.slug}-{slugify(context.centre.name) or 'centre'}-{context.today:%Y-%m-%d}.{fmt}"


def figure_parts(figure: Figure) -> tuple[str, str]:
    """The value as shown ("—" with nothing to divide by), and its unit in words ("" for a count or a %)."""
    if figure.value is None:
        return "—", ""
    value = f"{figure.value:.1f}" if isinstance(figure.value, float) and not figure.value.is_integer() else (
        str(int(figure.value)) if isinstance(figure.value, float) else str(figure.value))
    if figure.unit in ("", "%"):
        return value + figure.unit, ""
    return value, _("days") if figure.unit == "days" else str(figure.unit)


def figure_text(figure: Figure) -> str:
    value, unit = figure_parts(figure)
    return f"{value} {unit}" if unit else value


def export_bytes(context: ExportContext, fmt: str) -> bytes:
    return {"csv": export_csv, "xlsx": export_xlsx, "pdf": export_pdf}[fmt](context)


def _heading_rows(context: ExportContext) -> list[list]:
    return [[_("Report"), str(context.report.title)], [_("Centre"), context.centre.name],
            [_("Date"), context.today.isoformat()],
            [_("Filters"), "; ".join(f"{label}: {value}" for label, value in context.filters) or _("none")]]


def _figure_rows(context: ExportContext) -> list[list]:
    return [[_("Figure"), _("Value"), _("Unit"), _("How it is counted")],
            *([str(f.label), f.value if f.value is not None else "", f.unit, str(f.formula)]
              for f in context.result.figures)]


def _table_rows(context: ExportContext) -> list[list]:
    result = context.result
    return [[str(c) for c in result.columns], *([_cell(v) for v in row] for row in result.rows)] if (
        result.columns) else []


def export_csv(context: ExportContext) -> bytes:
    """One sheet of text: the heading, a blank line, the figures, a blank line, the table."""
    table = _table_rows(context)
    return csv_table([*_heading_rows(context), [], *_figure_rows(context), *([[], *table] if table else [])])


def export_xlsx(context: ExportContext) -> bytes:
    """Two worksheets: "Figures" (the heading and the figures) and "Rows" (the table)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    figures = book.active
    figures.title = _("Figures")[:31]
    for row in [*_heading_rows(context), [], *_figure_rows(context)]:
        _append(figures, row)
    bold = Font(bold=True)
    for cell in figures[len(_heading_rows(context)) + 2]:
        cell.font = bold
    figures.column_dimensions["A"].width, figures.column_dimensions["D"].width = 36, 90
    rows = book.create_sheet(_("Rows")[:31])
    for row in _table_rows(context):
        _append(rows, row)
    for cell in rows[1] if rows.max_row and context.result.columns else []:
        cell.font = bold
    rows.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export_pdf(context: ExportContext) -> bytes:
    import weasyprint  # slow to load; only rendering needs it

    result = context.result
    html = render_to_string("insights/report_pdf.html", {
        "report": context.report, "centre": context.centre, "today": context.today, "filters": context.filters,
        "figures": [(f, figure_text(f)) for f in result.figures], "charts": render_charts(result.charts),
        "columns": result.columns, "rows": [[_cell(v) for v in row] for row in result.rows[:PDF_TABLE_ROWS]],
        "more_rows": max(len(result.rows) - PDF_TABLE_ROWS, 0)})
    return weasyprint.HTML(string=html, url_fetcher=_inline_only).write_pdf()


def _inline_only(url: str, *args, **kwargs):
    """The renderer fetches nothing: the charts are inline SVG, and no text a person typed may open a URL."""
    import weasyprint

    if url.startswith("data:"):
        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"not fetched: {url}")


def _cell(value):
    if isinstance(value, (int, float, datetime.date)) or value is None:
        return value if value is not None else ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def _append(sheet, values: list) -> None:
    """A row of typed cells; text is always a string cell, so "=..." is shown, never run as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    sheet.append([None] * len(values) if values else [])
    row = sheet.max_row
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell.data_type = "s"
        elif isinstance(value, datetime.datetime):
            cell.value = value.replace(tzinfo=None)
        else:
            cell.value = value
