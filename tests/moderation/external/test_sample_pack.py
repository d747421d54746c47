"""The sample pack: asked for once, built by the task into a ZIP whose manifest matches its files, holding only
the scope; downloaded only by the person who asked, until the link expires; checked by verify_sample_pack."""

import datetime
import hashlib
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditChain, AuditEvent
from centres.services import ServiceError
from moderation.external.packs.builder import pack_write
from moderation.external.packs.services import sample_pack_request
from moderation.models import SamplePack
from tests.conftest import client_for

from .sample_pack_world import pack_world, rewritten, zip_entries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def built_pack(grant, actor) -> SamplePack:
    with TestCase.captureOnCommitCallbacks(execute=True):  # the eager task builds it on commit
        pack = sample_pack_request(grant=grant, actor=actor)
    pack.refresh_from_db()
    return pack


def pack_bytes(pack: SamplePack) -> bytes:
    with pack.file.open("rb") as handle:
        return handle.read()


def test_a_built_pack_is_ready_and_its_manifest_matches_every_file(personas):
    grant, inside, _outside = pack_world(personas)
    pack = built_pack(grant, personas.admin)
    assert pack.status == SamplePack.Status.READY and pack.file.name.startswith("sample-packs/")
    data = pack_bytes(pack)
    assert pack.size == len(data) and pack.sha256 == hashlib.sha256(data).hexdigest()
    entries = zip_entries(data)
    manifest = json.loads(entries.pop("manifest.json"))
    assert sorted(f["path"] for f in manifest["files"]) == sorted(entries)
    for listed in manifest["files"]:
        content = entries[listed["path"]]
        assert (listed["size"], listed["sha256"]) == (len(content), hashlib.sha256(content).hexdigest())
    assert pack.file_count == len(entries)
    chain = AuditChain.objects.get(key=f"centre:{personas.centre.pk}")
    assert manifest["checkpoint"]["chain"] == chain.key and manifest["checkpoint"]["head_seq"] <= chain.last_seq
    assert manifest["grant"]["id"] == grant.pk and manifest["built_by"]["id"] == personas.admin.pk


def test_the_pack_holds_the_index_plans_iqa_and_each_scoped_learners_page_and_files(personas):
    grant, inside, _outside = pack_world(personas)
    entries = zip_entries(pack_bytes(built_pack(grant, personas.admin)))
    for name in ("index.html", "assessment-plans.html", "assessment-plans.csv", "iqa.html", "standardisation.html",
                 "learners/1/index.html"):
        assert name in entries
    index = entries["index.html"].decode()
    assert 'href="learners/1/index.html"' in index and personas.learner.get_full_name() in index
    assert "<script" not in index and "http" not in index.replace("http-equiv", "")
    learner_page = entries["learners/1/index.html"].decode()
    photo = inside.files.get()
    link = f"evidence/{inside.pk}/{photo.pk}-knife-skills.jpg"
    assert f'href="{link}"' in learner_page and "Clear photos, well dated." in learner_page
    with photo.file.open("rb") as handle:
        assert entries[f"learners/1/{link}"] == handle.read()
    assert any(name.startswith("learners/1/feedback/review-") for name in entries)  # the voice feedback


def test_only_scoped_learners_evidence_is_in_the_pack(personas):
    grant, _inside, outside = pack_world(personas)
    entries = zip_entries(pack_bytes(built_pack(grant, personas.admin)))
    assert not any(f"evidence/{outside.pk}/" in name for name in entries)
    assert not any(name.startswith("learners/2/") for name in entries)
    everything = b"".join(entries.values())
    assert b"outsider.jpg" not in everything and personas.second_learner.get_full_name().encode() not in everything


def test_a_blind_grant_names_learners_by_pseudonym_only(personas):
    grant, inside, _outside = pack_world(personas, blind=True)
    entries = zip_entries(pack_bytes(built_pack(grant, personas.admin)))
    everything = b"".join(entries.values()).decode("utf-8", "replace")
    assert personas.learner.get_full_name() not in everything and personas.learner.email not in everything
    assert "knife-skills" not in everything  # file names may carry a name: files are numbered
    from moderation.external.blind import pseudonym

    assert pseudonym(grant, personas.learner) in entries["index.html"].decode()


