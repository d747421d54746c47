"""The comment bank pages: the list with its two sections and filter, add, edit, delete with confirmation."""

import pytest
from django.urls import reverse

from assessment.comment_bank.services import comment_snippet_create
from assessment.models import CommentSnippet
from centres.models import Role
from tests.conftest import client_for
from tests.factories import staff
from tests.portfolios.factories import make_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospitality(personas):
    return make_spec(personas.centre, code="HOSP", units=1, outcomes=1, criteria=1).qualification


def snippet_of(personas, who="assessor", **fields):
    actor = getattr(personas, who)
    centre = personas.other_centre if who == "other_centre_assessor" else personas.centre
    return comment_snippet_create(centre=centre, actor=actor, **{"text": f"Words of {who}.", **fields})


def form_data(**changes):
    return {"title": "Hygiene", "text": "Date every entry in the log.", "suits": "both", "qualification": "",
            **changes}


def test_the_list_shows_yours_and_the_centres_and_nobody_elses(personas):
    mine = snippet_of(personas, title="Mine")
    centre = snippet_of(personas, "admin", title="Centre's", centre_wide=True)
    snippet_of(personas, "second_assessor", title="A colleague's")
    snippet_of(personas, "other_centre_assessor", title="Another centre's")
    comment_snippet_create(centre=personas.other_centre, actor=staff(personas.other_centre, Role.CENTRE_ADMIN),
                           title="Another centre for all", text="x", centre_wide=True)

    page = client_for(personas.assessor).get(reverse("comment_bank")).content.decode()

    assert "Mine" in page and "Centre&#x27;s" in page
    assert "A colleague" not in page and "Another centre" not in page
    assert reverse("comment_bank_edit", args=[mine.pk]) in page
    assert reverse("comment_bank_edit", args=[centre.pk]) not in page  # an assessor uses the centre's, no more
    assert reverse("comment_bank_edit", args=[centre.pk]) in client_for(personas.admin).get(
        reverse("comment_bank")).content.decode()


def test_the_filter_shows_what_the_review_page_offers_on_a_qualification(personas, hospitality):
    barista = make_spec(personas.centre, code="BAR", units=1, outcomes=1, criteria=1).qualification
    snippet_of(personas, title="For hospitality", qualification=hospitality)
    snippet_of(personas, title="For barista", qualification=barista)
    snippet_of(personas, title="For any")

    page = client_for(personas.assessor).get(reverse("comment_bank"), {"qualification": hospitality.pk})

    text = page.content.decode()
    assert "For hospitality" in text and "For any" in text and "For barista" not in text
    assert "the comments for HOSP and those for any qualification" in text


def test_an_assessor_adds_a_comment_once_even_when_the_form_is_sent_twice(personas, hospitality):
    client = client_for(personas.assessor)
    data = form_data(qualification=hospitality.pk, scope="centre")  # not theirs to choose: ignored
    for _ in range(2):
        response = client.post(reverse("comment_bank_add"), data)
        assert response.status_code == 302 and response.url == reverse("comment_bank")

    snippet = CommentSnippet.objects.get()
    assert (snippet.owner, snippet.qualification, snippet.text) == (
        personas.assessor, hospitality, "Date every entry in the log.")


def test_a_centre_admin_chooses_to_share_with_the_centre(personas):
    client = client_for(personas.admin)
    assert 'name="scope"' in client.get(reverse("comment_bank_add")).content.decode()
    assert 'name="scope"' not in client_for(personas.assessor).get(reverse("comment_bank_add")).content.decode()

    client.post(reverse("comment_bank_add"), form_data(scope="centre"))
    assert CommentSnippet.objects.get().is_centre_wide


@pytest.mark.parametrize("text,message", [("", "Write the comment&#x27;s text."),
                                          ("x" * 2001, "at most 2000 characters (it has 2001)")])
def test_empty_or_too_long_text_is_shown_and_nothing_is_kept(personas, text, message):
    response = client_for(personas.assessor).post(reverse("comment_bank_add"), form_data(text=text))

    assert response.status_code == 200 and message in response.content.decode()
    assert not CommentSnippet.objects.exists()


