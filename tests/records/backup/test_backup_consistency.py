"""What a backup holds and what a restore refuses before it writes anything (in this process, either engine)."""

import json

import pytest
from django.db import connection

from audit.checkpoints import audit_checkpoints_write, checkpoint_storage
from records import backup as backup_module
from records.backup import DUMPS, FORMAT, BackupError, backup_write, restore
from tests.audit.test_audit_chain import _record_some

from .support import sha256


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.django_db(transaction=True)
def test_checkpoints_written_while_the_database_is_dumped_are_left_out(personas, tmp_path, monkeypatch):
    """Such a checkpoint vouches for events the dump does not hold: restored, the chain would look truncated."""
    _record_some(personas.centre, personas.admin, 2)
    [before] = [c for c in audit_checkpoints_write().written if c.chain_key == f"centre:{personas.centre.pk}"]
    dump = backup_module._dump_database
    written_during = []

    def dump_then_checkpoint(out):
        target = dump(out)
        _record_some(personas.centre, personas.admin, 1)
        written_during.extend(audit_checkpoints_write().written)
        return target

    monkeypatch.setattr(backup_module, "_dump_database", dump_then_checkpoint)
    manifest = backup_write(out=tmp_path / "backup").manifest

    assert written_during and all(checkpoint_storage().exists(c.name) for c in written_during)
    backed_up = {f["name"] for f in manifest["files"] if f["storage"] == "audit_checkpoints"}
    assert before.name in backed_up and not backed_up & {c.name for c in written_during}
    assert {"chain": before.chain_key, "seq": before.seq, "hash": before.hash} in manifest["audit_checkpoints"]


def _fake_backup(path, engine=connection.vendor, **manifest):
    """A backup directory whose hashes are right: what is refused is refused for another reason."""
    path.mkdir()
    (path / DUMPS[engine]).write_bytes(b"not restored")
    database = {"engine": engine, "path": DUMPS[engine], "size": 12, "sha256": sha256(b"not restored")}
    (path / "manifest.json").write_text(json.dumps({
        "format": FORMAT, "created_at": "2026-01-01T00:00:00+00:00", "leap_version": "9.0", "database": database,
        "migrations": {}, "storages": {}, "files": [], "missing": [], "audit_checkpoints": [], **manifest}))
    return path


@pytest.mark.django_db
def test_a_backup_from_a_newer_leap_or_another_engine_is_refused(tmp_path):
    newer = _fake_backup(tmp_path / "newer", migrations={"audit": "0005_content_commitment",
                                                        "assessment": "0099_from_the_future"})
    with pytest.raises(BackupError) as refused:
        restore(backup=newer)
    assert "migration assessment.0099_from_the_future: the backup has it, this LEAP does not (the backup was " \
           "made by a newer LEAP, 9.0" in str(refused.value)
    assert "audit.0005" not in str(refused.value)

    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    foreign = _fake_backup(tmp_path / "foreign", engine=other)
    with pytest.raises(BackupError, match=f"is of a {other} database, this deployment uses {connection.vendor}"):
        restore(backup=foreign)


@pytest.mark.django_db
def test_a_directory_without_a_manifest_or_with_files_it_does_not_list_is_refused(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(BackupError, match="has no manifest.json: it is not a LEAP backup, or the backup did not"):
        restore(backup=tmp_path / "half")
    extra = _fake_backup(tmp_path / "extra", files=[{"storage": "default", "name": "../../etc/passwd",
                                                     "path": "files/default/../../etc/passwd", "size": 1,
                                                     "sha256": "0"}])
    (extra / "files").mkdir()
    (extra / "files" / "planted.txt").write_text("!")
    with pytest.raises(BackupError) as refused:
        restore(backup=extra)
    assert "files/default/../../etc/passwd: not a path inside the backup" in str(refused.value)
    assert "files/planted.txt: in the backup but not in its manifest" in str(refused.value)
