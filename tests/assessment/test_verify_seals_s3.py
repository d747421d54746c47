"""Seals are re-hashed from object storage too: S3 through django-storages against moto's server."""

import pytest

from assessment.seals import verify_seals
from tests.portfolios.evidence_samples import jpeg_bytes
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

from .test_verify_seals import signed_off_unit

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def test_objects_changed_or_deleted_in_the_bucket_after_sign_off_are_reported(personas, s3):
    _, sign_off = signed_off_unit(personas)
    photo, audio = sign_off.seal["files"]
    assert set(s3.keys("evidence/")) >= {photo["key"], audio["key"]}
    problems = verify_seals()
    assert problems == [] and problems.summary == "1 signed-off units re-hashed"

    s3.client.put_object(Bucket=s3.bucket, Key=photo["key"], Body=jpeg_bytes(colour=(1, 2, 3)))
    s3.client.delete_object(Bucket=s3.bucket, Key=audio["key"])
    problems = [p.split(": ", 1)[1] for p in verify_seals()]
    assert problems[0].startswith(f"file 'kitchen.jpg' (id {photo['id']}) changed: sha256 ")
    assert problems[1] == f"file 'talk.wav' (id {audio['id']}) missing from storage"
