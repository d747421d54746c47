"""LEAP's interface vocabulary for templates: icons from the vendored Lucide set and status badges.

    {% load leap_ui %}
    {% icon "inbox" %}                          decorative: hidden from assistive technology
    {% icon "lock" label=_("Locked") %}         meaningful on its own: announced as an image
    {% status "behind" _("Behind schedule") %}  word + colour + icon, never colour alone
    {% status "done" _("Valid") css="badge-pill valid" %}  with classes of its own
    {% icon evidence_file.content_type|file_icon %}

Icons are inlined (no extra request, styled by `currentColor`, allowed by the strict CSP: presentation
attributes, no style attribute). The SVG files live in `static/icons/lucide/` (ISC licence, see LICENSE there);
an unknown name is a template error in tests rather than a silent blank.
"""

import re
from functools import cache
from pathlib import Path

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

ICON_DIR = Path(settings.BASE_DIR) / "static" / "icons" / "lucide"
_INNER = re.compile(r"<svg[^>]*>(?P<inner>.*)</svg>", re.S)

# Each status kind: the icon it carries and the colour class (`status-<tone>` in leap.css).
STATUS_KINDS: dict[str, tuple[str, str]] = {
    "not_started": ("circle-dashed", "neutral"),
    "in_progress": ("circle-dot", "info"),
    "waiting": ("hourglass", "info"),
    "submitted": ("hourglass", "info"),
    "returned": ("rotate-ccw", "warn"),
    "reopened": ("lock-open", "warn"),
    "behind": ("triangle-alert", "warn"),
    "at_risk": ("triangle-alert", "danger"),
    "overdue": ("clock", "danger"),
    "refused": ("circle-x", "danger"),
    "error": ("circle-alert", "danger"),
    "done": ("circle-check", "ok"),
    "met": ("circle-check", "ok"),
    "on_track": ("circle-check", "ok"),
    "locked": ("lock", "ok"),
    "paused": ("circle-pause", "neutral"),
    "withdrawn": ("ban", "neutral"),
    "draft": ("pencil", "neutral"),
    "info": ("info", "info"),
    # The stored status values of LEAP's models, so a template can pass `obj.status` straight in.
    "accepted": ("circle-check", "ok"),
    "active": ("circle-dot", "info"),
    "on_break": ("circle-pause", "neutral"),
    "completed": ("circle-check", "ok"),
    "awaiting": ("hourglass", "info"),
    "agreed": ("circle-check", "ok"),
    "superseded": ("history", "neutral"),
    "published": ("circle-check", "ok"),
    "approved": ("circle-check", "ok"),
    "retired": ("ban", "neutral"),
    "started": ("circle-dot", "info"),
    "awaiting_second": ("hourglass", "info"),
    "signed": ("circle-check", "ok"),
    "acknowledged": ("circle-check", "ok"),
    "open": ("circle-dot", "warn"),
    "closed": ("circle-check", "ok"),
    "scheduled": ("calendar", "info"),
    "recorded": ("circle-check", "ok"),
    "cancelled": ("ban", "neutral"),
}


@cache
def _icon_body(name: str) -> str:
    path = ICON_DIR / f"{name}.svg"
    if not re.fullmatch(r"[a-z0-9-]+", name) or not path.is_file():
        raise template.TemplateSyntaxError(f"No icon named {name!r} in {ICON_DIR}")
    match = _INNER.search(path.read_text(encoding="utf-8"))
    return re.sub(r"\s*\n\s*", "", match.group("inner")) if match else ""


def render_icon(name: str, *, label: str = "", css: str = "") -> str:
    classes = f"icon icon-{name} {css}".strip()
    a11y = format_html('role="img" aria-label="{}"', label) if label else 'aria-hidden="true"'
    return mark_safe(  # noqa: S308 - the body comes from our vendored files; the label is escaped above
        f'<svg class="{classes}" {a11y} focusable="false" xmlns="http://www.w3.org/2000/svg" width="24" height="24" '
        f'viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{_icon_body(name)}</svg>'
    )


@register.simple_tag
def icon(name: str, label: str = "", css: str = "") -> str:
    return render_icon(name, label=label, css=css)


@register.simple_tag
def status(kind: str, text: str, css: str = "") -> str:
    """A status badge: always the word, with its colour and icon as reinforcement (`css`: extra classes)."""
    icon_name, tone = STATUS_KINDS.get(kind, ("info", "neutral"))
    return format_html(
        '<span class="status status-{} status-kind-{}{}">{}<span class="status-text">{}</span></span>',
        tone,
        kind,
        f" {css}" if css else "",
        render_icon(icon_name),
        text,
    )


@register.simple_tag
def nav_link(item, tab: bool = False) -> str:
    """One place of the navigation (`leap.navigation.NavItem`): in the top bar and menu with its full label, in the
    learner's tab bar (`tab=True`) with its short one. Drawn here rather than by an included template: it is on
    every page, many times; the link's icon and label are drawn once per process for each language."""
    href, inside = _nav_link_parts(item, tab)
    current = ' aria-current="page"' if item.current else ""
    count = item.count() if item.count else 0
    badge = format_html('{}<span class="nav-count">{}<span class="visually-hidden"> {}</span></span>',
                        "" if tab else " ", count, item.count_label) if count else ""
    return mark_safe(f"{href}{current}>{inside}{badge}</a>")  # noqa: S308 - escaped by _nav_link_parts


def _nav_link_parts(item, tab: bool) -> tuple[str, str]:
    """The link's opening (`<a href="...`) and what follows the tag (icon and label), escaped, kept on the place."""
    key = (get_language(), tab)
    parts = item.drawn.get(key)
    if parts is None:
        label = format_html("<span>{}</span>", item.short_label) if tab else format_html(
            '<span class="nav-label">{}</span>', item.label)
        parts = item.drawn[key] = (format_html('<a href="{}"', item.url), render_icon(item.icon) + label)
    return parts


@register.filter
def file_icon(content_type_or_name: str) -> str:
    """The icon name for a file, from its content type (or, failing that, its name)."""
    value = (content_type_or_name or "").lower()
    if value.startswith("image/") or value.endswith((".jpg", ".jpeg", ".png", ".heic", ".webp", ".gif")):
        return "file-image"
    if value.startswith("audio/") or value.endswith((".mp3", ".m4a", ".wav", ".ogg", ".webm")):
        return "file-audio"
    if value.startswith("video/") or value.endswith((".mp4", ".mov")):
        return "file-video"
    if "spreadsheet" in value or "excel" in value or value.endswith((".xlsx", ".csv", ".ods")):
        return "file-spreadsheet"
    if "zip" in value or value.endswith(".zip"):
        return "file-archive"
    if value.startswith("text/") or "pdf" in value or "word" in value or value.endswith((".pdf", ".docx", ".txt")):
        return "file-text"
    return "file"
