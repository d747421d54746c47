"""The letter answering an erasure request: a PDF in the centre's colours, addressed to the person by the name held
at the time of the request, listing what was erased, what is kept, why and until when. Rendered like certificates
(WeasyPrint; the logo inlined; nothing else fetched)."""

import datetime

from django.template.loader import render_to_string
from django.utils import translation

from accounts.models import User
from badges.certificates.pdf import DEFAULT_ACCENT, DEFAULT_BRAND, _inline_only, logo_data_uri, safe_colour

from .erasure import grouped
from .models import DataRequest


def letter_html(*, request: DataRequest, rows: list, name: str, handled_by: User, on: datetime.date) -> str:
    centre, rows = request.centre, grouped(rows)
    context = {
        "request": request, "centre": centre, "name": name, "on": on,
        "erased": [r for r in rows if r.erase], "kept": [r for r in rows if not r.erase],
        "handled_by": handled_by,
        "brand": safe_colour(centre.brand_colour, DEFAULT_BRAND), "accent": safe_colour(centre.accent_colour,
                                                                                        DEFAULT_ACCENT),
        "logo": logo_data_uri(centre),
    }
    with translation.override(getattr(request.subject, "language", None)):
        return render_to_string("records/gdpr/letter_pdf.html", context)


def letter_pdf_bytes(**kwargs) -> bytes:
    import weasyprint  # imported here: it is slow to load and only rendering needs it

    return weasyprint.HTML(string=letter_html(**kwargs), url_fetcher=_inline_only).write_pdf()
