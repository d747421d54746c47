"""A certificate as a PDF: HTML drawn from the certificate's content, rendered by WeasyPrint.

Everything the page needs (the centre's logo, the QR code) is inlined as a data URI, and the renderer fetches
nothing else: text a centre or learner typed can never make the server open a URL or a file.
"""

import base64
import re

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string
from django.utils import translation

from badges.certificates.selectors import certificate_status, certificate_verification_url
from badges.models import Certificate
from centres.models import Centre
from portfolios.evidence.files.png import PNG_SIGNATURE

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
DEFAULT_BRAND, DEFAULT_ACCENT = "#0B5CAB", "#F5B400"
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_TYPES = {PNG_SIGNATURE: "image/png", b"\xff\xd8\xff": "image/jpeg"}


def qr_svg(payload: str) -> bytes:
    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage, border=2,
                        error_correction=qrcode.constants.ERROR_CORRECT_M)
    return image.to_string()


def data_uri(body: bytes, mime_type: str) -> str:
    return f"data:{mime_type};base64,{base64.b64encode(body).decode('ascii')}"


def safe_colour(value: str, default: str) -> str:
    """A colour goes into CSS: only a plain hex colour is let through."""
    return value if HEX_COLOUR.match(value or "") else default


def logo_data_uri(centre: Centre) -> str | None:
    """The centre's logo read through the storage (disk or S3), if it has one and it is a PNG or JPEG."""
    logo = centre.logo
    if not logo or not logo.storage.exists(logo.name):
        return None
    with logo.storage.open(logo.name, "rb") as handle:
        body = handle.read(LOGO_MAX_BYTES + 1)
    mime_type = next((m for magic, m in LOGO_TYPES.items() if body.startswith(magic)), None)
    if mime_type is None or len(body) > LOGO_MAX_BYTES:
        return None
    return data_uri(body, mime_type)


def certificate_pdf_context(certificate: Certificate) -> dict:
    centre = certificate.centre
    verification_url = certificate_verification_url(certificate)
    return {
        "certificate": certificate,
        "content": certificate.content,
        "status": certificate_status(certificate),
        "brand": safe_colour(centre.brand_colour, DEFAULT_BRAND),
        "accent": safe_colour(centre.accent_colour, DEFAULT_ACCENT),
        "logo": logo_data_uri(centre),
        "qr_payload": verification_url,
        "qr": data_uri(qr_svg(verification_url), "image/svg+xml"),
        "verification_url": verification_url,
    }


def certificate_html(certificate: Certificate) -> str:
    with translation.override(getattr(certificate.recipient, "language", None)):
        return render_to_string("badges/certificate_pdf.html", certificate_pdf_context(certificate))


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    import weasyprint  # imported here: it is slow to load and only rendering needs it

    return weasyprint.HTML(string=certificate_html(certificate), url_fetcher=_inline_only).write_pdf()


def _inline_only(url: str, *args, **kwargs):
    import weasyprint

    if url.startswith("data:"):
        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"not fetched: {url}")
