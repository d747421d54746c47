"""Charts drawn on the server as SVG: no script, legible on a phone, each with the same data as a table.

A report puts its chart data in `Result.charts` under one of these names (any other name with `series` and
`rows` is drawn as horizontal bars):

- ``progress`` (or ``progress_scatter``): ``{"points": [{"time_used": %, "achieved": %, "learners": n?,
  "band": str?, "label": str?}], "margin": n, "early_below": n}``, a dot per learner (or per spot where `learners`
  of them sit); the on-track band (achieved within `margin` points of time used) is shaded. The band ("off_track",
  "on_track", "ahead", "early") is worked out from the numbers when missing.
- ``achievement_by_cohort``: ``{"series": [str, ...], "rows": [{"label": str, "values": [n, ...]}]}``, one
  stacked bar per cohort (e.g. series completed, withdrawn, in learning).
- ``turnaround_by_assessor``: the same shape, one stacked bar per assessor (e.g. decisions within 5 working
  days, 6 to 10, over 10).
- ``inactivity_over_time``: ``{"series": [str], "rows": [{"label": str, "values": [n]}]}``, one column per
  period, oldest first.

Colours are presentation attributes (not style): the strict CSP allows them and WeasyPrint draws them in PDFs.
"""

import datetime
import math
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 360  # the drawing's own units: about one CSS pixel each on a phone, so 12-unit text stays legible
PALETTE = ("#0b5cab", "#1b6e3a", "#b35c00", "#a4161a", "#6b4fa0", "#4a5266")
INK, MUTED, GRID, BAND = "#1d2433", "#4a5266", "#dde2ea", "#d3ebd9"
STATE_COLOURS = {"off_track": "#a4161a", "on_track": "#1b6e3a", "ahead": "#0b5cab", "early": "#4a5266"}
SERIES_COLOURS = {"completed": "#1b6e3a", "withdrawn": "#a4161a", "in_learning": "#0b5cab",
                  "within_5": "#1b6e3a", "within_10": "#b35c00", "over_10": "#a4161a"}
TABLE_ROWS = 200  # the table under a scatter lists this many learners at most (the drill-down has them all)


@dataclass
class Chart:
    name: str
    title: str
    svg: SafeString
    columns: list[str]
    rows: list[list]
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, label)
    note: str = ""


def render_charts(charts: dict) -> list[Chart]:
    """Every chart of a report's result, drawn."""
    drawn = []
    for name, data in charts.items():
        data = normalised(name, data)
        if name in ("progress", "progress_scatter") or data.get("kind") == "scatter":
            drawn.append(progress_scatter(name, data))
        elif name in ("inactivity", "inactivity_over_time") or data.get("kind") == "columns":
            drawn.append(columns(name, data))
        else:
            drawn.append(stacked_bars(name, data))
    return drawn


def normalised(name: str, data) -> dict:
    """The shapes the reports give, read as `series` and `rows` (or the scatter's `points`):

    - a plain list of points for the scatter;
    - ``{"weeks": [{"week_ending": date, "learners": n}]}``: one column a week;
    - ``{"bands": [{"label": str, "learners": n}]}``: one bar a band;
    - ``[{"assessor": str, "bins": [{"label": str, "count": n}]}]``: one stacked bar per assessor;
    - ``[{"label": str, "<series>": n, ...}]``: one stacked bar per row, a series per number.
    """
    if isinstance(data, dict):
        if "weeks" in data:
            return {"kind": "columns", "series": [_("Learners")], "label_heading": _("Week ending"),
                    "rows": [{"label": _day(w["week_ending"]), "values": [w["learners"]]} for w in data["weeks"]]}
        if "bands" in data:
            return {"series": [_("Learners")], "label_heading": _("Band"),
                    "rows": [{"label": b["label"], "values": [b["learners"]]} for b in data["bands"]]}
        return data
    data = list(data)
    if name in ("progress", "progress_scatter"):
        return {"points": data}
    if data and "bins" in data[0]:
        return {"series": [b["label"] for b in data[0]["bins"]], "label_heading": _("Assessor"),
                "colours": scale(len(data[0]["bins"])),
                "rows": [{"label": r["assessor"], "values": [b["count"] for b in r["bins"]]} for r in data]}
    keys = [k for k, v in (data[0].items() if data else ()) if k != "label" and isinstance(v, (int, float))]
    return {"series": [series_label(k) for k in keys],
            "label_heading": _("Cohort") if name == "achievement_by_cohort" else "",
            "colours": [SERIES_COLOURS.get(k, PALETTE[i % len(PALETTE)]) for i, k in enumerate(keys)],
            "rows": [{"label": row.get("label", ""), "values": [row.get(k) or 0 for k in keys]} for row in data]}


