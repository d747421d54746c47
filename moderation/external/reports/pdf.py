"""An EQA report as a PDF, rendered by WeasyPrint from `moderation/eqa/report_pdf.html`.

The renderer fetches nothing: no URL or file named in text the EQA or the centre typed is ever opened.
"""

from django.template.loader import render_to_string
from django.utils import translation

from .models import EqaReport
from .selectors import report_figures


def report_html(report: EqaReport) -> str:
    with translation.override(getattr(report.author, "language", None)):
        return render_to_string("moderation/eqa/report_pdf.html", {
            "report": report, "figures": report_figures(report), "centre": report.centre,
            "sanction_qualifications": list(report.sanction_qualifications.all())})


def report_pdf_bytes(report: EqaReport) -> bytes:
    import weasyprint  # imported here: it is slow to load and only rendering needs it

    return weasyprint.HTML(string=report_html(report), url_fetcher=_fetch_nothing).write_pdf()


def _fetch_nothing(url: str, *args, **kwargs):
    raise ValueError(f"not fetched: {url}")