def test_another_centres_qualification_is_not_a_choice(personas):
    theirs = make_spec(personas.other_centre, code="THEIRS", units=1, outcomes=1, criteria=1).qualification
    response = client_for(personas.assessor).post(reverse("comment_bank_add"), form_data(qualification=theirs.pk))

    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not CommentSnippet.objects.exists()


def test_the_owner_edits_their_comment(personas):
    snippet = snippet_of(personas)
    client = client_for(personas.assessor)
    assert "Words of assessor." in client.get(reverse("comment_bank_edit", args=[snippet.pk])).content.decode()

    response = client.post(reverse("comment_bank_edit", args=[snippet.pk]), form_data(text="Better words."))

    assert response.status_code == 302
    snippet.refresh_from_db()
    assert snippet.text == "Better words."


@pytest.mark.parametrize("name", ["comment_bank_edit", "comment_bank_delete"])
def test_a_colleagues_or_another_centres_comment_answers_404(personas, name):
    colleagues, other_centres = snippet_of(personas, "second_assessor"), snippet_of(personas, "other_centre_assessor")
    for snippet, who in ((colleagues, personas.assessor), (colleagues, personas.admin),
                         (other_centres, personas.assessor)):
        client = client_for(who)
        assert client.get(reverse(name, args=[snippet.pk])).status_code == 404
        assert client.post(reverse(name, args=[snippet.pk]), form_data()).status_code == 404
    assert CommentSnippet.objects.filter(text="Words of second_assessor.").exists()


@pytest.mark.parametrize("name", ["comment_bank_edit", "comment_bank_delete"])
def test_another_centres_centre_wide_comment_answers_404_to_this_centres_admin(personas, name):
    theirs = comment_snippet_create(centre=personas.other_centre, text="Theirs.", centre_wide=True,
                                    actor=staff(personas.other_centre, Role.CENTRE_ADMIN))
    client = client_for(personas.admin)

    assert client.get(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse(name, args=[theirs.pk]), form_data()).status_code == 404
    theirs.refresh_from_db()
    assert theirs.text == "Theirs."


@pytest.mark.parametrize("name", ["comment_bank_edit", "comment_bank_delete"])
def test_an_assessor_may_not_change_the_centres_comments(personas, name):
    snippet = snippet_of(personas, "admin", centre_wide=True)
    client = client_for(personas.assessor)

    assert client.get(reverse(name, args=[snippet.pk])).status_code == 403
    assert client.post(reverse(name, args=[snippet.pk]), form_data(text="Changed")).status_code == 403
    snippet.refresh_from_db()
    assert snippet.text == "Words of admin."


@pytest.mark.parametrize("persona", ["learner", "moderator"])
@pytest.mark.parametrize("name", ["comment_bank", "comment_bank_add"])
def test_learners_and_moderators_have_no_comment_bank(personas, persona, name):
    assert client_for(getattr(personas, persona)).get(reverse(name)).status_code == 403


def test_delete_asks_first_and_deletes_on_confirmation(personas):
    snippet = snippet_of(personas, title="Going")
    client = client_for(personas.assessor)

    page = client.get(reverse("comment_bank_delete", args=[snippet.pk]))
    assert "Delete this comment?" in page.content.decode() and CommentSnippet.objects.exists()

    response = client.post(reverse("comment_bank_delete", args=[snippet.pk]))
    assert response.status_code == 302 and not CommentSnippet.objects.exists()
    assert client.post(reverse("comment_bank_delete", args=[snippet.pk])).status_code == 404  # a second click


def test_the_list_costs_the_same_queries_with_1_and_20_comments(personas, hospitality, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(personas.admin)
    snippet_of(personas, "admin", qualification=hospitality)
    client.get(reverse("comment_bank"))  # the session and the centre context, once
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("comment_bank"), {"qualification": hospitality.pk})

    for i in range(10):
        snippet_of(personas, "admin", text=f"Mine {i}", qualification=hospitality)
        snippet_of(personas, "admin", text=f"Centre {i}", centre_wide=True)
    with django_assert_num_queries(len(few)):
        client.get(reverse("comment_bank"), {"qualification": hospitality.pk})