def scale(n: int) -> list[str]:
    """`n` colours from good (green) to bad (red), for bands of a measure such as turnaround."""
    steps = ("#1b6e3a", "#6a8f1f", "#b35c00", "#a4161a", "#6b1013")
    if n >= len(steps):
        return [*steps, *PALETTE]
    return [steps[round(i * (len(steps) - 2) / max(n - 1, 1))] for i in range(n - 1)] + ["#a4161a"]


def _day(value) -> str:
    return date_format(value, "j M") if isinstance(value, datetime.date) else str(value)


def series_label(key: str) -> str:
    known = {"completed": _("Completed"), "withdrawn": _("Withdrawn"), "in_learning": _("In learning"),
             "inactive": _("Inactive"), "never_started": _("Never started"),
             "within_5": _("Within 5 working days"), "within_10": _("6 to 10 working days"),
             "over_10": _("Over 10 working days")}
    return known.get(key, key.replace("_", " ").capitalize())


def chart_title(name: str, data: dict) -> str:
    titles = {"progress_scatter": _("Progress against time"), "progress": _("Time used against achieved"),
              "achievement_by_cohort": _("Achievement by cohort"),
              "turnaround_by_assessor": _("Turnaround by assessor"),
              "inactivity_over_time": _("Inactive learners over time"),
              "inactivity": _("Inactive or never started, week by week"),
              "planned_end": _("Learners in learning by planned end date")}
    return data.get("title") or titles.get(name, name.replace("_", " ").capitalize())


# --- Progress against time: one dot per learner ---------------------------------------------------------

def point_state(time_used: float, achieved: float, margin: int, early_below: int = 25) -> str:
    if time_used < early_below:
        return "early"
    if time_used - achieved >= margin:
        return "off_track"
    if achieved - time_used >= margin:
        return "ahead"
    return "on_track"


def state_labels(early_below: int = 25) -> dict[str, str]:
    return {"off_track": _("Off track"), "on_track": _("On track"), "ahead": _("Ahead"),
            "early": _("Early (under %(n)s %% of the time used)") % {"n": early_below}}


