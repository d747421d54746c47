"""The export's link and download: the emailed link works once, for the learner signed in, until the export expires;
a reused, expired, unknown or forwarded link gets a clear page; a new link works without building again; the
nightly sweep deletes expired ZIPs."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.test import TestCase
from django.urls import reverse

from audit.models import AuditEvent
from records.exports.models import ExportRequest
from records.exports.services import export_new_link
from records.exports.tasks import sweep_expired_exports
from tests.conftest import client_for

from .flow_world import built, emailed_tokens, learner_with_work, sha256, streamed, zip_names

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def export(personas) -> ExportRequest:
    learner_with_work(personas)
    return built(learner=personas.learner, actor=personas.learner)


def link(token: str) -> str:
    return reverse("portfolio_export_download", args=[token])


def last_token(personas) -> str:
    return emailed_tokens(personas.learner)[-1]


def test_the_link_streams_the_zip_to_the_learner_as_a_private_attachment(personas, export):
    response = client_for(personas.learner).get(link(last_token(personas)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip" and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment; filename=\"portfolio-")
    data = streamed(response)
    assert sha256(data) == export.sha256 and int(response["Content-Length"]) == len(data) == export.size
    assert {"index.html", "data.json", "manifest.json"} <= zip_names(data)
    export.refresh_from_db()
    assert export.downloaded_at is not None and export.token_used_at is not None
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.data == {"export": export.pk, "first": True, "by_link": True, "sha256": export.sha256}


def test_a_reused_link_gets_a_clear_page_with_the_way_to_a_new_one(personas, export):
    client = client_for(personas.learner)
    token = last_token(personas)
    assert client.get(link(token)).status_code == 200
    again = client.get(link(token))
    html = again.content.decode()
    assert again.status_code == 410 and "This link has already been used" in html
    assert "Each download link works once" in html and 'href="/account/profile/#portfolio-export"' in html
    assert AuditEvent.objects.filter(action="export.downloaded").count() == 1


def test_an_expired_link_gets_a_clear_page(personas, export, time_machine):
    time_machine.move_to(export.expires_at + datetime.timedelta(minutes=1))
    response = client_for(personas.learner).get(link(last_token(personas)))
    html = response.content.decode()
    assert response.status_code == 410 and "This link has expired" in html
    assert "A download link works for 7 days after the portfolio is prepared" in html
    assert not AuditEvent.objects.filter(action="export.downloaded").exists()


def test_the_link_still_works_just_before_it_expires(personas, export, time_machine):
    time_machine.move_to(export.expires_at - datetime.timedelta(minutes=1))
    assert client_for(personas.learner).get(link(last_token(personas))).status_code == 200


@pytest.mark.parametrize("who", ["second_learner", "assessor", "admin", "outsider"])
def test_a_forwarded_link_gives_nobody_else_the_portfolio(personas, export, who):
    token = last_token(personas)
    response = client_for(getattr(personas, who)).get(link(token))
    assert response.status_code == 404 and "This download link does not work" in response.content.decode()
    assert b"PK" not in response.content[:4]
    assert client_for(personas.learner).get(link(token)).status_code == 200  # not used up by the stranger


def test_an_unknown_token_gets_the_same_clear_page(personas, export):
    response = client_for(personas.learner).get(link("not-a-token-anyone-was-sent"))
    assert response.status_code == 404 and "It may have been replaced by a newer link" in response.content.decode()


def test_signed_out_the_link_asks_to_sign_in_then_comes_back(client, personas, export):
    token = last_token(personas)
    response = client.get(link(token))
    assert response.status_code == 302 and response.url == f"/accounts/login/?next={link(token)}"
    client.force_login(personas.learner)
    assert client.get(response.url.split("next=")[1]).status_code == 200


def test_a_new_link_works_the_old_one_no_longer_and_nothing_is_built_again(personas, export):
    client = client_for(personas.learner)
    old = last_token(personas)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the email goes once the request commits
        response = client.post(reverse("portfolio_export_new_link", args=[export.pk]), follow=True)
    assert "We have emailed you a new download link" in response.content.decode()
    new = last_token(personas)
    assert new != old and mail.outbox[-1].subject == "A new link to download your portfolio"
    assert client.get(link(old)).status_code == 404
    assert client.get(link(new)).status_code == 200
    renewed = ExportRequest.objects.get(pk=export.pk)
    assert (renewed.file.name, renewed.sha256, renewed.expires_at) == (export.file.name, export.sha256,
                                                                        export.expires_at)
    assert AuditEvent.objects.filter(action="export.built").count() == 1
    assert AuditEvent.objects.filter(action="export.link_renewed").count() == 1


def test_a_new_link_after_a_used_one_works_again(personas, export):
    client = client_for(personas.learner)
    assert client.get(link(last_token(personas))).status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("portfolio_export_new_link", args=[export.pk]))
    assert client.get(link(last_token(personas))).status_code == 200


def test_no_new_link_for_an_expired_export_and_nothing_changes(personas, export, time_machine):
    time_machine.move_to(export.expires_at + datetime.timedelta(seconds=1))
    response = client_for(personas.learner).post(reverse("portfolio_export_new_link", args=[export.pk]), follow=True)
    assert "This portfolio export has expired" in response.content.decode()
    assert ExportRequest.objects.get(pk=export.pk).token_hash == export.token_hash
    assert len(mail.outbox) == 1 and not AuditEvent.objects.filter(action="export.link_renewed").exists()


def test_other_peoples_exports_are_404_by_id(personas, export):
    for user in (personas.second_learner, personas.assessor, personas.admin, personas.outsider):
        client = client_for(user)
        assert client.get(reverse("portfolio_export_file", args=[export.pk])).status_code == 404
        assert client.post(reverse("portfolio_export_new_link", args=[export.pk])).status_code == 404
    assert len(mail.outbox) == 1


def test_the_learner_downloads_again_from_their_profile_while_it_is_kept(personas, export, time_machine):
    client = client_for(personas.learner)
    url = reverse("portfolio_export_file", args=[export.pk])
    assert sha256(streamed(client.get(url))) == sha256(streamed(client.get(url))) == export.sha256
    assert [e.data["first"] for e in AuditEvent.objects.filter(action="export.downloaded").order_by("seq")] == [
        True, False]
    time_machine.move_to(export.expires_at)
    assert client.get(url).status_code == 410


# --- The sweep -----------------------------------------------------------------------------------------------

def test_the_sweep_deletes_expired_zips_and_marks_them_expired(personas, export, time_machine):
    kept = built(learner=personas.learner, actor=personas.assessor, centre=personas.centre, purpose="staff")
    ExportRequest.objects.filter(pk=kept.pk).update(expires_at=export.expires_at + datetime.timedelta(days=1))
    time_machine.move_to(export.expires_at + datetime.timedelta(minutes=5))
    assert sweep_expired_exports() == 1
    swept, kept = ExportRequest.objects.get(pk=export.pk), ExportRequest.objects.get(pk=kept.pk)
    assert swept.status == "expired" and not swept.file and swept.sha256 == export.sha256
    assert not default_storage.exists(export.file.name)
    assert kept.status == "ready" and default_storage.exists(kept.file.name)
    assert AuditEvent.objects.get(action="export.expired").data.items() >= {
        "export": export.pk, "sha256": export.sha256}.items()
    assert sweep_expired_exports() == 0  # safe to run twice
    response = client_for(personas.learner).get(link(emailed_tokens(personas.learner)[0]))
    assert response.status_code == 410 and "This link has expired" in response.content.decode()


def test_an_expired_export_can_be_prepared_again(personas, export, time_machine):
    time_machine.move_to(export.expires_at + datetime.timedelta(minutes=5))
    sweep_expired_exports()
    again = built(learner=personas.learner, actor=personas.learner)
    assert again.status == "ready" and again.pk != export.pk


def test_export_new_link_refuses_anyone_but_the_learner(personas, export):
    with pytest.raises(PermissionDenied):
        export_new_link(export=export, actor=personas.assessor)
