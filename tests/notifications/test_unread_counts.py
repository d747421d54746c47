"""The bell's and the Chat tab's numbers come from the cache, yet every change shows at the very next page."""

import re

from django.urls import reverse

from moderation.models import Sample
from notifications.models import Notification
from notifications.services import notification_mark_read, notifications_mark_all_read
from tests.community.conversations.helpers import course, sampled_by, send
from tests.conftest import client_for


def _bell(client) -> int:
    page = client.get(reverse("home")).content.decode()
    found = re.search(r'class="bell".*?(?:<span class="count">(\d+)<|</a>)', page, re.S)
    return int(found.group(1) or 0)


def _chat(client) -> int:
    page = client.get(reverse("home")).content.decode()
    link = re.escape(f'href="{reverse("conversation_list")}"')
    found = re.search(link + r'[^>]*>.*?(?:<span class="nav-count">(\d+)<|</a>)', page, re.S)
    return int(found.group(1) or 0)


def _note(user, n=1) -> list[Notification]:
    return [Notification.objects.create(user=user, kind="test", subject=f"Note {i}") for i in range(n)]


def test_the_bell_counts_a_new_notification_and_one_read_or_deleted_at_once(personas):
    client = client_for(personas.learner)
    assert _bell(client) == 0
    first, second, _third = _note(personas.learner, 3)
    assert _bell(client) == 3
    notification_mark_read(notification=first, actor=personas.learner)
    assert _bell(client) == 2
    second.delete()
    assert _bell(client) == 1
    notifications_mark_all_read(actor=personas.learner)  # one update, no signal
    assert _bell(client) == 0


def test_someone_elses_notification_leaves_the_bell_as_it_was(personas):
    client = client_for(personas.learner)
    _note(personas.learner)
    assert _bell(client) == 1
    _note(personas.second_learner, 2)
    assert _bell(client) == 1


def test_the_chat_tab_counts_a_new_message_and_drops_it_once_the_conversation_is_read(personas):
    enrolment = course(personas)
    learner = client_for(personas.learner)
    assert _chat(learner) == 0
    send(client_for(personas.assessor), enrolment, "Bring your knife roll on Monday")
    assert _chat(learner) == 1
    assert learner.get(reverse("conversation_detail", args=[enrolment.pk])).status_code == 200  # reads it
    assert _chat(learner) == 0


def test_a_moderator_sees_the_messages_of_a_sample_opened_and_not_once_it_is_closed(personas):
    enrolment = course(personas)
    send(client_for(personas.learner), enrolment, "Is my portfolio ready?")
    moderator = client_for(personas.moderator)
    assert _chat(moderator) == 0
    sample = sampled_by(enrolment, personas.moderator)  # now a participant: the message is theirs to read
    assert _chat(moderator) == 1
    sample.status = Sample.Status.ACKNOWLEDGED
    sample.save(update_fields=["status"])
    assert _chat(moderator) == 0
