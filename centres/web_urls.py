"""One check for every web address LEAP accepts and later puts into a page, a credential or a certificate:
evidence given with an award, a centre's website, a badge's alignments.

Django's URLValidator takes ``"``, ``<`` and ``>`` in a path; those break out of an HTML attribute and are not
allowed in an IRI, so a credential holding one cannot be canonicalised and signed. This refuses them, with the
rest of what RFC 3987 leaves out of an IRI (spaces, control characters, ``{}|\\^```), anything but http(s), and
addresses longer than browsers and verifiers reliably handle.
"""

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

MAX_LENGTH = 2000
_NOT_IN_AN_IRI = re.compile(r'[\x00-\x20\x7f-\x9f"<>{}|\\^`]')
_URL_VALIDATOR = URLValidator(schemes=["http", "https"])


def web_url_problem(value: object) -> str | None:
    """Why `value` is not an http(s) web address LEAP can show and sign, or None when it is one."""
    if not isinstance(value, str) or not value:
        return _("give a web address (https://…).")
    if len(value) > MAX_LENGTH:
        return _("a web address can be at most %(n)s characters long.") % {"n": MAX_LENGTH}
    if _NOT_IN_AN_IRI.search(value):
        return _("a web address cannot contain spaces, quotes, angle brackets or control characters.")
    try:
        _URL_VALIDATOR(value)
    except ValidationError:
        return _("this is not a web address (https://…).")
    return None


def validate_web_url(value: str) -> None:
    """:func:`web_url_problem` as a form or model field validator."""
    if value and (problem := web_url_problem(value)):
        raise ValidationError(problem[:1].upper() + problem[1:], code="invalid")
