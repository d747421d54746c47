"""Badge images: checking an uploaded PNG, or drawing one in the centre's colours.

A generated image tells at a glance what kind of badge it is: formal badges (units and qualifications,
summatively assessed) are hexagons; non-formal ones (participation, skills, events) are round medallions
on a ribbon. Corners stay transparent in both.
"""

import io
import math
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, ImageColor, ImageDraw, ImageFont, UnidentifiedImageError

from centres.services import ServiceError

SIZE = 600
MIN_SIDE = 256
MAX_BYTES = 2 * 1024 * 1024
MAX_ASPECT = 1.1  # "square-ish": the longer side at most 10% longer than the shorter
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
WHITE, INK = (255, 255, 255), (17, 24, 39)
DEFAULT_BRAND, DEFAULT_ACCENT = (11, 92, 171), (245, 180, 0)


class BadgeImageError(ServiceError):
    pass


def badge_png_validate(data: bytes) -> bytes:
    """An uploaded badge image: a real PNG, at least 256 px a side, about square, at most 2 MB."""
    if len(data) > MAX_BYTES:
        raise BadgeImageError(_("The image is larger than 2 MB."))
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise BadgeImageError(_("The image is not a PNG file.")) from error
    if kind != "PNG":
        raise BadgeImageError(_("The image is not a PNG file."))
    if min(width, height) < MIN_SIDE:
        raise BadgeImageError(_("The image must be at least %(n)s pixels wide and high.") % {"n": MIN_SIDE})
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise BadgeImageError(_("The image must be (about) square."))
    return data


def badge_png_generate(*, name: str, formal: bool, brand_colour: str, accent_colour: str, label: str = "") -> bytes:
    """A 600×600 PNG: the shape by kind, filled with the brand colour, edged with the accent, the name on it."""
    fill, edge = _rgb(brand_colour, DEFAULT_BRAND), _rgb(accent_colour, DEFAULT_ACCENT)
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if formal:
        _hexagon(draw, fill, edge)
        text_box = (140, 170, 460, 450)
    else:
        _medallion(draw, fill, edge)
        text_box = (150, 130, 450, 380)
    ink = readable_ink(fill)
    if label:
        small = _font(24)
        width = draw.textlength(label.upper(), font=small)
        draw.text(((SIZE - width) / 2, text_box[1] - 45), label.upper(), font=small, fill=ink)
    _draw_wrapped(draw, name, text_box, ink)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _hexagon(draw: ImageDraw.ImageDraw, fill, edge) -> None:
    centre = SIZE / 2
    for radius, colour in ((295, edge), (265, fill)):
        points = [(centre + radius * math.cos(math.radians(a)), centre + radius * math.sin(math.radians(a)))
                  for a in range(-90, 270, 60)]
        draw.polygon(points, fill=colour)
    inner = [(centre + 245 * math.cos(math.radians(a)), centre + 245 * math.sin(math.radians(a)))
             for a in range(-90, 270, 60)]
    draw.polygon(inner, outline=edge, width=4)


def _medallion(draw: ImageDraw.ImageDraw, fill, edge) -> None:
    cx, cy = SIZE / 2, 255
    # Two ribbon tails, notched at the ends, behind the medallion.
    for x in (215, 385):
        draw.polygon([(x - 55, 380), (x + 55, 380), (x + 55, 590), (x, 550), (x - 55, 590)], fill=edge)
    for radius, colour in ((235, edge), (210, fill)):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=colour)
    draw.ellipse((cx - 192, cy - 192, cx + 192, cy + 192), outline=edge, width=4)


def _draw_wrapped(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int], ink) -> None:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    for size in (54, 48, 42, 36, 32, 28, 24, 20):
        font = _font(size)
        lines = _wrap(draw, text, font, width)
        line_height = size * 1.2
        if lines and len(lines) * line_height <= height:
            break
    lines = lines[: max(1, int(height // line_height))]
    y = top + (height - len(lines) * line_height) / 2
    for line in lines:
        line_width = draw.textlength(line, font=font)
        draw.text((left + (width - line_width) / 2, y), line, font=font, fill=ink)
        y += line_height


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    return wrap_text(text, lambda line: draw.textlength(line, font=font) <= width)


def wrap_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Lines of `text`, each one that `fits`, broken at spaces or just after a hyphen where possible.

    A hyphen at a break shows once, at the end of the first line ("(BARISTA-" then "SC)", never "-SC)"). Only
    a part too long for any line is cut, and the cut is marked with a hyphen of its own.
    """
    lines: list[str] = []
    for word in text.split():
        for n, part in enumerate(_hyphen_parts(word)):
            joined = f"{lines[-1]}{'' if n else ' '}{part}" if lines else part
            if lines and fits(joined):
                lines[-1] = joined
                continue
            while not fits(part) and len(part) > 1:
                cut = len(part) - 1
                while cut > 1 and not fits(part[:cut] + "-"):
                    cut -= 1
                lines.append(part[:cut] + "-")
                part = part[cut:]
            lines.append(part)
    return lines


def _hyphen_parts(word: str) -> list[str]:
    """'(BARISTA-SC)' -> ['(BARISTA-', 'SC)']: a word may break after each of its hyphens."""
    return re.findall(r"[^-]*-+|[^-]+$", word) or [word]


@lru_cache(maxsize=32)
def _font(size: int):
    path = FONT_DIR / "DejaVuSans-Bold.ttf"
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _rgb(colour: str, default: tuple[int, int, int]) -> tuple[int, int, int]:
    try:
        return ImageColor.getrgb(colour)[:3]
    except (ValueError, AttributeError):
        return default


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_ink(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """White or near-black, whichever reads better on the background."""
    return max((WHITE, INK), key=lambda ink: contrast_ratio(ink, background))
