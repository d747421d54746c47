"""Erasure and retention of what a learner wrote in the community apps: their peer comments, board posts (with an
attachment), shares and reports go at once; their messages with staff and the witness statements on their evidence
are part of the assessment record, kept with the decisions and the evidence until those kinds' rule, and then
destroyed with them; other people's words stay; the audit trail still verifies."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditEvent, object_type_of
from community.conversations.models import Message, MessageFile
from community.groups.models import Post, PostAttachment, Thread
from community.groups.services import group_create
from community.sharing.models import PeerComment, Report, SharedItem
from community.sharing.services import item_share, report_make
from community.witness.models import WitnessStatement
from community.witness.services import witness_statement_submit
from records.gdpr import erasure
from records.gdpr.services import data_request_erase
from records.retention.destruction import destroy_records
from records.retention.kinds import Kind
from records.retention.models import Tombstone
from tests.assessment.comment_bank.helpers import submitted_evidence
from tests.community.conversations.helpers import send, webm_voice_note
from tests.community.groups.helpers import add, reply, start, upload
from tests.community.sharing.conftest import comment
from tests.community.witness.world import ask, enrolment_with_criteria, submitted
from tests.conftest import client_for
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.portfolios.factories import make_enrolment
from tests.records.retention.helpers import completed

from .test_erasure import letter_text, page_text
from .world import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@dataclass
class Written:
    mine: PeerComment  # the learner's comment on the second learner's item
    theirs: list[PeerComment]  # the second learner's comments, on both items
    post: Post  # the learner's board post, with an attachment
    attachment_key: str
    answer: Post  # the second learner's reply
    share: SharedItem
    report: Report
    message: Message
    voice_key: str
    statement: WitnessStatement


@pytest.fixture
def written(personas, tmp_path) -> Written:
    learner, other = personas.learner, personas.second_learner
    enrolment, criteria = enrolment_with_criteria(personas)
    evidence = submitted(personas, enrolment, criteria)
    witness_request = ask(evidence, personas.assessor, criteria)
    statement = witness_statement_submit(
        witness_request=witness_request, text="Maya balanced the till to the penny.", criteria=criteria,
        role="Shift supervisor", relationship="Her line manager", observed_from=datetime.date(2026, 11, 20),
        observed_to=None, typed_name="Pat Okafor", declared=True, ip_address="203.0.113.9", user_agent="Firefox")
    send(client_for(learner), enrolment, "Can we meet on Tuesday about my plan?",
         voice=("note.webm", webm_voice_note(tmp_path)))
    message = Message.objects.get(author=learner)
    group = group_create(centre=personas.centre, actor=personas.assessor, name="Hospitality L3")
    add(group, personas.assessor, learner, other)
    share = item_share(actor=learner, group=group, evidence=evidence, comments_need_approval=False)
    others = item_share(actor=other, group=group, comments_need_approval=False, evidence=submitted_evidence(
        make_enrolment(other, personas.assessor, enrolment.version), other, title="Omelette"))
    mine = comment(others, learner, "Your omelette looks better than mine, I live next door to you")
    theirs = [comment(share, other, "Neat till work!"), comment(others, other, "Thanks, Maya")]
    thread = start(group, learner, title="My dyslexia and the written test",
                   body="Does anyone else get extra time?", files=[upload("notes.jpg", jpeg_bytes())])
    answer = reply(thread, other, "Ask the assessor, I did.")
    report = report_make(actor=learner, kind=Report.Kind.POST, target=answer, reason=Report.Reason.OTHER,
                         detail="They are mocking my reading")
    completed(enrolment, personas.assessor)  # kept 3 years from now
    post = thread.posts.get(author=learner)
    return Written(mine=mine, theirs=theirs, post=post, attachment_key=post.attachments.get().file.name,
                   answer=answer, share=share, report=report, message=message,
                   voice_key=message.files.get().file.name, statement=statement)


def erase(personas, django_capture_on_commit_callbacks):
    request = record(personas, "erasure")
    with django_capture_on_commit_callbacks(execute=True):
        return data_request_erase(request=request, actor=personas.admin)


def test_the_review_page_and_the_letter_list_what_was_written_in_the_groups(personas, written,
                                                                            django_capture_on_commit_callbacks):
    request = record(personas, "erasure")
    text = page_text(client_for(personas.admin).get(reverse("data_request_erasure_review", args=[request.pk])))
    erased, kept = text.split("Kept, shown by a pseudonym")
    assert "Peer comments and board posts (2 items)" in erased and "Shared items (1 item)" in erased
    assert "What they wrote in reports of comments and posts (1 item)" in erased
    assert "Evidence and its files, including witness statements" in kept
    assert "Decisions and feedback, including messages with staff" in kept
    with django_capture_on_commit_callbacks(execute=True):
        data_request_erase(request=request, actor=personas.admin)
    request.refresh_from_db()
    letter = letter_text(request)
    assert "Peer comments and board posts (2 items)" in letter and "Shared items (1 item)" in letter
    assert "including messages with staff" in letter and "including witness statements" in letter


def test_comments_posts_and_their_attachment_are_erased_now_and_the_share_withdrawn(
        personas, written, django_capture_on_commit_callbacks):
    assert default_storage.exists(written.attachment_key)
    erase(personas, django_capture_on_commit_callbacks)
    mine = PeerComment.objects.get(pk=written.mine.pk)
    assert mine.text == "" and mine.status == PeerComment.Status.REMOVED
    assert mine.get_removed_by_role_display() == "Removed by the author"
    post = Post.objects.get(pk=written.post.pk)
    assert post.body == "" and post.get_removed_display() == "removed by the author"
    assert not PostAttachment.objects.filter(post=post).exists()
    assert not default_storage.exists(written.attachment_key)
    assert Thread.objects.get(pk=post.thread_id).title == "Title removed at the author's request"
    assert SharedItem.objects.get(pk=written.share.pk).withdrawn_at is not None
    assert Report.objects.get(pk=written.report.pk).detail == ""


def test_the_thread_still_reads_with_a_removed_line(personas, written, django_capture_on_commit_callbacks):
    erase(personas, django_capture_on_commit_callbacks)
    thread = written.post.thread
    page = client_for(personas.second_learner).get(reverse("group_thread", args=[thread.group_id, thread.pk]))
    text = page_text(page)
    assert page.status_code == 200 and "Removed by the author" in text and "Ask the assessor, I did." in text
    assert "extra time" not in text and "dyslexia" not in text


def test_other_peoples_comments_and_posts_are_untouched(personas, written, django_capture_on_commit_callbacks):
    erase(personas, django_capture_on_commit_callbacks)
    for theirs in written.theirs:
        kept = PeerComment.objects.get(pk=theirs.pk)
        assert kept.text == theirs.text and kept.status == theirs.status
    answer = Post.objects.get(pk=written.answer.pk)
    assert answer.body == "Ask the assessor, I did." and not answer.removed


def test_messages_and_witness_statements_stay_until_their_rule(personas, written,
                                                               django_capture_on_commit_callbacks):
    erase(personas, django_capture_on_commit_callbacks)
    message = Message.objects.get(pk=written.message.pk)
    assert message.text == "Can we meet on Tuesday about my plan?" and default_storage.exists(written.voice_key)
    assert WitnessStatement.objects.get(pk=written.statement.pk).text == "Maya balanced the till to the penny."


def test_the_community_events_about_them_are_erased_and_the_trail_verifies(personas, written, capsys,
                                                                            django_capture_on_commit_callbacks):
    erase(personas, django_capture_on_commit_callbacks)
    about = {(object_type_of(PeerComment), written.mine.pk), (object_type_of(Post), written.post.pk),
             (object_type_of(SharedItem), written.share.pk), (object_type_of(Report), written.report.pk)}
    events = [e for e in AuditEvent.objects.filter(action__regex=r"^(sharing|group)\.")
              if (e.object_type, int(e.object_id)) in about]
    assert events and all(e.is_erased for e in events)
    assert not any(e.is_erased for e in AuditEvent.objects.filter(object_type=object_type_of(PeerComment),
                                                                  object_id__in=[c.pk for c in written.theirs]))
    steps = {e.data["step"]: e.data for e in AuditEvent.objects.filter(action="data_request.erasure_step")}
    assert steps["comments"]["ids"] == {"comments": [written.mine.pk]}
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out


def test_the_community_steps_are_idempotent(personas, written, django_capture_on_commit_callbacks):
    request = erase(personas, django_capture_on_commit_callbacks)
    for step in (erasure.erase_comments, erasure.erase_posts, erasure.erase_shares, erasure.erase_reports):
        assert step(request, personas.admin)[0] == 0
    assert erasure.erase_community_events(request, personas.admin) == 0


def test_retention_destroys_messages_with_decisions_and_statements_with_evidence(
        personas, written, django_capture_on_commit_callbacks, capsys):
    erase(personas, django_capture_on_commit_callbacks)
    sha256 = MessageFile.objects.get(message=written.message).sha256
    for kind in (Kind.DECISIONS, Kind.EVIDENCE_FILES):
        with django_capture_on_commit_callbacks(execute=True):
            destroy_records(kind=kind, learner=personas.learner, centre=personas.centre, actor=personas.admin,
                            reason="retention", reference={"rule": "3 years after completion"})
    message = Message.objects.get(pk=written.message.pk)
    assert message.text == "" and not message.files.exists() and not default_storage.exists(written.voice_key)
    assert Tombstone.objects.get(kind=Kind.DECISIONS, object_type=object_type_of(Message),
                                 object_id=str(message.pk)).sha256s == [sha256]
    statement = WitnessStatement.objects.select_related("request").get(pk=written.statement.pk)
    assert (statement.text, statement.typed_name, statement.email, statement.ip_address) == ("", "", "", None)
    assert (statement.request.name, statement.request.email) == ("", "")
    assert Tombstone.objects.filter(kind=Kind.EVIDENCE_FILES, object_id=str(statement.request_id),
                                    object_type=object_type_of(statement.request)).exists()
    for kind in (Kind.DECISIONS, Kind.EVIDENCE_FILES):  # again: nothing more to destroy
        assert destroy_records(kind=kind, learner=personas.learner, centre=personas.centre, actor=personas.admin,
                               reason="retention") == []
    call_command("verify_audit")
    assert "OK:" in capsys.readouterr().out