def test_a_second_request_while_one_is_queued_returns_it(personas, settings):
    grant, _inside, _outside = pack_world(personas)
    first = sample_pack_request(grant=grant, actor=personas.admin)  # not committed: stays queued
    again = sample_pack_request(grant=grant, actor=personas.admin)
    assert again.pk == first.pk and SamplePack.objects.count() == 1
    assert first.expires_at - timezone.now() > datetime.timedelta(days=settings.LEAP_SAMPLE_PACK_DAYS, minutes=-1)
    assert AuditEvent.objects.filter(action="eqa.pack_requested").count() == 1


def test_a_learner_or_an_assessor_cannot_ask_for_a_pack(personas):
    grant, _inside, _outside = pack_world(personas)
    for outsider in (personas.learner, personas.assessor, personas.moderator):
        with pytest.raises(PermissionDenied):
            sample_pack_request(grant=grant, actor=outsider)


def test_no_pack_is_made_of_a_revoked_grant(personas):
    from moderation.external.services import eqa_grant_revoke

    grant, _inside, _outside = pack_world(personas)
    grant = eqa_grant_revoke(grant=grant, actor=personas.admin, reason="Visit cancelled")
    with pytest.raises(ServiceError):
        sample_pack_request(grant=grant, actor=personas.admin)


