"""The rows of the long tables (the caseload, the assessor's queue), drawn in Python rather than by a template per
cell: a page holds up to fifty rows of seven cells, and each cell's label, status badge and link pattern is the
same for every row, so each is made once per table.

    {% load leap_tables %}
    {% caseload_rows page whole_centre %}
    {% queue_rows rows own %}
"""

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.defaultfilters import date as date_format
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .leap_ui import file_icon, render_icon, status

register = template.Library()

_BEHIND = ' class="behind"'
_PK = 2_147_483_647  # a pk no row has: reversed once, then replaced by each row's


def _url_pattern(name: str) -> str:
    """`name`'s URL with `{}` where the pk goes, reversed once for every row of a table."""
    return conditional_escape(reverse(name, args=[_PK])).replace(str(_PK), "{}")


def _text(value) -> str:
    """A value as a template prints it (localized, escaped)."""
    return conditional_escape(localize(value))


@register.simple_tag
def caseload_rows(rows, whole_centre: bool) -> SafeString:
    """The caseload table's rows (`portfolios.enrolments.selectors.CaseloadRow`), or the row saying none match."""
    rows = list(rows)
    if not rows:
        return format_html('<tr><td colspan="7">{}</td></tr>', _("No enrolments match."))
    link = _url_pattern("enrolment_detail")
    labels = {key: conditional_escape(label) for key, label in (
        ("qualification", _("Qualification")), ("assessor", _("Assessor")), ("progress", _("Progress")),
        ("days_left", _("Days left")), ("last_activity", _("Last activity")), ("status", _("Status")))}
    behind = " " + status("behind", _("Behind schedule"))
    badges: dict[str, str] = {}
    html = []
    for r in rows:
        badge = badges.get(r.status)
        if badge is None:
            badge = badges[r.status] = status(r.status_kind, r.status_label)
        assessor = ""
        if whole_centre:
            assessor = f'<td data-label="{labels["assessor"]}">{conditional_escape(r.assessor_name)}</td>'
        over = r.schedule.days_over
        days = conditional_escape(ngettext("%(n)s day past the planned end", "%(n)s days past the planned end", over)
                                  % {"n": localize(over)}) if over else _text(r.schedule.days_left)
        html.append(
            f'<tr{_BEHIND if r.schedule.behind else ""}>'
            f'<td class="primary"><a href="{link.format(r.pk)}">{conditional_escape(r.learner_name)}'
            f'</a></td><td data-label="{labels["qualification"]}">'
            f'{conditional_escape(r.qualification_code)}</td>{assessor}'
            f'<td data-label="{labels["progress"]}">{_text(r.percent)}%</td>'
            f'<td data-label="{labels["days_left"]}">{days}</td>'
            f'<td data-label="{labels["last_activity"]}">{_text(naturaltime(r.last_activity_at))}</td>'
            f'<td class="caseload-status" data-label="{labels["status"]}">{badge}'
            f'{behind if r.schedule.behind else ""}</td></tr>')
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped


@register.simple_tag
def queue_rows(rows, own: bool) -> SafeString:
    """The queue table's rows (`assessment.queue_selectors.QueueRow`); nothing when there are none."""
    link = _url_pattern("review_detail")
    labels = {key: conditional_escape(label) for key, label in (
        ("evidence", _("Evidence")), ("units", _("Units")), ("files", _("Files")), ("submitted", _("Submitted")),
        ("waited", _("Waited")))}
    untitled, text_only = _("Untitled evidence"), conditional_escape(_("Text only"))
    resubmission, started = status("returned", _("Resubmission")), status("in_progress", _("Review started"))
    overdue, waiting = status("overdue", _("Overdue")), status("waiting", _("Waiting"))
    action = conditional_escape(_("Review") if own else _("View"))
    button = "button small primary" if own else "button small"
    html = []
    file_spans: dict[tuple, str] = {}  # the same kinds and counts draw the same markup: drawn once per table
    for row in rows:
        e = row.evidence
        flags = ""
        if e.resubmission or e.review_started_at:
            flags = (f'<span class="queue-flags">{resubmission if e.resubmission else ""}'
                     f'{started if e.review_started_at else ""}</span>')
        drawn = tuple((kind.content_type, kind.text) for kind in row.file_kinds)
        files = file_spans.get(drawn)
        if files is None:
            files = file_spans[drawn] = format_html_join("", '<span class="queue-file">{}{}</span>', (
                (render_icon(file_icon(content_type)), text) for content_type, text in drawn)) or (
                f'<span class="muted">{text_only}</span>')
        submitted = localtime(e.submitted_at)
        html.append(
            f'<tr{_BEHIND if row.overdue else ""}><td class="primary">{conditional_escape(row.learner.display_name)}'
            f'</td><td class="queue-evidence" data-label="{labels["evidence"]}"><span class="queue-title">'
            f'{conditional_escape(e.title or untitled)}</span>{flags}</td>'
            f'<td data-label="{labels["units"]}">{conditional_escape(", ".join(row.unit_codes))}</td>'
            f'<td data-label="{labels["files"]}">{files}</td>'
            f'<td data-label="{labels["submitted"]}"><time datetime="{submitted.isoformat()}">'
            f'{date_format(submitted, "j M Y H:i")}</time></td>'
            f'<td data-label="{labels["waited"]}"><span class="queue-waited">{conditional_escape(row.waited_text)}'
            f'</span> {overdue if row.overdue else waiting}</td>'
            f'<td class="actions-cell"><a class="{button}" href="{link.format(e.latest_submission_id)}">{action}'
            f'<span class="visually-hidden"> {conditional_escape(e.title)}</span></a></td></tr>')
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped
