"""In production evidence and packs live in S3: the pack is built from evidence read through boto3's streaming
body (never django-storages' S3File, which would hold a whole object in memory), saved back to the private
bucket, and downloaded from it, against moto's S3 server."""

import hashlib
import io

import pytest
from django.test import TestCase
from django.urls import reverse
from storages.backends.s3 import S3File

from moderation.external.packs.builder import verify_pack
from moderation.external.packs.services import sample_pack_request
from moderation.models import SamplePack
from tests.conftest import client_for
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

from .sample_pack_world import pack_world, zip_entries

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_a_pack_is_built_from_evidence_in_s3_and_saved_back_to_the_bucket(s3, personas, monkeypatch):
    grant, inside, _outside = pack_world(personas)
    photo = inside.files.get()
    assert photo.file.name in s3.keys("evidence/")

    def whole_object_in_memory(self):
        raise AssertionError("S3File downloads the whole object: the pack must stream it")

    monkeypatch.setattr(S3File, "_get_file", whole_object_in_memory)
    with TestCase.captureOnCommitCallbacks(execute=True):
        pack = sample_pack_request(grant=grant, actor=personas.external_moderator)
    pack.refresh_from_db()
    assert pack.status == SamplePack.Status.READY, pack.error
    assert pack.file.name in s3.keys("sample-packs/")
    stored = s3.read(pack.file.name)
    assert hashlib.sha256(stored).hexdigest() == pack.sha256 and len(stored) == pack.size
    assert verify_pack(io.BytesIO(stored)).ok
    entries = zip_entries(stored)
    assert entries[f"learners/1/evidence/{inside.pk}/{photo.pk}-knife-skills.jpg"] == s3.read(photo.file.name)

    download = client_for(personas.external_moderator).get(reverse("eqa_mine_pack_download", args=[pack.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == stored
