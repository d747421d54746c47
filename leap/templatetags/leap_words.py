"""Words for times and counts that read right at every value.

    {% load leap_words %}
    {% blocktranslate with d=draft.updated_at|ago %}saved {{ d }}{% endblocktranslate %}

`ago` says "just now" for anything under a minute (and for a time a skewed clock puts in the future) instead
of timesince's "0 minutes ago", and otherwise names the largest unit only: "3 minutes ago", "1 day ago".
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def ago(value: datetime | None) -> str:
    if not value:
        return ""
    now = timezone.now()
    if now - value < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
