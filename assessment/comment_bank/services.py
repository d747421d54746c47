"""Comment bank acts: add, change and delete a snippet. Assessors keep their own; centre admins keep the centre's."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from centres.models import Centre, Role
from centres.services import ServiceError, has_role
from qualifications.models import Qualification

from .models import MAX_SNIPPET_LENGTH, MAX_TITLE_LENGTH, CommentSnippet


def _ensure_may_keep(actor: User, centre: Centre, *, centre_wide: bool) -> None:
    """Centre-wide snippets are the centre admins'; personal ones, anyone who assesses or runs the centre."""
    roles = (Role.CENTRE_ADMIN,) if centre_wide else (Role.ASSESSOR, Role.CENTRE_ADMIN)
    if not has_role(actor, centre, *roles):
        raise PermissionDenied


def _ensure_may_change(snippet: CommentSnippet, actor: User) -> None:
    if not snippet.is_centre_wide and snippet.owner_id != actor.pk:
        raise PermissionDenied
    _ensure_may_keep(actor, snippet.centre, centre_wide=snippet.is_centre_wide)


def _cleaned(centre: Centre, *, text: str, title: str, suits: str, qualification: Qualification | None) -> dict:
    text, title = text.strip(), title.strip()
    if not text:
        raise ServiceError(_("Write the comment's text."))
    if len(text) > MAX_SNIPPET_LENGTH:
        raise ServiceError(_("A comment can be at most %(max)s characters long; this one has %(n)s.")
                           % {"max": number_format(MAX_SNIPPET_LENGTH, force_grouping=True),
                              "n": number_format(len(text), force_grouping=True)})
    if len(title) > MAX_TITLE_LENGTH:
        raise ServiceError(_("A short title can be at most %(max)d characters long.") % {"max": MAX_TITLE_LENGTH})
    if suits not in CommentSnippet.Suits.values:
        raise ServiceError(_("Choose whether the comment suits feedback, actions or both."))
    if qualification is not None and qualification.centre_id != centre.pk:
        raise ServiceError(_("That qualification is not one of this centre's."))
    return {"text": text, "title": title, "suits": suits, "qualification": qualification}


def _audit_data(snippet: CommentSnippet) -> dict:
    return {"title": snippet.title, "text": snippet.text, "suits": snippet.suits,
            "qualification": getattr(snippet.qualification, "code", None),
            "scope": "centre" if snippet.is_centre_wide else "personal"}


def comment_snippet_create(*, centre: Centre, actor: User, text: str, title: str = "",
                           suits: str = CommentSnippet.Suits.BOTH, qualification: Qualification | None = None,
                           centre_wide: bool = False) -> CommentSnippet:
    """A new snippet; the same snippet sent twice (a double click) is kept once."""
    _ensure_may_keep(actor, centre, centre_wide=centre_wide)
    fields = _cleaned(centre, text=text, title=title, suits=suits, qualification=qualification)
    owner = None if centre_wide else actor
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one of this person's adds at a time
        existing = CommentSnippet.objects.filter(centre=centre, owner=owner, **fields).first()
        if existing is not None:
            return existing
        snippet = CommentSnippet.objects.create(centre=centre, owner=owner, created_by=actor, **fields)
        audit_record(action="comment_snippet.created", actor=actor, centre=centre, target=snippet,
                     data=_audit_data(snippet))
    return snippet


def comment_snippet_edit(*, snippet: CommentSnippet, actor: User, text: str, title: str, suits: str,
                         qualification: Qualification | None) -> CommentSnippet:
    _ensure_may_change(snippet, actor)
    fields = _cleaned(snippet.centre, text=text, title=title, suits=suits, qualification=qualification)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(snippet, name, value)
        snippet.save(update_fields=[*fields, "updated_at"])
        audit_record(action="comment_snippet.edited", actor=actor, centre=snippet.centre, target=snippet,
                     data=_audit_data(snippet))
    return snippet


def comment_snippet_delete(*, snippet: CommentSnippet, actor: User) -> None:
    _ensure_may_change(snippet, actor)
    with transaction.atomic():
        audit_record(action="comment_snippet.deleted", actor=actor, centre=snippet.centre, target=snippet,
                     data=_audit_data(snippet))
        snippet.delete()
