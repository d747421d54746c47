"""Production: PostgreSQL and files on S3 (moto's server) backed up with `manage.py backup`, restored by
`manage.py restore` in a separate process into a NEW empty database and a NEW empty bucket, where verify_audit
passes (the audit chains, their signed checkpoints, the sealed files re-hashed from the new bucket)."""

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import psycopg2
import pytest
from django.db import connection

from records.backup import database_rows
from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, moto_server_fixture, s3_fixture  # noqa: F401

from .support import recorded_deployment, restore_elsewhere, sha256

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
RESTORED_BUCKET = "leap-restored"


@dataclass
class NewDatabase:
    name: str
    url: str

    def rows(self) -> dict[str, int]:
        db = connection.settings_dict
        with psycopg2.connect(dbname=self.name, host=db["HOST"] or None, port=db["PORT"] or None,
                              user=db["USER"] or None, password=db["PASSWORD"] or None) as new, new.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = [row[0] for row in cur.fetchall()]
            counts = {}
            for table in tables:
                cur.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
                counts[table] = cur.fetchone()[0]
        new.close()
        return counts


@pytest.fixture
def new_database(postgres) -> Iterator[NewDatabase]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    db = postgres.settings_dict
    name = f"{db['NAME']}_restored"
    with postgres._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    yield NewDatabase(name, f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}")
    with postgres._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deployment_on_s3(s3, settings):
    """Evidence in the bucket, and the audit checkpoints in it under audit-checkpoints/ (as leap/settings.py sets
    them up when LEAP_AUDIT_CHECKPOINT_BUCKET is not set): one bucket, two storages, each file backed up once."""
    settings.STORAGES = {**settings.STORAGES, "audit_checkpoints": {
        "BACKEND": "audit.storage.CheckpointS3Storage",
        "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "location": "audit-checkpoints"}}}
    return s3


def _objects(s3, bucket: str) -> dict[str, str]:
    listed = s3.client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {o["Key"]: sha256(s3.client.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()) for o in listed}


def test_backup_from_postgres_and_s3_restores_into_a_new_database_and_bucket_where_verify_audit_passes(
        personas, deployment_on_s3, new_database, tmp_path):
    s3 = deployment_on_s3
    sign_off, manifest = recorded_deployment(personas, tmp_path / "backup")
    assert manifest["database"]["engine"] == "postgresql"
    assert (tmp_path / "backup" / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    source_objects = _objects(s3, s3.bucket)
    sealed_keys = {f["key"] for f in sign_off.seal["files"]}
    checkpoint_keys = {k for k in source_objects if k.startswith("audit-checkpoints/")}
    assert sealed_keys < set(source_objects) and checkpoint_keys
    backed_up = sorted((f["storage"], f["name"]) for f in manifest["files"])
    assert len(backed_up) == len(source_objects)  # the checkpoints once, as audit_checkpoints, not again as default
    assert {name for alias, name in backed_up if alias == "audit_checkpoints"} == {
        k.removeprefix("audit-checkpoints/") for k in checkpoint_keys}
    s3.client.create_bucket(Bucket=RESTORED_BUCKET)
    env = {"DATABASE_URL": new_database.url, "S3_BUCKET": RESTORED_BUCKET, "S3_ENDPOINT_URL": s3.url,
           "S3_ACCESS_KEY_ID": ACCESS_KEY, "S3_SECRET_ACCESS_KEY": SECRET_KEY, "S3_REGION": REGION}

    done = restore_elsewhere(tmp_path / "backup", tmp_path / "restored", **env)
    assert done.returncode == 0, done.stderr
    verified = [line for line in done.stdout.splitlines() if line.startswith("verify_audit: OK: ")]
    assert len(verified) == 1
    assert f"{len(checkpoint_keys)} checkpoints checked" in verified[0]
    assert "1 signed-off units re-hashed" in verified[0]
    assert _objects(s3, RESTORED_BUCKET) == source_objects
    restored = new_database.rows()
    assert {t: restored[t] for t in database_rows()} == database_rows()
    assert restored["assessment_unitsignoff"] == 1

    again = restore_elsewhere(tmp_path / "backup", tmp_path / "restored", **env)
    assert again.returncode != 0
    assert f"Refused: restore only writes into an empty database and empty storage (the database " \
           f"{new_database.name})" in again.stderr
    assert "table accounts_user has " in again.stderr and "storage default is not empty" in again.stderr
    assert new_database.rows() == restored
