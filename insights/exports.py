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
    """Two worksheets: "Figures" (the heading and the figures) and "Rows" (the table). Written in openpyxl's
    write-only mode, row by row to the file, so 10,000 rows take a second or so rather than building every cell
    of the sheet in memory first."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    figures = book.create_sheet(_("Figures")[:31])
    figures.column_dimensions["A"].width, figures.column_dimensions["D"].width = 36, 90
    bold = Font(bold=True)
    heading = _heading_rows(context)
    for row in [*heading, []]:
        figures.append(_cells(figures, row))
    figure_rows = _figure_rows(context)
    figures.append(_cells(figures, figure_rows[0], font=bold))
    for row in figure_rows[1:]:
        figures.append(_cells(figures, row))
    rows = book.create_sheet(_("Rows")[:31])
    rows.freeze_panes = "A2"
    table = _table_rows(context)
    for number, row in enumerate(table):
        rows.append(_cells(rows, row, font=bold if number == 0 else None))
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


def _cells(sheet, values: list, font=None) -> list:
    """A row of typed values; text is always a string cell, so "=..." is shown, never run as a formula. Plain
    values are cheapest in write-only mode; a cell object only where one is needed: text openpyxl would otherwise
    take for a formula, and a styled (`font`) row."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cells = []
    for value in values:
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        elif isinstance(value, datetime.datetime):
            value = value.replace(tzinfo=None)
        if font is not None or (isinstance(value, str) and value.startswith("=")):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            if font is not None:
                cell.font = font
            value = cell
        cells.append(value)
    return cells
