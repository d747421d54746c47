"""Masking of learners' names and contact details, for as long as a request (or a block of code) lasts.

An external moderator under a grant may not see the learners' contact details unless the grant allows them,
and under a blind grant sees each learner as a stable pseudonym. The grant lives in a higher layer; what it
asks for is set here, in a context variable, so that every layer's rendering (`User.display_name`,
`get_full_name`, `__str__`, `contact_email`, the audit timelines) respects it without knowing of grants.
Staff keep their names: only the people in `Masking.load_learners` are masked.
"""

import contextvars
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

# Crockford's base32: no I, L, O or U, so a pseudonym read aloud during a visit is not misheard.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6  # 30 bits: two of a thousand learners share a code about once in two thousand centres

# (user id, email, first name, last name) of each person to mask.
LearnerRow = tuple[int, str, str, str]


def pseudonym_code(key: str, user_id: int) -> str:
    digest = int.from_bytes(hmac.new(key.encode(), str(user_id).encode(), hashlib.sha256).digest()[:8], "big")
    return "".join(ALPHABET[(digest >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def pseudonym(key: str, user_id: int) -> str:
    return _("Learner %(code)s") % {"code": pseudonym_code(key, user_id)}


def hidden() -> str:
    return _("hidden")


@dataclass
class Masking:
    """What to mask: pseudonyms from `pseudonym_key` (blind) or none (''), contact details or not. The learners
    are loaded once, on first use, by `load_learners` (one query, by the layer that knows who they are)."""

    load_learners: Callable[[], Iterable[LearnerRow]]
    pseudonym_key: str = ""
    hide_contact: bool = True
    _names: dict[int, str] = field(default_factory=dict, repr=False)

    @cached_property
    def learners(self) -> dict[int, LearnerRow]:
        return {row[0]: row for row in self.load_learners()}

    def covers(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.learners

    def pseudonym_of(self, user_id: int | None) -> str | None:
        if not self.pseudonym_key or not self.covers(user_id):
            return None
        if user_id not in self._names:
            self._names[user_id] = pseudonym(self.pseudonym_key, user_id)
        return self._names[user_id]

    def hides_contact_of(self, user_id: int | None) -> bool:
        return (self.hide_contact or bool(self.pseudonym_key)) and self.covers(user_id)

    def label_of(self, user_id: int | None) -> str | None:
        """How a masked learner is named where only their id is known (an audit event's actor)."""
        if not self.covers(user_id):
            return None
        _id, email, first, last = self.learners[user_id]
        full_name = f"{first} {last}".strip()
        return self.pseudonym_of(user_id) or full_name or (hidden() if self.hides_contact_of(user_id) else email)

    @cached_property
    def _replacements(self) -> dict[str, str]:
        """Every masked learner's email address, and under blind mode their full name, by what replaces it."""
        words = {}
        for user_id, email, first, last in self.learners.values():
            if self.hides_contact_of(user_id) and email:
                words[email.lower()] = self.pseudonym_of(user_id) or hidden()
            full_name = f"{first} {last}".strip()
            if self.pseudonym_key and full_name:
                words[full_name.lower()] = self.pseudonym_of(user_id)
        return words

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        words = sorted(self._replacements, key=len, reverse=True)  # longest first: "ann@x.org" before "ann"
        return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None

    def text(self, text: str) -> str:
        pattern = self._pattern if text else None
        if pattern is None:
            return text
        # A match whose lower case differs from the pattern's (a few non-ASCII letters) is still replaced.
        return pattern.sub(lambda m: self._replacements.get(m.group(0).lower(), hidden()), text)


_current: contextvars.ContextVar[Masking | None] = contextvars.ContextVar("leap_masking", default=None)


@contextmanager
def masked(masking: Masking | None) -> Iterator[Masking | None]:
    """Apply `masking` (None: none) to everything rendered inside the block."""
    token = _current.set(masking)
    try:
        yield masking
    finally:
        _current.reset(token)


def current_masking() -> Masking | None:
    return _current.get()


def pseudonym_of(user_id: int | None) -> str | None:
    masking = _current.get()
    return masking.pseudonym_of(user_id) if masking is not None else None


def contact_hidden(user_id: int | None) -> bool:
    masking = _current.get()
    return masking is not None and masking.hides_contact_of(user_id)


def actor_shown(user_id: int | None, label: str) -> str:
    """An audit event's actor as the current reader may see them: `label` (an email) unless masked."""
    masking = _current.get()
    shown = masking.label_of(user_id) if masking is not None else None
    return shown if shown is not None else mask_text(label)


def mask_text(text: str) -> str:
    """`text` with the masked learners' email addresses (and, under blind mode, full names) replaced."""
    masking = _current.get()
    return masking.text(text) if masking is not None else text
