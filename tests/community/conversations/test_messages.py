"""Sending messages: text, voice notes and attachments through the evidence file checks, references, read receipts,
a form sent twice, the rate limit, and pages whose cost does not grow with the conversation."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from community.conversations.models import ConversationRead, Message, MessageFile
from community.conversations.selectors import PAGE_SIZE
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes, png_bytes, wav_bytes

from .helpers import course, send, webm_voice_note

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enrolment(personas):
    return course(personas)


def page(user, enrolment, **query) -> str:
    response = client_for(user).get(reverse("conversation_detail", args=[enrolment.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_text_message_reaches_the_assessor_escaped_and_audited_without_its_text(personas, enrolment):
    response = send(client_for(personas.learner), enrolment, "Is <b>this</b> photo enough for 1.2?", follow=True)
    assert "Message sent." in response.content.decode()
    message = Message.objects.get()
    html = page(personas.assessor, enrolment)
    assert "Is &lt;b&gt;this&lt;/b&gt; photo enough for 1.2?" in html
    assert "cannot be edited or deleted once sent" in html
    event = AuditEvent.objects.get(action="conversation.message_sent")
    assert event.data["message"] == message.pk and "photo" not in str(event.data)


def test_an_empty_message_is_refused(personas, enrolment):
    response = send(client_for(personas.learner), enrolment, "   ")
    assert response.status_code == 400
    assert "Write a message, record a voice note or attach a file." in response.content.decode()
    assert not Message.objects.exists()


def test_a_voice_note_recorded_in_the_browser_is_kept_and_played_in_the_page(personas, enrolment, tmp_path):
    note = webm_voice_note(tmp_path)
    send(client_for(personas.learner), enrolment, voice=("Recording 2026-12-01 10-15.webm", note))
    voice = MessageFile.objects.get(role="voice")
    assert (voice.kind, voice.content_type, voice.size) == ("audio", "audio/webm", len(note))
    html = page(personas.assessor, enrolment)
    assert f'<audio controls preload="metadata" src="{reverse("message_file", args=[voice.pk])}"' in html
    response = client_for(personas.assessor).get(reverse("message_file", args=[voice.pk]))
    assert response["Content-Type"] == "audio/webm" and b"".join(response.streaming_content) == note


def test_a_wav_voice_note_from_a_plain_file_input_is_accepted(personas, enrolment):
    send(client_for(personas.learner), enrolment, "Listen", voice=("memo.wav", wav_bytes()))
    assert MessageFile.objects.get().content_type == "audio/wav"


def test_a_voice_note_that_is_not_audio_is_refused_with_a_clear_message(personas, enrolment):
    response = send(client_for(personas.learner), enrolment, "Here", voice=("note.webm", png_bytes()))
    assert response.status_code == 400
    assert "is not an audio recording, so it cannot be sent as a voice note" in response.content.decode()
    assert not Message.objects.exists() and not MessageFile.objects.exists()


def test_attachments_go_through_the_evidence_file_checks(personas, enrolment):
    response = send(client_for(personas.learner), enrolment, "Files",
                    attachments=[("photo.jpg", jpeg_bytes()), ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00")])
    assert response.status_code == 400 and "programs are not accepted" in response.content.decode()
    assert not Message.objects.exists()
    response = send(client_for(personas.learner), enrolment, "Too big", attachments=[("notes.txt", b"x" * 11)])
    assert response.status_code == 302  # within the text limit


def test_a_photo_loses_its_location_before_it_is_stored(personas, enrolment):
    send(client_for(personas.learner), enrolment, attachments=[("kitchen.jpg", jpeg_bytes(gps=True))])
    stored = MessageFile.objects.get()
    assert stored.location_removed and stored.kind == "image"
    with stored.file.open("rb") as handle, Image.open(handle) as image:
        assert 0x8825 not in image.getexif()


def test_size_limits_of_evidence_apply(personas, enrolment, settings):
    settings.LEAP_MAX_UPLOAD_BYTES = {"audio": 1000}
    response = send(client_for(personas.learner), enrolment, voice=("memo.wav", wav_bytes(seconds=1)))
    assert response.status_code == 400 and "larger than the" in response.content.decode()


def test_a_message_can_point_to_evidence_or_a_criterion_of_the_course(personas, enrolment):
    from tests.assessment.test_queue import submitted

    evidence = submitted(enrolment, "Soup service")
    criterion = enrolment.units.first().criteria.order_by("position").first()
    learner = client_for(personas.learner)
    send(learner, enrolment, "About this", about=f"e{evidence.pk}")
    send(learner, enrolment, "And this", about=f"c{criterion.pk}")
    html = page(personas.assessor, enrolment)
    assert f'<a href="{reverse("evidence_detail", args=[evidence.pk])}">Soup service</a>' in html
    assert f'href="{reverse("portfolio", args=[enrolment.pk])}#criterion-{criterion.pk}"' in html
    assert f'<option value="e{evidence.pk}" selected>' in page(personas.learner, enrolment, evidence=evidence.pk)


def test_posting_the_same_form_twice_makes_one_message(personas, enrolment):
    learner = client_for(personas.learner)
    send(learner, enrolment, "Once", token="same-token")
    response = send(learner, enrolment, "Once", token="same-token", follow=True)
    assert "That message was already sent; it was not sent again." in response.content.decode()
    assert Message.objects.count() == 1
    assert AuditEvent.objects.filter(action="conversation.message_sent").count() == 1
    assert personas.assessor.notifications.filter(kind="message_received").count() == 1


def test_sending_too_quickly_is_refused_by_the_rate_limit(personas, enrolment):
    cache.clear()
    learner = client_for(personas.learner)
    for i in range(10):
        assert send(learner, enrolment, f"Message {i}").status_code == 302
    response = send(learner, enrolment, "One too many")
    assert response.status_code == 400 and "Please wait a minute" in response.content.decode()
    assert Message.objects.count() == 10


def test_seen_by_shows_under_the_latest_message_you_sent_once_they_opened_it(personas, enrolment):
    learner = client_for(personas.learner)
    send(learner, enrolment, "First")
    send(learner, enrolment, "Second")
    assert "Not seen yet" in page(personas.learner, enrolment)
    page(personas.assessor, enrolment)
    read = ConversationRead.objects.get(user=personas.assessor)
    html = page(personas.learner, enrolment)
    assert html.count("Seen by") == 1
    assert f"Seen by {personas.assessor.display_name} {read.last_read_at:%-d %b, %H:%M}" in html
    send(learner, enrolment, "Third")
    assert "Not seen yet" in page(personas.learner, enrolment)


def test_the_navigation_counts_unread_messages(personas, enrolment):
    send(client_for(personas.learner), enrolment, "One")
    send(client_for(personas.learner), enrolment, "Two")
    home = client_for(personas.assessor).get("/").content.decode()
    assert 'Messages</span> <span class="nav-count">2<span class="visually-hidden"> unread messages' in home
    page(personas.assessor, enrolment)
    home = client_for(personas.assessor).get("/").content.decode()
    assert "unread messages</span>" not in home


def test_the_page_shows_the_newest_fifty_with_a_link_to_earlier_ones(personas, enrolment):
    conversation_message(enrolment, personas.learner, 0)
    for i in range(1, PAGE_SIZE + 5):
        conversation_message(enrolment, personas.learner, i)
    html = page(personas.assessor, enrolment)
    assert "Message 54" in html and "Message 4<" not in html and "Message 5<" in html
    earlier = Message.objects.get(text="Message 5").pk
    assert f'href="?before={earlier}"' in html
    older = page(personas.assessor, enrolment, before=earlier)
    assert "Message 0<" in older and "Message 4<" in older and "Message 5<" not in older


def conversation_message(enrolment, author, i):
    from community.conversations.models import Conversation

    conversation, _ = Conversation.objects.get_or_create(enrolment=enrolment, defaults={"centre": enrolment.centre})
    message = Message.objects.create(conversation=conversation, author=author, text=f"Message {i}")
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    return message


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_conversation_and_the_list_cost_the_same_whatever_their_length(personas, enrolment):
    assessor = client_for(personas.assessor)
    conversation_message(enrolment, personas.learner, 0)
    detail, listing = reverse("conversation_detail", args=[enrolment.pk]), reverse("conversation_list")
    _queries(assessor, detail)  # the session's first page asks more (the second factor's check, once)
    few = (_queries(assessor, detail), _queries(assessor, listing))
    for i in range(1, 30):
        conversation_message(enrolment, personas.learner if i % 2 else personas.assessor, i)
    send(client_for(personas.learner), enrolment, "With files", voice=("v.wav", wav_bytes()),
         attachments=[("a.jpg", jpeg_bytes()), ("b.txt", b"notes")])
    other = course(personas, personas.second_learner, code="HOSP-L2")
    conversation_message(other, personas.second_learner, 0)
    _queries(assessor, detail), _queries(assessor, listing)  # warm the cache again after the writes, like `few`
    many = (_queries(assessor, detail), _queries(assessor, listing))
    assert many == few
    # warm: the navigation counts are cached since.
    assert few == (13, 2)  # detail: enrolment, participants, conversation, read receipt, its notifications read,
    # the reference choices (2), messages, their files, read states, the four navigation counts (reading makes the
    # two unread counts stale, so they are counted again); list: the queue and samples counts and its one query,
    # the unread counts from the cache (the person and their roles come from the cache on both)
