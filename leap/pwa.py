"""The installable web app and centre colours: the web app manifest and a centre's brand stylesheet.

Both are public (a centre's name and colour are on its public badge pages anyway) and cacheable. The colour
reaches pages as a stylesheet, not a style attribute, because the CSP allows no inline style. A colour that
white text cannot be read on (under 4.5:1, which the centre's forms refuse, but older data may hold) falls back to
LEAP's own blue; one under 5:1 gives links its darker shade, so they still reach 4.5:1 on the light grey page.
"""

import json
import re

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from accounts.access import public
from centres.branding import MIN_CONTRAST_WITH_WHITE, contrast_with_white
from centres.models import Centre

DEFAULT_COLOUR = "#0b5cab"
DEFAULT_BACKGROUND = "#f4f5f7"
HEX = re.compile(r"#[0-9a-fA-F]{6}")


def header_colour(centre: Centre | None) -> str:
    """The centre's main colour where white text on it reaches 4.5:1, else LEAP's default."""
    colour = (centre.brand_colour if centre else "") or ""
    if HEX.fullmatch(colour) and contrast_with_white(colour) >= MIN_CONTRAST_WITH_WHITE:
        return colour.lower()
    return DEFAULT_COLOUR


def _darker(colour: str, factor: float = 0.75) -> str:
    r, g, b = (int(int(colour[i:i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


@public
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """LEAP's web app manifest; `?centre=<slug>` gives that centre's name and colour."""
    centre = None
    if slug := request.GET.get("centre"):
        centre = Centre.objects.filter(slug=slug).only("name", "brand_colour").first()
        if centre is None:
            raise Http404
    colour = header_colour(centre)
    data = {
        "id": "/",
        "name": centre.name if centre else "LEAP",
        "short_name": (centre.name if centre and len(centre.name) <= 12 else "LEAP"),
        "description": "LEAP e-portfolio: evidence, assessment, moderation and badges",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": colour,
        "background_color": DEFAULT_BACKGROUND,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": static("icons/favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = HttpResponse(json.dumps(data, indent=1), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@public
@require_GET
def brand_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The centre's colours as CSS custom properties, linked from every page of the centre."""
    centre = get_object_or_404(Centre.objects.only("brand_colour"), slug=slug)
    colour = header_colour(centre)
    css = f":root {{ --brand: {colour}; --brand-dark: {_darker(colour)}; }}\n"
    if contrast_with_white(colour) < 5:
        css += "a, button.link { color: var(--brand-dark); }\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"  # the link carries the colour, so a change is a new URL
    return response
