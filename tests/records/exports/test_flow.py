"""Asking for a portfolio export: who may (the learner; their assessor or a centre admin, for that centre's part),
one export however often it is asked for while it is being prepared, the task builds it and the right people are
told, a failure is said plainly."""

import datetime

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from centres.models import Role, hash_token
from notifications.models import Notification
from records.exports import services
from records.exports.models import ExportRequest
from records.exports.services import export_request, may_request_export
from records.exports.tasks import build_portfolio_export
from tests.conftest import client_for
from tests.factories import staff

from .flow_world import built, emailed_tokens, learner_membership, learner_with_work, sha256, zip_names

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def failing(error: Exception):
    """A builder that raises `error`."""
    def write_portfolio_export(**kwargs):
        raise error
    return write_portfolio_export


@pytest.fixture
def world(personas):
    return learner_with_work(personas)


# --- Who may ask ----------------------------------------------------------------------------------------------

def test_who_may_ask_for_the_learners_export(personas, world):
    p = personas
    other_admin = staff(p.other_centre, Role.CENTRE_ADMIN)
    allowed = {
        "self, everything": dict(actor=p.learner),
        "self, one centre": dict(actor=p.learner, centre=p.centre),
        "their assessor, for the centre": dict(actor=p.assessor, centre=p.centre, purpose="staff"),
        "a centre admin, for the centre": dict(actor=p.admin, centre=p.centre, purpose="staff"),
        "a centre admin, subject access": dict(actor=p.admin, centre=p.centre, purpose="subject_access"),
    }
    refused = {
        "the assessor, for everything": dict(actor=p.assessor, purpose="staff"),
        "the assessor, subject access": dict(actor=p.assessor, centre=p.centre, purpose="subject_access"),
        "another assessor of the centre": dict(actor=p.second_assessor, centre=p.centre, purpose="staff"),
        "the moderator": dict(actor=p.moderator, centre=p.centre, purpose="staff"),
        "another centre's admin, for their centre": dict(actor=other_admin, centre=p.other_centre, purpose="staff"),
        "another centre's admin, for this centre": dict(actor=other_admin, centre=p.centre, purpose="staff"),
        "another learner": dict(actor=p.second_learner),
        "another learner, as staff": dict(actor=p.second_learner, centre=p.centre, purpose="staff"),
        "an outsider": dict(actor=p.outsider, centre=p.centre, purpose="staff"),
        "the learner, posing as staff": dict(actor=p.learner, centre=p.centre, purpose="staff"),
        "the learner, at a centre not theirs": dict(actor=p.learner, centre=p.other_centre),
    }
    wrong = [name for name, kw in allowed.items() if not may_request_export(learner=p.learner, **kw)]
    wrong += [name for name, kw in refused.items() if may_request_export(learner=p.learner, **kw)]
    assert not wrong
    for kw in refused.values():
        with pytest.raises(PermissionDenied):
            export_request(learner=p.learner, **kw)
    assert not ExportRequest.objects.exists()


def test_staff_ask_on_the_learners_page_others_get_404_or_403(personas, world):
    p = personas
    url = reverse("portfolio_export_request_for", args=[learner_membership(p.learner).pk])
    other_admin = staff(p.other_centre, Role.CENTRE_ADMIN)
    outcomes = {name: client_for(user).post(url).status_code for name, user in {
        "assessor": p.assessor, "admin": p.admin, "second assessor": p.second_assessor,
        "other centre's admin": other_admin, "learner": p.learner, "other learner": p.second_learner,
        "outsider": p.outsider}.items()}
    assert outcomes == {"assessor": 302, "admin": 302, "second assessor": 404, "other centre's admin": 404,
                        "learner": 403, "other learner": 403, "outsider": 403}
    exports = ExportRequest.objects.order_by("pk")
    assert [(e.requested_by, e.centre, e.purpose) for e in exports] == [
        (p.assessor, p.centre, "staff"), (p.admin, p.centre, "staff")]


def test_the_learner_asks_from_their_profile(personas, world):
    client = client_for(personas.learner)
    response = client.post(reverse("portfolio_export_request"), follow=True)
    export = ExportRequest.objects.get()
    assert (export.learner, export.requested_by, export.centre, export.purpose) == (
        personas.learner, personas.learner, None, "self")
    assert "We are preparing your portfolio" in response.content.decode()
    event = AuditEvent.objects.get(action="export.requested")
    assert event.actor == personas.learner and event.data["export"] == export.pk


def test_someone_with_no_portfolio_is_told_so_and_nothing_is_asked(personas):
    response = client_for(personas.outsider).post(reverse("portfolio_export_request"), follow=True)
    assert "You have no portfolio to export yet" in response.content.decode()
    assert not ExportRequest.objects.exists()


# --- Once, however often it is asked for ---------------------------------------------------------------------------

def test_asking_again_while_it_is_prepared_gives_the_same_export(personas, world, django_capture_on_commit_callbacks):
    client = client_for(personas.learner)
    with django_capture_on_commit_callbacks(execute=False) as queued:  # no worker has taken it yet
        client.post(reverse("portfolio_export_request"))
        second = client.post(reverse("portfolio_export_request"), follow=True)
    assert ExportRequest.objects.count() == 1 and len(queued) == 2  # queued again: harmless, the build is claimed
    assert "Your portfolio is already being prepared" in second.content.decode()
    assert AuditEvent.objects.filter(action="export.requested").count() == 1
    for callback in queued:
        callback()
    assert ExportRequest.objects.get().status == "ready"
    assert AuditEvent.objects.filter(action="export.built").count() == 1  # built once, the second task found it ready


