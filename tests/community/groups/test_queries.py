"""Pinned query counts: the group list, a group page, the board and a thread ask the same whatever their size."""

import pytest
from django.urls import reverse

from community.groups.services import group_create
from tests.conftest import client_for

from .helpers import add, reply, start, upload

pytestmark = pytest.mark.django_db

# Measured: each page's own reads (the group and the person's place in it, one query per list, the paginator's
# count; a thread also the group's staff and the person's latest post) and the page frame's (the user, their
# memberships, the navigation's and the bell's counts; the group page also what sharing lists of the group).
# The thread: +1 for the posts the reader has reported (shown as "Reported" instead of a Report link).
# Warm: the person, their memberships and the unread counts come from the cache.
PAGES = {"group_list": 3, "group_detail": 5, "group_board": 4, "group_thread": 9}


def grow(personas, group, n: int):
    """n more groups for the learner, n threads on the board each with a reply and a file, n replies in one."""
    for i in range(n):
        other = group_create(centre=personas.centre, actor=personas.assessor, name=f"Group {i}")
        add(other, personas.assessor, personas.learner)
        thread = start(group, personas.learner, title=f"Thread {i}")
        reply(thread, personas.second_learner, files=[upload(f"n{i}.txt", b"note")])
    thread = group.threads.order_by("pk").first()
    for _ in range(n):
        reply(thread, personas.assessor, files=[upload("t.txt", b"tip")])
    return thread


@pytest.mark.parametrize("rows", [1, 6])
def test_the_pages_ask_a_fixed_number_of_queries(personas, group, rows, django_assert_num_queries):
    thread = grow(personas, group, rows)
    client = client_for(personas.learner)
    assert client.get(reverse("home")).status_code == 200  # the session's first page asks more (once)
    for name, count in PAGES.items():
        args = {"group_list": [], "group_thread": [group.pk, thread.pk]}.get(name, [group.pk])
        with django_assert_num_queries(count):
            assert client.get(reverse(name, args=args)).status_code == 200
