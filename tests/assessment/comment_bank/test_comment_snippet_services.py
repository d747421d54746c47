"""Adding, changing and deleting comment bank snippets: who may, what is checked, what is audited."""

import pytest
from django.core.exceptions import PermissionDenied

from assessment.comment_bank.services import comment_snippet_create, comment_snippet_delete, comment_snippet_edit
from assessment.models import CommentSnippet
from audit.models import AuditEvent
from centres.models import Role
from centres.services import ServiceError
from tests.factories import MembershipFactory
from tests.portfolios.factories import make_spec

pytestmark = pytest.mark.django_db


def edit(snippet, actor, **changes):
    fields = {"text": snippet.text, "title": snippet.title, "suits": snippet.suits,
              "qualification": snippet.qualification, **changes}
    return comment_snippet_edit(snippet=snippet, actor=actor, **fields)


def test_an_assessor_adds_a_personal_snippet_and_it_is_audited(personas):
    snippet = comment_snippet_create(centre=personas.centre, actor=personas.assessor, title=" Hygiene ",
                                     text="  Well-kept log; date every entry.  ", suits="feedback")

    assert (snippet.owner, snippet.title, snippet.text, snippet.suits) == (
        personas.assessor, "Hygiene", "Well-kept log; date every entry.", "feedback")
    event = AuditEvent.objects.get(action="comment_snippet.created")
    assert event.object_id == str(snippet.pk) and event.data["scope"] == "personal"
    assert event.data["text"] == "Well-kept log; date every entry."


def test_the_same_snippet_sent_twice_is_kept_once(personas):
    first = comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="Date every entry.")
    again = comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="Date every entry.")

    assert again == first and CommentSnippet.objects.count() == 1
    assert AuditEvent.objects.filter(action="comment_snippet.created").count() == 1


def test_only_a_centre_admin_adds_a_centre_wide_snippet(personas):
    with pytest.raises(PermissionDenied):
        comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="x", centre_wide=True)

    snippet = comment_snippet_create(centre=personas.centre, actor=personas.admin, text="x", centre_wide=True)
    assert snippet.is_centre_wide and snippet.created_by == personas.admin


def test_an_assessor_who_is_also_a_centre_admin_adds_a_centre_wide_snippet(personas):
    MembershipFactory(user=personas.assessor, centre=personas.centre, role=Role.CENTRE_ADMIN)

    assert comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="x",
                                  centre_wide=True).owner is None


@pytest.mark.parametrize("persona", ["learner", "moderator", "other_centre_assessor", "outsider"])
def test_people_who_neither_assess_nor_run_the_centre_add_nothing(personas, persona):
    with pytest.raises(PermissionDenied):
        comment_snippet_create(centre=personas.centre, actor=getattr(personas, persona), text="x")
    assert not CommentSnippet.objects.exists()


@pytest.mark.parametrize("text,message", [("   ", "Write the comment's text."),
                                          ("x" * 2001, "at most 2,000 characters long; this one has 2,001")])
def test_empty_or_too_long_text_is_refused(personas, text, message):
    with pytest.raises(ServiceError, match=message):
        comment_snippet_create(centre=personas.centre, actor=personas.assessor, text=text)
    assert not CommentSnippet.objects.exists()


def test_text_of_exactly_2000_characters_is_kept(personas):
    assert len(comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="x" * 2000).text) == 2000


def test_an_unknown_field_or_another_centres_qualification_is_refused(personas):
    with pytest.raises(ServiceError, match="feedback, actions or both"):
        comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="x", suits="reflection")
    theirs = make_spec(personas.other_centre, code="THEIRS", units=1, outcomes=1, criteria=1).qualification
    with pytest.raises(ServiceError, match="not one of this centre's"):
        comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="x", qualification=theirs)


def test_the_owner_edits_their_snippet_and_nobody_else_does(personas):
    snippet = comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="Old words.")
    for other in (personas.second_assessor, personas.admin, personas.other_centre_assessor):
        with pytest.raises(PermissionDenied):
            edit(snippet, other, text="Hijacked.")

    edit(snippet, personas.assessor, text="New words.", suits="actions")
    snippet.refresh_from_db()
    assert (snippet.text, snippet.suits) == ("New words.", "actions")
    assert AuditEvent.objects.get(action="comment_snippet.edited").data["text"] == "New words."


def test_an_edit_to_empty_text_changes_nothing(personas):
    snippet = comment_snippet_create(centre=personas.centre, actor=personas.assessor, text="Keep me.")
    with pytest.raises(ServiceError):
        edit(snippet, personas.assessor, text="")
    snippet.refresh_from_db()
    assert snippet.text == "Keep me."


def test_only_a_centre_admin_changes_or_deletes_the_centres_snippets(personas):
    snippet = comment_snippet_create(centre=personas.centre, actor=personas.admin, text="x", centre_wide=True)
    with pytest.raises(PermissionDenied):
        edit(snippet, personas.assessor, text="y")
    with pytest.raises(PermissionDenied):
        comment_snippet_delete(snippet=snippet, actor=personas.assessor)

    comment_snippet_delete(snippet=snippet, actor=personas.admin)
    assert not CommentSnippet.objects.exists()
    assert AuditEvent.objects.get(action="comment_snippet.deleted").data["scope"] == "centre"


def test_the_length_is_also_refused_by_the_database(personas):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CommentSnippet.objects.create(centre=personas.centre, owner=personas.assessor, text="x" * 2001,
                                      created_by=personas.assessor)