def progress_scatter(name: str, data: dict) -> Chart:
    """Points are learners (with a "label") or places where `learners` of them sit at the same percentages."""
    margin = data.get("margin", settings.LEAP_BEHIND_SCHEDULE_MARGIN)
    early_below = data.get("early_below", 25)
    points = [{"label": p.get("label", ""), "time_used": p["time_used"] or 0, "achieved": p["achieved"] or 0,
               "learners": p.get("learners", 1),
               "state": p.get("state") or p.get("band") or point_state(p["time_used"] or 0, p["achieved"] or 0,
                                                                      margin, early_below)}
              for p in data.get("points", [])]
    left, top, size = 44, 8, WIDTH - 56
    x = lambda v: left + size * min(max(v, 0), 100) / 100  # noqa: E731
    y = lambda v: top + size - size * min(max(v, 0), 100) / 100  # noqa: E731
    band = [(0, 0), (margin, 0), (100, 100 - margin), (100, 100), (100 - margin, 100), (0, margin)]
    parts = [f'<polygon points="{" ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in band)}" fill="{BAND}"/>']
    for tick in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{x(tick):.1f}" y1="{y(0):.1f}" x2="{x(tick):.1f}" y2="{y(100):.1f}" '
                     f'stroke="{GRID}"/><line x1="{x(0):.1f}" y1="{y(tick):.1f}" x2="{x(100):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="{GRID}"/>'
                     f'<text x="{x(tick):.1f}" y="{y(0) + 16:.1f}" text-anchor="middle" font-size="12" '
                     f'fill="{MUTED}">{tick}</text><text x="{x(0) - 6:.1f}" y="{y(tick) + 4:.1f}" '
                     f'text-anchor="end" font-size="12" fill="{MUTED}">{tick}</text>')
    parts.append(f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(100)}" y2="{y(100)}" stroke="{MUTED}" '
                 f'stroke-dasharray="4 3"/>')
    # Learners at the same spot are one dot, larger the more there are: the page stays small at 10,000.
    spots = Counter()
    for p in points:
        spots[(round(p["time_used"]), round(p["achieved"]), p["state"])] += p["learners"]
    for (t, a, state), n in sorted(spots.items(), key=lambda item: -item[1]):
        radius = min(3.5 + 1.5 * (math.sqrt(n) - 1), 12)
        colour = STATE_COLOURS.get(state, INK)
        parts.append(f'<circle cx="{x(t):.1f}" cy="{y(a):.1f}" r="{radius:.1f}" '
                     f'fill="{"none" if state == "early" else colour}" fill-opacity="0.7" stroke="{colour}" '
                     f'stroke-width="1.5"><title>{t} %, {a} %: {n}</title></circle>')
    height = top + size + 40
    parts.append(f'<text x="{left + size / 2:.1f}" y="{height - 4}" text-anchor="middle" font-size="12" '
                 f'fill="{INK}">{escape(_("Time used (%)"))}</text>'
                 f'<text x="12" y="{top + size / 2:.1f}" text-anchor="middle" font-size="12" fill="{INK}" '
                 f'transform="rotate(-90 12 {top + size / 2:.1f})">{escape(_("Achieved (%)"))}</text>')
    labels = state_labels(early_below)
    title = chart_title(name, data)
    ordered = sorted(points, key=lambda p: (p["achieved"] - p["time_used"], p["label"]))[:TABLE_ROWS]
    named = any(p["label"] for p in points)
    rows = [[*([p["label"]] if named else []), _num(p["time_used"]), _num(p["achieved"]),
             *([] if named else [p["learners"]]), labels.get(p["state"], p["state"])] for p in ordered]
    counts = Counter()
    for p in points:
        counts[p["state"]] += p["learners"]
    summary = ", ".join(f"{labels[s]}: {counts[s]}" for s in labels if counts[s])
    note = _("The %(n)d points furthest behind of %(total)d; the drill-down lists every learner.") % {
        "n": TABLE_ROWS, "total": len(points)} if len(points) > TABLE_ROWS else ""
    columns = [*([_("Learner")] if named else []), _("Time used (%)"), _("Achieved (%)"),
               *([] if named else [_("Learners")]), _("State")]
    return Chart(name, title, _svg(height, "".join(parts), f"{title}. {summary}"), columns, rows,
                 legend=[(BAND, _("On-track band: achieved within %(m)d points of time used") % {"m": margin}),
                         *(("none" if s == "early" else STATE_COLOURS[s], labels[s]) for s in labels)],
                 note=note)


# --- Stacked horizontal bars: one bar per cohort, per assessor ---------------------------------------------