def test_the_external_moderator_asks_for_a_pack_and_downloads_it(personas):
    grant, _inside, _outside = pack_world(personas)
    client = client_for(personas.external_moderator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("eqa_mine_pack_request"))
    pack = SamplePack.objects.get(requested_by=personas.external_moderator)
    assert response.status_code == 302 and response.url == reverse("eqa_mine_pack", args=[pack.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and reverse("eqa_mine_pack_download", args=[pack.pk]) in page.content.decode()
    download = client.get(reverse("eqa_mine_pack_download", args=[pack.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content) == pack_bytes(SamplePack.objects.get(pk=pack.pk))
    assert AuditEvent.objects.filter(action="eqa.file_downloaded", actor=personas.external_moderator).exists()
    assert SamplePack.objects.get(pk=pack.pk).downloaded_at is not None


def test_a_queued_pack_page_says_it_is_being_built(personas):
    grant, _inside, _outside = pack_world(personas)
    pack = sample_pack_request(grant=grant, actor=personas.admin)  # on_commit never runs in this test
    page = client_for(personas.admin).get(reverse("eqa_pack", args=[pack.pk]))
    assert page.status_code == 200 and "Reload this page" in page.content.decode()
    assert client_for(personas.admin).get(reverse("eqa_pack_download", args=[pack.pk])).status_code == 404


def test_another_persons_pack_is_404_to_download(personas):
    grant, _inside, _outside = pack_world(personas)
    admins_pack = built_pack(grant, personas.admin)
    eqa = client_for(personas.external_moderator)
    assert eqa.get(reverse("eqa_mine_pack_download", args=[admins_pack.pk])).status_code == 404
    assert eqa.get(reverse("eqa_mine_pack", args=[admins_pack.pk])).status_code == 404
    assert AuditEvent.objects.filter(action="eqa.refused", actor=personas.external_moderator).count() == 2
    eqas_pack = built_pack(grant, personas.external_moderator)
    admin = client_for(personas.admin)
    assert admin.get(reverse("eqa_pack_download", args=[eqas_pack.pk])).status_code == 404
    assert admin.get(reverse("eqa_pack_download", args=[admins_pack.pk])).status_code == 200


def test_an_expired_link_is_404(personas, time_machine, settings):
    grant, _inside, _outside = pack_world(personas, days=30)
    pack = built_pack(grant, personas.external_moderator)
    url = reverse("eqa_mine_pack_download", args=[pack.pk])
    assert client_for(personas.external_moderator).get(url).status_code == 200
    time_machine.move_to(timezone.now() + datetime.timedelta(days=settings.LEAP_SAMPLE_PACK_DAYS, hours=1))
    assert client_for(personas.external_moderator).get(url).status_code == 404
    assert AuditEvent.objects.filter(action="eqa.refused", actor=personas.external_moderator,
                                     data__view="eqa_mine_pack_download").exists()


def test_a_pack_that_fails_to_build_says_so(personas, monkeypatch):
    from moderation.external.packs import builder

    grant, _inside, _outside = pack_world(personas)

    def broken(**kwargs):
        raise ValueError("the template is missing")

    monkeypatch.setattr(builder, "pack_write", broken)
    pack = built_pack(grant, personas.admin)
    assert pack.status == SamplePack.Status.FAILED and "the template is missing" in pack.error
    page = client_for(personas.admin).get(reverse("eqa_pack", args=[pack.pk]))
    assert "could not be built" in page.content.decode()


def _packs(grant, requester, count: int) -> None:
    SamplePack.objects.bulk_create(SamplePack(grant=grant, requested_by=requester, status=SamplePack.Status.READY,
                                              expires_at=timezone.now() + datetime.timedelta(days=7))
                                   for _ in range(count))


def test_the_grant_page_lists_its_packs_in_a_fixed_number_of_queries(personas, django_assert_num_queries):
    grant, _inside, _outside = pack_world(personas)
    _packs(grant, personas.admin, 1)
    client = client_for(personas.admin)
    url = reverse("eqa_grant_detail", args=[grant.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one_pack:
        assert client.get(url).content.decode().count("Pack #") == 1
    _packs(grant, personas.admin, 3)
    _packs(grant, personas.external_moderator, 3)
    with django_assert_num_queries(len(one_pack)):
        page = client.get(url).content.decode()
    assert page.count("Pack #") == 7 and page.count("The external moderator") == 3


def test_the_eqas_packs_page_lists_only_their_own_in_a_fixed_number_of_queries(personas, django_assert_num_queries):
    grant, _inside, _outside = pack_world(personas)
    _packs(grant, personas.external_moderator, 1)
    _packs(grant, personas.admin, 2)
    client = client_for(personas.external_moderator)
    url = reverse("eqa_mine_packs")
    client.get(url)
    with CaptureQueriesContext(connection) as one_pack:
        assert client.get(url).content.decode().count("Pack #") == 1
    _packs(grant, personas.external_moderator, 4)
    with django_assert_num_queries(len(one_pack)):
        assert client.get(url).content.decode().count("Pack #") == 5


# --- The two commands ---------------------------------------------------------------------------------------------

def _command_pack(grant, tmp_path) -> tuple[bytes, str]:
    out = tmp_path / "pack.zip"
    stdout = io.StringIO()
    call_command("eqa_sample_pack", str(grant.pk), "--out", str(out), stdout=stdout)
    return out.read_bytes(), stdout.getvalue()


def test_the_command_builds_the_pack_and_says_where_how_big_and_how_long(personas, tmp_path):
    grant, _inside, _outside = pack_world(personas)
    data, said = _command_pack(grant, tmp_path)
    assert str(tmp_path / "pack.zip") in said and f"{len(data)} bytes" in said and " s\n" in said
    latest = tmp_path / "latest.zip"
    call_command("eqa_sample_pack", "latest", "--out", str(latest), stdout=io.StringIO())
    assert set(zip_entries(latest.read_bytes())) == set(zip_entries(data))
    assert AuditEvent.objects.filter(action="eqa.pack_exported").count() == 2


def test_verify_passes_an_untouched_pack(personas, tmp_path):
    grant, _inside, _outside = pack_world(personas)
    _command_pack(grant, tmp_path)
    stdout = io.StringIO()
    call_command("verify_sample_pack", str(tmp_path / "pack.zip"), stdout=stdout)
    said = stdout.getvalue()
    assert "files match the manifest" in said
    assert hashlib.sha256((tmp_path / "pack.zip").read_bytes()).hexdigest() in said


def _verify(path) -> tuple[str, str | None]:
    stdout = io.StringIO()
    try:
        call_command("verify_sample_pack", str(path), stdout=stdout)
    except CommandError as error:
        return stdout.getvalue(), str(error)
    return stdout.getvalue(), None


def test_one_changed_byte_is_named_and_fails_verification(personas, tmp_path):
    grant, inside, _outside = pack_world(personas)
    data, _said = _command_pack(grant, tmp_path)
    photo = next(name for name in zip_entries(data) if f"evidence/{inside.pk}/" in name)

    def flip_one_byte(name, content):
        return content[:100] + bytes([content[100] ^ 1]) + content[101:] if name == photo else content

    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(rewritten(data, flip_one_byte))
    said, error = _verify(tampered)
    assert f"differs: {photo}" in said and error is not None and "1 file does not match" in error
    assert said.count("differs:") == 1


def test_a_missing_file_and_an_added_one_are_named(personas, tmp_path):
    grant, _inside, _outside = pack_world(personas)
    data, _said = _command_pack(grant, tmp_path)
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(rewritten(data, lambda name, content: None if name == "iqa.html" else content))
    said, error = _verify(tampered)
    assert "missing: iqa.html" in said and error is not None
    added = tmp_path / "added.zip"
    added.write_bytes(rewritten(data, lambda name, content: content))
    import zipfile

    with zipfile.ZipFile(added, "a") as zf:
        zf.writestr("learners/1/evidence/extra.jpg", b"slipped in")
    said, error = _verify(added)
    assert "not in the manifest: learners/1/evidence/extra.jpg" in said and error is not None


def test_verify_refuses_a_file_that_is_not_a_pack(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    _said, error = _verify(junk)
    assert error is not None and "not a readable sample pack" in error


def test_the_builder_writes_the_same_pack_into_any_file(personas, tmp_path):
    grant, _inside, _outside = pack_world(personas)
    with open(tmp_path / "direct.zip", "wb") as handle:
        built = pack_write(grant=grant, out=handle, built_by=personas.admin)
    assert built.file_count == len(built.manifest["files"]) and built.learners == 1


def test_the_nightly_sweep_deletes_expired_packs_files_and_keeps_their_record(personas, time_machine, settings):
    from moderation.external.packs.tasks import sweep_expired_sample_packs

    grant, _inside, _outside = pack_world(personas, days=30)
    pack = built_pack(grant, personas.admin)
    storage, name = pack.file.storage, pack.file.name
    assert sweep_expired_sample_packs.delay().get() == 0 and storage.exists(name)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=settings.LEAP_SAMPLE_PACK_DAYS, hours=1))
    assert sweep_expired_sample_packs.delay().get() == 1
    pack.refresh_from_db()
    assert not storage.exists(name) and not pack.file and pack.sha256
    assert sweep_expired_sample_packs.delay().get() == 0
    assert any(entry["task"] == sweep_expired_sample_packs.name for entry in settings.CELERY_BEAT_SCHEDULE.values())


def test_the_task_is_idempotent_a_ready_pack_is_left_alone(personas):
    from moderation.external.packs.tasks import build_sample_pack

    grant, _inside, _outside = pack_world(personas)
    pack = built_pack(grant, personas.admin)
    assert build_sample_pack.delay(pack.pk).get() is False
    again = SamplePack.objects.get(pk=pack.pk)
    assert (again.file.name, again.sha256, again.finished_at) == (pack.file.name, pack.sha256, pack.finished_at)
    assert AuditEvent.objects.filter(action="eqa.pack_built").count() == 1


def test_a_transient_error_fails_the_attempt_and_the_retry_builds_the_pack(personas, monkeypatch):
    from moderation.external.packs import builder
    from moderation.external.packs.tasks import build_sample_pack

    assert build_sample_pack.acks_late and ConnectionError in build_sample_pack.autoretry_for
    grant, _inside, _outside = pack_world(personas)
    pack = sample_pack_request(grant=grant, actor=personas.admin)  # queued; on_commit never runs here
    real = builder.pack_write

    def s3_went_away(**kwargs):
        raise ConnectionError("S3 went away")

    monkeypatch.setattr(builder, "pack_write", s3_went_away)
    with pytest.raises(ConnectionError):  # raised again, for Celery to retry with backoff
        builder.sample_pack_build(pack_id=pack.pk)
    failed = SamplePack.objects.get(pk=pack.pk)
    assert failed.status == SamplePack.Status.FAILED and "S3 went away" in failed.error
    monkeypatch.setattr(builder, "pack_write", real)
    assert builder.sample_pack_build(pack_id=pack.pk) is True  # what the retry runs
    built = SamplePack.objects.get(pk=pack.pk)
    assert built.status == SamplePack.Status.READY and built.error == ""


def test_a_pack_whose_worker_died_is_built_again_by_the_redelivered_task(personas, time_machine):
    from moderation.external.packs.tasks import build_sample_pack

    grant, _inside, _outside = pack_world(personas)
    pack = sample_pack_request(grant=grant, actor=personas.admin)  # queued; on_commit never runs here
    SamplePack.objects.filter(pk=pack.pk).update(status=SamplePack.Status.BUILDING, started_at=timezone.now())
    assert build_sample_pack.delay(pack.pk).get() is False  # another worker is on it
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=3))
    assert build_sample_pack.delay(pack.pk).get() is True
    assert SamplePack.objects.get(pk=pack.pk).status == SamplePack.Status.READY
