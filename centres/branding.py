"""A centre's branding where people see it: the colour and logo in the header and in emails, checked on the way in.

The main colour carries white text (the header bar, an email's button), so it must reach WCAG AA contrast with
white: 4.5:1. Logos are PNG or JPEG only (an SVG can carry script), at most 1 MB, and must open as an image.
"""

import hashlib
import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
MIN_CONTRAST_WITH_WHITE = 4.5
LOGO_MAX_BYTES = 1024 * 1024
LOGO_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg")}
DARK_TEXT = "#1D2433"


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #RRGGBB colour."""
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(colour: str) -> float:
    """(L_white + 0.05) ÷ (L_colour + 0.05), from 1 (white) to 21 (black)."""
    return 1.05 / (_luminance(colour) + 0.05)


def validate_brand_colour(value: str) -> None:
    if not HEX_COLOUR.match(value or ""):
        raise ValidationError(_("Give a colour as #RRGGBB."), code="invalid")
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST_WITH_WHITE:
        raise ValidationError(
            _("White text on %(colour)s has a contrast of %(ratio).1f:1; it needs at least 4.5:1. Choose a darker "
              "colour.") % {"colour": value.upper(), "ratio": ratio}, code="low_contrast")


def logo_format(upload) -> str:
    """The image format of an uploaded logo ("PNG" or "JPEG"), or ValidationError saying what is wrong with it."""
    from PIL import Image

    if upload.size > LOGO_MAX_BYTES:
        raise ValidationError(_("The logo is larger than 1 MB."), code="too_large")
    try:
        with Image.open(upload) as image:
            image.verify()
            found = image.format
    except (OSError, SyntaxError, ValueError) as error:
        raise ValidationError(_("The logo must be a PNG or JPEG image."), code="not_an_image") from error
    finally:
        upload.seek(0)
    if found not in LOGO_FORMATS:
        raise ValidationError(_("The logo must be a PNG or JPEG image."), code="wrong_type")
    return found


def logo_file_name(image_format: str) -> str:
    return f"logo.{LOGO_FORMATS[image_format][0]}"


def logo_version(centre) -> str:
    """Changes whenever the logo does, so that its URL can be cached for a long time."""
    return hashlib.sha256(centre.logo.name.encode()).hexdigest()[:12]


def logo_url(centre, *, absolute: bool = False) -> str | None:
    """The public address of the centre's logo, or None when it has none. Built from the row alone: no query."""
    if not centre.logo:
        return None
    path = f"{reverse('centre_logo', args=[centre.pk])}?v={logo_version(centre)}"
    return f"{settings.SITE_URL}{path}" if absolute else path


def text_colour_on(colour: str) -> str:
    """White where it reads well on the colour (every colour saved since the check), else dark text."""
    return "#FFFFFF" if contrast_with_white(colour) >= MIN_CONTRAST_WITH_WHITE else DARK_TEXT


def centre_brand(centre, *, absolute: bool = False) -> dict | None:
    """Name, main colour, the text colour to put on it and the logo URL of a centre, for headers and emails."""
    if centre is None:
        return None
    colour = centre.brand_colour.upper() if HEX_COLOUR.match(centre.brand_colour or "") else "#0B5CAB"
    return {"name": centre.name, "colour": colour, "text_colour": text_colour_on(colour),
            "logo_url": logo_url(centre, absolute=absolute)}


def email_brand(centre) -> dict:
    """What an email stores of its centre (`notifications.branding`): the brand, with absolute URLs, and the
    language to write to an address that has no account yet."""
    return {**centre_brand(centre, absolute=True), "language": centre.main_language}


def only_centre_of(user):
    """The one centre a person has current roles in, or None (none, or several: no centre speaks for them all)."""
    from .models import Centre, Membership

    centres = list(Centre.objects.filter(pk__in=Membership.objects.current().filter(user=user).values("centre"))[:2])
    return centres[0] if len(centres) == 1 else None


class LogoField(forms.FileField):
    """A logo upload, optional: PNG or JPEG, at most 1 MB, that opens as an image (see `logo_format`)."""

    def __init__(self, *, widget=None, **kwargs):
        kwargs.setdefault("label", _lazy("Logo (PNG or JPEG, up to 1 MB)"))
        kwargs.setdefault("required", False)
        super().__init__(widget=widget or forms.FileInput(attrs={"accept": "image/png,image/jpeg"}), **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        logo_format(upload)
        return upload
