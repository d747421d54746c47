"""In production the checkpoints are S3 objects, each under object lock when the bucket has it: written through
boto3 to a local S3 server, read back by `verify_audit`, and a rewritten chain is still caught."""

import runpy
from pathlib import Path

import pytest

import leap.settings as settings_module
from audit.checkpoints import audit_checkpoints_write, audit_verify_checkpoints
from tests.factories import CentreFactory, UserFactory
from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, moto_server_fixture, s3_fixture  # noqa: F401

from .test_audit_chain import _record_some
from .test_audit_checkpoints import _recompute_from

pytestmark = [pytest.mark.django_db, pytest.mark.services]
LOCKED_BUCKET = "leap-audit-checkpoints"


@pytest.fixture
def checkpoints_in_s3(s3, settings, monkeypatch):
    """The checkpoint storage leap/settings.py builds from the environment, on a bucket created with object lock."""
    s3.client.create_bucket(Bucket=LOCKED_BUCKET, ObjectLockEnabledForBucket=True)
    env = {"S3_BUCKET": s3.bucket, "S3_ENDPOINT_URL": s3.url, "S3_ACCESS_KEY_ID": ACCESS_KEY,
           "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": REGION, "LEAP_AUDIT_CHECKPOINT_BUCKET": LOCKED_BUCKET,
           "LEAP_AUDIT_CHECKPOINT_LOCK_DAYS": "30"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    storage = runpy.run_path(str(Path(settings_module.__file__)))["STORAGES"]["audit_checkpoints"]
    for name in env:
        monkeypatch.delenv(name)
    settings.STORAGES = {**settings.STORAGES, "audit_checkpoints": storage}
    return s3


def test_checkpoints_are_locked_s3_objects_and_a_rewritten_chain_is_still_reported(checkpoints_in_s3):
    s3 = checkpoints_in_s3
    centre = CentreFactory()
    key = f"centre:{centre.pk}"
    _record_some(centre, UserFactory(), 3)
    assert [(c.chain_key, c.seq) for c in audit_checkpoints_write().written] == [(key, 3)]

    listed = s3.client.list_objects_v2(Bucket=LOCKED_BUCKET)["Contents"]
    [name] = [item["Key"] for item in listed]
    assert name == f"audit-checkpoints/checkpoints/centre-{centre.pk}/000000000003.json"
    head = s3.client.head_object(Bucket=LOCKED_BUCKET, Key=name)
    assert head["ObjectLockMode"] == "COMPLIANCE" and head["ObjectLockRetainUntilDate"]
    assert audit_verify_checkpoints() == []

    _recompute_from(key, 2, {"i": 42})
    (problem,) = audit_verify_checkpoints()
    assert problem.startswith(f"chain {key} contradicts checkpoint #3 of ")
