"""In production the ZIP lives in S3: built into a temporary file, saved to the private bucket, streamed back on
download (boto3's streaming body, never django-storages' S3File, which would hold it all in memory), deleted from
the bucket by the sweep; against moto's S3 server."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse
from storages.backends.s3 import S3File

from records.exports.services import export_request
from records.exports.tasks import sweep_expired_exports
from tests.conftest import client_for
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

from .flow_world import emailed_tokens, learner_with_work, sha256, streamed

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def test_the_export_is_saved_to_the_bucket_streamed_from_it_and_swept_from_it(s3, personas, monkeypatch,
                                                                               time_machine):
    learner_with_work(personas)

    def whole_object_in_memory(self):
        raise AssertionError("S3File downloads the whole object: the download must stream it")

    monkeypatch.setattr(S3File, "_get_file", whole_object_in_memory)
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = export_request(learner=personas.learner, actor=personas.learner)
    export.refresh_from_db()
    assert export.status == "ready", export.error
    stored = s3.read(export.file.name)
    assert export.file.name in s3.keys("portfolio-exports/") and sha256(stored) == export.sha256

    [token] = emailed_tokens(personas.learner)
    response = client_for(personas.learner).get(reverse("portfolio_export_download", args=[token]))
    assert response.status_code == 200 and streamed(response) == stored

    time_machine.move_to(export.expires_at + datetime.timedelta(minutes=1))
    assert sweep_expired_exports() == 1
    assert export.file.name not in s3.keys("portfolio-exports/")
