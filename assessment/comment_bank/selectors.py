"""Reads of the comment bank, one query each."""

from dataclasses import dataclass

from django.db.models import F, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from centres.models import Centre
from qualifications.models import Qualification, QualificationVersion

from .models import CommentSnippet


def visible_snippets(*, centre: Centre, user: User) -> QuerySet[CommentSnippet]:
    """The person's own snippets and the centre's; never another person's, never another centre's."""
    return CommentSnippet.objects.filter(Q(owner=user) | Q(owner__isnull=True), centre=centre)


def snippets_for_review(*, centre: Centre, user: User, qualification_id: int) -> list[CommentSnippet]:
    """The picker on the review page: the person's and the centre's snippets for the qualification being reviewed
    or for any qualification, the person's own first."""
    return list(visible_snippets(centre=centre, user=user)
                .filter(Q(qualification_id=qualification_id) | Q(qualification__isnull=True))
                .order_by(F("owner_id").asc(nulls_last=True), "title", "pk"))


@dataclass
class CommentBank:
    personal: list[CommentSnippet]
    centre_wide: list[CommentSnippet]


def comment_bank(*, centre: Centre, user: User, qualification: Qualification | None = None) -> CommentBank:
    """The list page: every snippet the person sees, or, for a qualification, those the picker offers on it."""
    snippets = visible_snippets(centre=centre, user=user).select_related("qualification")
    if qualification is not None:
        snippets = snippets.filter(Q(qualification=qualification) | Q(qualification__isnull=True))
    bank = CommentBank(personal=[], centre_wide=[])
    for snippet in snippets.order_by("title", "pk"):
        (bank.centre_wide if snippet.is_centre_wide else bank.personal).append(snippet)
    return bank


def qualifications_with_titles(centre: Centre) -> QuerySet[Qualification]:
    """The centre's qualifications, each with the title of its newest version (`title`)."""
    newest = QualificationVersion.objects.filter(qualification=OuterRef("pk")).order_by("-number")
    return (Qualification.objects.filter(centre=centre).annotate(title=Subquery(newest.values("title")[:1]))
            .order_by("code"))
