"""The criteria of a unit on My Progress, each met or not yet: drawn in Python, as a unit may hold dozens.

    {% load leap_progress %}
    {% unit_criteria u rpl %}   u: a UnitProgress; rpl: criterion id -> the centre it was recognised from
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


CRITERION = '<li class="{}"><span class="state">{}</span> <span class="number">{}</span> {}{}</li>'


def _criterion(state, words: tuple[str, str], rpl: dict) -> tuple:
    criterion = state.criterion
    source = rpl.get(criterion.pk, "")
    recognised = format_html(' <span class="rpl-source">{}</span>',
                             _("Recognised prior learning from %(source)s") % {"source": source}) if source else ""
    css, word = ("met", words[0]) if state.met else ("not-met", words[1])
    return css, word, criterion.number, criterion.text, recognised


@register.simple_tag
def unit_criteria(unit, rpl: dict | None = None) -> SafeString:
    words, rpl = (_("Met"), _("Not yet")), rpl or {}
    return SafeString("".join(
        format_html('<h4 class="outcome">{}. {}</h4><ul class="criteria">{}</ul>', o.outcome.number, o.outcome.text,
                    format_html_join("", CRITERION, (_criterion(c, words, rpl) for c in o.criteria)))
        for o in unit.outcomes))
