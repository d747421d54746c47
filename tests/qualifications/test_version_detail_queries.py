"""The editor page costs the same number of queries for a two-unit course as for a 480-criterion diploma."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import client_for

from .specs import import_spec

pytestmark = pytest.mark.django_db

# Warm (the person, their memberships and the navigation's counts come from the cache): the version through its
# access check, the version's tree (the version, units, outcomes, criteria) and the list of its versions.
EDITOR_QUERIES = 6
EDITOR_QUERIES_FOR = {"admin": EDITOR_QUERIES, "assessor": EDITOR_QUERIES}


@pytest.mark.parametrize("who", ["admin", "assessor"])
def test_the_editor_page_query_count_does_not_grow_with_the_specification(personas, who, django_assert_num_queries):
    small = import_spec(personas, code="SMALL", units=1, outcomes=1, criteria=1)
    big = import_spec(personas, code="BIG", units=12, outcomes=5, criteria=8)
    client = client_for(getattr(personas, who))
    client.get(reverse("qualification_list"))  # the first request of a session also checks the second factor
    with django_assert_num_queries(EDITOR_QUERIES_FOR[who]):
        small_page = client.get(reverse("qualification_version", args=[small.pk]))
    with django_assert_num_queries(EDITOR_QUERIES_FOR[who]):
        big_page = client.get(reverse("qualification_version", args=[big.pk]))
    assert small_page.status_code == big_page.status_code == 200
    assert big_page.content.decode().count('class="num"') == 12 * 5 + 12 * 5 * 8


def test_the_list_page_query_count_does_not_grow_with_the_number_of_qualifications(personas):
    client = client_for(personas.admin)
    import_spec(personas, code="ONE")
    client.get(reverse("qualification_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("qualification_list"))
    for n in range(5):
        import_spec(personas, code=f"MORE-{n}", units=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("qualification_list"))
    assert len(many) == len(few)
    assert len(response.context["versions"]) == 6
