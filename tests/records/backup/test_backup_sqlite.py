"""Embedded mode: SQLite and files on disk backed up with `manage.py backup`, restored by `manage.py restore` in a
separate process into a new SQLite file and a new media folder, where verify_audit passes."""

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from centres.models import Centre
from records.backup import database_rows
from tests.factories import CentreFactory

from .support import recorded_deployment, restore_elsewhere, sha256, tamper

embedded = pytest.mark.skipif(connection.vendor != "sqlite", reason="the embedded (SQLite) backup")


@pytest.fixture(autouse=True)
def _var_in_tmp(settings, tmp_path):
    """The deployment's files where LEAP_VAR_DIR=tmp/source would put them."""
    settings.MEDIA_ROOT = tmp_path / "source" / "media"
    settings.STORAGES = {**settings.STORAGES, "audit_checkpoints": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path / "source" / "audit-checkpoints"}}}


def _sqlite_rows(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                               "AND name NOT LIKE 'sqlite_%'")]
        return {table: db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def _files_under(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256(p.read_bytes()) for p in root.rglob("*") if p.is_file()}


@pytest.mark.django_db
def test_a_freshly_migrated_database_is_empty_and_one_row_anywhere_makes_it_not(client):
    rows = database_rows()
    assert "centres_centre" in rows and "django_migrations" not in rows  # migrate's own bookkeeping is left out
    assert not any(rows.values())
    CentreFactory()
    assert {t: n for t, n in database_rows().items() if n} == {"centres_centre": Centre.objects.count()}


@pytest.mark.django_db
def test_backup_refuses_a_directory_that_holds_anything(tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "notes.txt").write_text("keep me")
    with pytest.raises(CommandError, match="is not an empty directory"):
        call_command("backup", "--out", str(tmp_path / "old"))
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["notes.txt"]


@embedded
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_into_a_new_sqlite_file_and_media_folder_then_verify_audit_passes(request, tmp_path,
                                                                                           settings):
    target = tmp_path / "restored"
    target.mkdir()
    with sqlite3.connect(connection.settings_dict["NAME"]) as source, sqlite3.connect(target / "leap.sqlite3") as new:
        source.backup(new)  # the test database as `migrate` left it: empty, so a restore may write into it
    sign_off, manifest = recorded_deployment(request.getfixturevalue("personas"), tmp_path / "backup")

    backup = tmp_path / "backup"
    assert manifest["database"]["engine"] == "sqlite"
    assert manifest["database"]["sha256"] == sha256((backup / "database.sqlite3").read_bytes())
    by_name = {(f["storage"], f["name"]): f for f in manifest["files"]}
    for sealed in sign_off.seal["files"]:
        assert by_name[("default", sealed["key"])]["sha256"] == sealed["sha256"]
    assert manifest["storages"]["audit_checkpoints"]["files"] == len(manifest["audit_checkpoints"]) >= 1
    assert manifest["migrations"]["audit"].startswith("0005_")

    done = restore_elsewhere(backup, target, DATABASE_URL=f"sqlite:///{target / 'leap.sqlite3'}")
    assert done.returncode == 0, done.stderr
    assert "verify_audit: OK: " in done.stdout and "1 signed-off units re-hashed" in done.stdout
    assert f"{len(manifest['files'])} files" in done.stdout and "verify_audit passed" in done.stdout
    restored_rows = _sqlite_rows(target / "leap.sqlite3")
    assert {t: n for t, n in restored_rows.items() if t in database_rows()} == database_rows()
    assert _files_under(target / "media") == _files_under(Path(settings.MEDIA_ROOT))
    checkpoints = Path(settings.STORAGES["audit_checkpoints"]["OPTIONS"]["location"])
    assert _files_under(target / "audit-checkpoints") == _files_under(checkpoints)

    again = restore_elsewhere(backup, target, DATABASE_URL=f"sqlite:///{target / 'leap.sqlite3'}")
    assert again.returncode != 0
    assert "Refused: restore only writes into an empty database" in again.stderr
    assert "table assessment_unitsignoff has 1 row\n" in again.stderr
    assert "storage default is not empty" in again.stderr
    assert _sqlite_rows(target / "leap.sqlite3") == restored_rows


@embedded
@pytest.mark.django_db(transaction=True)
def test_a_backup_with_one_byte_changed_is_refused_naming_the_file_and_nothing_is_written(personas, tmp_path):
    sign_off, manifest = recorded_deployment(personas, tmp_path / "backup")
    tampered = tmp_path / "tampered"
    shutil.copytree(tmp_path / "backup", tampered)
    key = sign_off.seal["files"][0]["key"]
    tamper(tampered / "files" / "default" / key)
    database = f"sqlite:///{tmp_path / 'new' / 'db.sqlite3'}"

    done = restore_elsewhere(tampered, tmp_path / "new", DATABASE_URL=database)
    assert done.returncode != 0
    assert "The backup does not match its manifest, nothing was restored" in done.stderr
    assert f"files/default/{key}: changed since the backup was made" in done.stderr
    assert not (tmp_path / "new" / "db.sqlite3").exists() and not (tmp_path / "new" / "media").exists()

    # The manifest rewritten to match: the hashes pass, the restore goes ahead, and verify_audit catches it.
    for entry in manifest["files"]:
        if entry["name"] == key:
            entry["sha256"] = sha256((tampered / entry["path"]).read_bytes())
    (tampered / "manifest.json").write_text(json.dumps(manifest))
    done = restore_elsewhere(tampered, tmp_path / "new", DATABASE_URL=database)
    assert done.returncode != 0
    assert "RESTORED, BUT verify_audit FAILED: do not put this deployment into service." in done.stderr
    assert f"file '{sign_off.seal['files'][0]['name']}' (id {sign_off.seal['files'][0]['id']}) changed" in done.stderr


@embedded
@pytest.mark.django_db(transaction=True)
def test_skip_files_restores_the_database_alone_over_the_files_that_survived(personas, tmp_path):
    _, manifest = recorded_deployment(personas, tmp_path / "backup")
    database = tmp_path / "new.sqlite3"

    done = restore_elsewhere(tmp_path / "backup", tmp_path / "source", "--skip-files",
                             DATABASE_URL=f"sqlite:///{database}")
    assert done.returncode == 0, done.stderr
    assert "files skipped" in done.stdout and "1 signed-off units re-hashed" in done.stdout
    assert {t: n for t, n in _sqlite_rows(database).items() if t in database_rows()} == database_rows()