def stacked_bars(name: str, data: dict) -> Chart:
    series, rows = list(data.get("series", [])), list(data.get("rows", []))
    colours = data.get("colours") or PALETTE
    label_width, bar_left, row_height = 118, 122, 26
    bar_space = WIDTH - bar_left - 36
    longest = max((sum(r["values"]) for r in rows), default=0) or 1
    parts = []
    for i, row in enumerate(rows):
        top = 6 + i * row_height
        parts.append(f'<text x="{label_width}" y="{top + 15}" text-anchor="end" font-size="12" fill="{INK}">'
                     f'{escape(_shorten(str(row["label"]), 18))}</text>')
        start = bar_left
        for j, value in enumerate(row["values"]):
            width = bar_space * value / longest
            if width > 0:
                parts.append(f'<rect x="{start:.1f}" y="{top + 3}" width="{width:.1f}" height="{row_height - 8}" '
                             f'fill="{colours[j % len(colours)]}"><title>{escape(series[j] if j < len(series) else "")}'
                             f': {_num(value)}</title></rect>')
            start += width
        parts.append(f'<text x="{start + 4:.1f}" y="{top + 15}" font-size="12" fill="{INK}">'
                     f'{_num(sum(row["values"]))}</text>')
    height = 12 + max(len(rows), 1) * row_height
    if not rows:
        parts.append(f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="12" fill="{MUTED}">'
                     f'{escape(_("Nothing to show for these filters."))}</text>')
    title = chart_title(name, data)
    table = [[row["label"], *(_num(v) for v in row["values"]), _num(sum(row["values"]))] for row in rows]
    return Chart(name, title, _svg(height, "".join(parts), title),
                 [data.get("label_heading") or "", *series, _("Total")], table,
                 legend=[(colours[j % len(colours)], s) for j, s in enumerate(series)])


# --- Columns over time ------------------------------------------------------------------------------------

def columns(name: str, data: dict) -> Chart:
    series, rows = list(data.get("series", [])), list(data.get("rows", []))
    colours = data.get("colours") or PALETTE
    left, top, plot_height = 34, 16, 170
    plot_width = WIDTH - left - 8
    highest = max((sum(r["values"]) for r in rows), default=0) or 1
    step = plot_width / max(len(rows), 1)
    bar = max(step * 0.7, 2)
    scale = _nice(highest)
    parts = []
    for tick in (0, scale / 2, scale):
        ty = top + plot_height - plot_height * tick / scale
        parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{WIDTH - 8}" y2="{ty:.1f}" stroke="{GRID}"/>'
                     f'<text x="{left - 4}" y="{ty + 4:.1f}" text-anchor="end" font-size="12" fill="{MUTED}">'
                     f'{_num(tick)}</text>')
    every = max(1, math.ceil(len(rows) / 6))  # at most six labels along the bottom: they stay readable
    for i, row in enumerate(rows):
        cx, base = left + step * i + (step - bar) / 2, top + plot_height
        for j, value in enumerate(row["values"]):
            h = plot_height * value / scale
            base -= h
            if h > 0:
                parts.append(f'<rect x="{cx:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                             f'fill="{colours[j % len(colours)]}"><title>{escape(str(row["label"]))}: '
                             f'{_num(value)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{cx + bar / 2:.1f}" y="{top + plot_height + 16}" text-anchor="middle" '
                         f'font-size="12" fill="{MUTED}">{escape(str(row["label"]))}</text>')
    title = chart_title(name, data)
    table = [[row["label"], *(_num(v) for v in row["values"])] for row in rows]
    return Chart(name, title, _svg(top + plot_height + 26, "".join(parts), title),
                 [data.get("label_heading") or _("Period"), *series], table,
                 legend=[(colours[j % len(colours)], s) for j, s in enumerate(series)] if len(series) > 1 else [])


# --- Helpers ----------------------------------------------------------------------------------------------

def _svg(height: float, body: str, label: str) -> SafeString:
    return mark_safe(  # every piece of text in `body` went through escape()
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(label)}" font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f'{body}</svg>')


def _shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


def _nice(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k at or above `value`: the top of a column chart's axis."""
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _num(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value)) if isinstance(value, float) else str(value)