def test_a_new_export_may_be_asked_for_once_the_last_is_ready(personas, world):
    first = built(learner=personas.learner, actor=personas.learner)
    second = built(learner=personas.learner, actor=personas.learner)
    assert first.pk != second.pk and second.status == "ready"


# --- Built, and the people told --------------------------------------------------------------------------------------

def test_the_task_builds_the_zip_and_emails_the_learner_the_link(personas, world):
    export = built(learner=personas.learner, actor=personas.learner)
    assert export.status == "ready" and export.file.name.startswith("portfolio-exports/")
    with export.file.open("rb") as handle:
        data = handle.read()
    assert (export.size, export.sha256) == (len(data), sha256(data))
    assert {"index.html", "data.json", "manifest.json", "leap2a.xml"} <= zip_names(data)
    assert export.expires_at == export.finished_at + datetime.timedelta(days=7)
    [email] = mail.outbox
    assert email.to == [personas.learner.email] and email.subject == "Your portfolio is ready to download"
    [token] = emailed_tokens(personas.learner)
    assert len(token) >= 40 and export.token_hash == hash_token(token) and token not in export.token_hash
    notification = Notification.objects.get(user=personas.learner, kind="portfolio_export_ready")
    assert notification.url == reverse("profile") + "#portfolio-export"  # the app links to the profile: no token
    built_event = AuditEvent.objects.get(action="export.built")
    assert built_event.data["sha256"] == export.sha256 and token not in str(built_event.data)


def test_staff_who_asked_are_told_it_is_ready_without_a_link_and_the_learner_gets_it(personas, world):
    export = built(learner=personas.learner, actor=personas.assessor, centre=personas.centre, purpose="staff")
    assert export.status == "ready"
    [email] = mail.outbox
    assert email.to == [personas.learner.email]
    assert "Sam Assessor at North Vocational College asked for your portfolio" in email.body
    notice = Notification.objects.get(user=personas.assessor, kind="portfolio_export_prepared")
    assert not notice.send_email and "download" not in str(notice.data) + notice.url
    assert notice.url == reverse("learner_detail", args=[learner_membership(personas.learner).pk])
    assert notice.subject == f"The portfolio export of {personas.learner.display_name} is ready"


def test_a_subject_access_export_is_for_the_admin_to_hand_over(personas, world):
    export = built(learner=personas.learner, actor=personas.admin, centre=personas.centre, purpose="subject_access")
    assert export.status == "ready" and not mail.outbox  # the learner is not emailed a link
    notice = Notification.objects.get(user=personas.admin, kind="portfolio_export_prepared")
    assert notice.url == reverse("portfolio_export_file", args=[export.pk]) and not notice.send_email
    assert client_for(personas.admin).get(notice.url).status_code == 200
    assert client_for(personas.learner).get(notice.url).status_code == 404
    assert not Notification.objects.filter(user=personas.learner, kind__startswith="portfolio_export").exists()


def test_a_failed_build_is_marked_failed_and_said_plainly(personas, world, monkeypatch):
    monkeypatch.setattr(services, "write_portfolio_export", failing(ValueError("an unreadable record")))
    export = built(learner=personas.learner, actor=personas.assessor, centre=personas.centre, purpose="staff")
    assert export.status == "failed" and "an unreadable record" in export.error and not export.file
    [email] = mail.outbox
    assert email.to == [personas.learner.email] and email.subject == "Your portfolio could not be prepared"
    assert "Nothing of your portfolio is lost" in email.body
    notice = Notification.objects.get(user=personas.assessor, kind="portfolio_export_failed")
    assert notice.subject == f"The portfolio export of {personas.learner.display_name} could not be prepared"
    assert AuditEvent.objects.get(action="export.failed").data["error"] == "ValueError"


def test_a_transient_error_is_retried_and_told_only_after_the_last_attempt(personas, world, monkeypatch,
                                                                           django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "write_portfolio_export", failing(OSError("storage away")))
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(learner=personas.learner, actor=personas.learner)
    with pytest.raises(Retry):  # another attempt will come: nobody is told yet
        build_portfolio_export.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.status == "failed" and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert build_portfolio_export.apply(args=[export.pk], retries=6).get() is False  # the last attempt
    export.refresh_from_db()
    assert export.status == "failed" and len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="export.failed").count() == 1


def test_with_no_worker_a_transient_error_fails_at_once_and_is_told(personas, world, monkeypatch):
    monkeypatch.setattr(services, "write_portfolio_export", failing(OSError("storage away")))
    export = built(learner=personas.learner, actor=personas.learner)  # eager: the task's retry would never come
    assert export.status == "failed" and [m.subject for m in mail.outbox] == ["Your portfolio could not be prepared"]


def test_a_failed_export_builds_when_the_task_runs_again(personas, world, monkeypatch):
    monkeypatch.setattr(services, "write_portfolio_export", failing(ValueError("bad")))
    export = built(learner=personas.learner, actor=personas.learner)
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == "ready" and export.error == ""


def test_the_audit_trail_still_verifies_after_the_flow(personas, world):
    export = built(learner=personas.learner, actor=personas.learner)
    [token] = emailed_tokens(personas.learner)
    client_for(personas.learner).get(reverse("portfolio_export_download", args=[token]))
    services.export_new_link(export=export, actor=personas.learner)
    assert {e.action for e in AuditEvent.objects.filter(action__startswith="export.")} == {
        "export.requested", "export.built", "export.downloaded", "export.link_renewed"}
    call_command("verify_audit")
