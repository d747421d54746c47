"""The comment bank picker on the review page: the assessor's and the centre's comments for the qualification
being reviewed (or any), in one query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.comment_bank.services import comment_snippet_create
from centres.models import Role
from tests.conftest import client_for
from tests.factories import staff
from tests.portfolios.factories import make_enrolment, make_spec

from .helpers import submitted_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(personas, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    version = make_spec(personas.centre, code="HOSP", units=1, outcomes=1, criteria=2)
    return submitted_evidence(make_enrolment(personas.learner, personas.assessor, version),
                              personas.learner).submissions.get()


def add(personas, who, text, **fields):
    return comment_snippet_create(centre=personas.centre if who != "other_centre_assessor" else personas.other_centre,
                                  actor=getattr(personas, who), text=text, **fields)


def review_page(personas, submission, who="assessor") -> str:
    return client_for(getattr(personas, who)).get(reverse("review_detail", args=[submission.pk])).content.decode()


def test_the_picker_offers_the_comments_for_this_qualification_or_any(personas, submission):
    hospitality = submission.evidence.enrolment.version.qualification
    barista = make_spec(personas.centre, code="BAR", units=1, outcomes=1, criteria=1).qualification
    add(personas, "assessor", "Mine for hospitality.", qualification=hospitality, suits="feedback")
    add(personas, "assessor", "Mine for any qualification.", suits="actions")
    add(personas, "admin", "The centre's for hospitality.", qualification=hospitality, centre_wide=True)
    add(personas, "assessor", "Mine for barista.", qualification=barista)
    add(personas, "admin", "The centre's for barista.", qualification=barista, centre_wide=True)
    add(personas, "second_assessor", "A colleague's.")
    add(personas, "other_centre_assessor", "Another centre's.")
    comment_snippet_create(centre=personas.other_centre, actor=staff(personas.other_centre, Role.CENTRE_ADMIN),
                           text="Another centre for all.", centre_wide=True)

    page = review_page(personas, submission)

    for offered in ("Mine for hospitality.", "Mine for any qualification.", "The centre&#x27;s for hospitality."):
        assert offered in page
    for hidden in ("barista.", "A colleague", "Another centre"):
        assert hidden not in page
    assert "3 comments" in page
    assert page.count('data-insert-into="feedback"') == 2 and page.count('data-insert-into="actions"') == 2


def test_without_javascript_the_picker_says_to_copy_the_text_by_hand(personas, submission):
    add(personas, "assessor", "Date every entry.")

    page = review_page(personas, submission)

    assert "Select a comment's text and copy it into the feedback or the actions below." in page
    assert '<p class="comment-bank-insert" data-with-js hidden>' in page  # the buttons wait for the script
    assert "js/comment-bank.js" in page


def test_only_the_assessor_deciding_sees_the_picker(personas, submission):
    add(personas, "admin", "The centre's.", centre_wide=True)

    assert "comment-bank-picker" in review_page(personas, submission)
    assert "comment-bank-picker" not in review_page(personas, submission, "moderator")
    with CaptureQueriesContext(connection) as queries:
        assert "comment-bank-picker" not in review_page(personas, submission, "admin")
    assert not [q for q in queries if "assessment_commentsnippet" in q["sql"]]  # not even asked for


def test_the_picker_is_one_query_however_many_comments(personas, submission):
    client = client_for(personas.assessor)
    url = reverse("review_detail", args=[submission.pk])
    add(personas, "assessor", "One.")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(15):
        add(personas, "assessor", f"Mine {i}.")
        add(personas, "admin", f"Centre {i}.", centre_wide=True)
    client.get(url)  # warm the cache again after the writes, like the first measurement
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert "31 comments" in page and len(many) == len(few)
    assert len([q for q in many if "assessment_commentsnippet" in q["sql"]]) == 1
