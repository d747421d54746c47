"""The deployment's backup and restore: the database, every stored file and a manifest that vouches for them.

A backup is a directory:

- ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite: the online
  backup API, consistent while LEAP runs);
- ``files/<alias>/<name>``: every file of every storage alias that holds data (``default``: evidence, badges,
  certificates...; ``audit_checkpoints``: the signed chain heads), read through Django's storage API, so from
  disk and S3 alike, in chunks (memory does not grow with the files);
- ``manifest.json``: format, time, LEAP version, database engine, the latest migration of every app, every file
  with its size and SHA-256, the dump's SHA-256, and the latest audit checkpoint of every chain.

Consistency: the database is taken first, then the files. A file written after the dump started may be in the
backup without a row that refers to it (harmless); a file a row refers to is always there, unless it was deleted
while the backup ran (it is then listed under ``missing`` in the manifest and the command says so). Audit
checkpoints are the exception to "files may be newer": a checkpoint of events the dump does not hold would make
the restored chains look truncated, so only the checkpoints stored before the dump started are copied.

Restore refuses to write over anything: the database must be empty (see `database_rows`) and so must every
storage the backup has files for. It checks every hash first, then restores the database, uploads the files,
applies any migrations this LEAP has that the backup lacks, and runs ``verify_audit``.
"""

import hashlib
import json
import os
import posixpath
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from audit.checkpoints import STORAGE_ALIAS as CHECKPOINTS
from audit.checkpoints import stored_checkpoints

FORMAT = "leap.backup/1"
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK_BYTES = 1024 * 1024
SHOWN = 12  # tables named when a database is refused as not empty
# Aliases that hold no data of their own: static files are built from the code (collectstatic).
NOT_DATA = {"staticfiles"}
# Rows `migrate` writes by itself into a new database: a database holding only these is empty.
BOOKKEEPING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}


class BackupError(Exception):
    """Why a backup or a restore was refused or failed; the commands show it as it is."""


def _say_nothing(line: str) -> None:
    return None


# --- Storages ----------------------------------------------------------------------------------------------

def data_aliases() -> list[str]:
    return sorted(alias for alias in settings.STORAGES if alias not in NOT_DATA)


def _root(storage: Storage) -> tuple[tuple, str]:
    """Where a storage's files live: (the store, the path of its root inside that store)."""
    if hasattr(storage, "bucket_name"):  # S3Storage and its subclasses
        return ("s3", storage.endpoint_url, storage.bucket_name), (storage.location or "").strip("/")
    return ("disk",), str(Path(getattr(storage, "location", "") or ".").resolve()).replace(os.sep, "/").strip("/")


def nested_roots(alias: str) -> set[str]:
    """Folders of this alias's storage that are the root of another alias (e.g. the audit checkpoints under
    ``audit-checkpoints/`` in the default bucket): walked as that alias, never twice."""
    store, path = _root(storages[alias])
    nested = set()
    for other in data_aliases():
        other_store, other_path = _root(storages[other])
        if other == alias or other_store != store or other_path == path:
            continue
        if not path or other_path.startswith(path + "/"):
            nested.add(other_path[len(path):].strip("/"))
    return nested


def walk(storage: Storage, *, skip: set[str] = frozenset(), prefix: str = "") -> Iterator[str]:
    """Every file name in the storage, sorted folder by folder, recursively (S3 listdir works too)."""
    try:
        folders, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(prefix, name) if prefix else name
    for folder in sorted(folders):
        path = posixpath.join(prefix, folder) if prefix else folder
        if path not in skip:
            yield from walk(storage, skip=skip, prefix=path)


def _chunks(storage: Storage, name: str) -> Iterator[bytes]:
    with storage.open(name, "rb") as handle:
        s3_object = getattr(handle, "obj", None)
        if s3_object is not None:  # S3File would download the whole object into memory first: stream it instead
            yield from s3_object.get()["Body"].iter_chunks(CHUNK_BYTES)
            return
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _copy_out(chunks: Iterator[bytes], target: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    target.chmod(0o600)
    return size, digest.hexdigest()


def _hash_file(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


# --- The database ------------------------------------------------------------------------------------------

def engine() -> str:
    vendor = connection.vendor
    if vendor not in DUMPS:
        raise BackupError(f"backup and restore support PostgreSQL and SQLite, not {vendor}")
    return vendor


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database: the password travels as PGPASSWORD, never as an
    argument (arguments are visible to every user of the host in the process list)."""
    db = connection.settings_dict
    options = db.get("OPTIONS", {})
    values = {"PGHOST": db.get("HOST"), "PGPORT": db.get("PORT"), "PGUSER": db.get("USER"),
              "PGPASSWORD": db.get("PASSWORD"), "PGDATABASE": db.get("NAME"),
              "PGSSLMODE": options.get("sslmode"), "PGSSLROOTCERT": options.get("sslrootcert"),
              "PGSSLCERT": options.get("sslcert"), "PGSSLKEY": options.get("sslkey"),
              "PGSERVICE": options.get("service"), "PGPASSFILE": options.get("passfile")}
    return {**os.environ, **{k: str(v) for k, v in values.items() if v not in (None, "")}}


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is not installed (install the PostgreSQL client tools, the same major "
                          "version as the server or newer)") from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed (exit status {done.returncode}): {done.stderr.strip()}")


def _dump_database(out: Path) -> Path:
    target = out / DUMPS[engine()]
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-password", f"--file={target}"], _pg_env())
    else:
        name = connection.settings_dict["NAME"]
        if str(name) == ":memory:" or "mode=memory" in str(name):
            raise BackupError("an in-memory SQLite database cannot be backed up")
        source, copy = sqlite3.connect(name), sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)  # SQLite's online backup: one consistent state, writers carry on
        finally:
            source.close()
            copy.close()
    target.chmod(0o600)
    return target


def applied_migrations() -> dict[str, str]:
    """The latest applied migration of every app (the applied one no other applied one of its app follows)."""
    loader = MigrationLoader(connection)
    applied = set(loader.applied_migrations)
    latest: dict[str, str] = {}
    for app, name in sorted(applied):
        node = loader.graph.node_map.get((app, name))
        children = {child.key for child in node.children} if node else set()
        if not any(child[0] == app and child in applied for child in children):
            latest[app] = name
    return latest


def database_rows() -> dict[str, int]:
    """Rows per table, of every table in the database but `migrate`'s own bookkeeping.

    The database is *empty* when this is all zeros: no tables at all (a new database), or only the tables a
    `migrate` run created, with nothing in them but what `migrate` writes itself (the migrations applied,
    content types, permissions). One row anywhere else (a centre, a user, a session, an audit event) and it
    is not empty."""
    with connection.cursor() as cursor:
        tables = sorted(set(connection.introspection.table_names(cursor)) - BOOKKEEPING_TABLES)
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected)
            rows[table] = cursor.fetchone()[0]
    return rows


def _restore_database(dump: Path) -> None:
    if connection.vendor == "postgresql":
        connection.close()
        # One transaction: a failure leaves the database as it was. --clean --if-exists drops the empty tables
        # of a database `migrate` has already run in (checked empty before), and is a no-op on a new one.
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--clean", "--if-exists", "--no-password", f"--dbname={connection.settings_dict['NAME']}",
              str(dump)], _pg_env())
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    source, target = sqlite3.connect(dump), sqlite3.connect(name)
    try:
        with target:
            source.backup(target)  # replaces the (empty) target's pages, WAL and all
    finally:
        source.close()
        target.close()


def _migrate_if_needed(say: Callable[[str], None]) -> int:
    from django.core.management import call_command

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        say(f"Applying {len(plan)} migrations this LEAP has and the backup does not.")
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


# --- Backup ------------------------------------------------------------------------------------------------

def leap_version() -> str:
    try:
        return version("leap")
    except PackageNotFoundError:
        return "unknown"


def latest_checkpoints() -> list[dict]:
    found = stored_checkpoints()
    return [{"chain": chain, "seq": checkpoints[-1].seq, "hash": checkpoints[-1].hash}
            for chain, checkpoints in sorted(found.by_chain.items())]


@dataclass
class Backup:
    manifest: dict
    seconds: float

    @property
    def bytes(self) -> int:
        return sum(f["size"] for f in self.manifest["files"])


def backup_write(*, out: Path, say: Callable[[str], None] = _say_nothing) -> Backup:
    """Write a backup of this deployment into `out` (new or empty): the database first, then the files."""
    started = time.monotonic()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} exists and is not an empty directory: back up into a new one")
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o700)  # the backup holds everyone's personal data
    try:
        manifest = _backup_into(out, say)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    return Backup(manifest=manifest, seconds=time.monotonic() - started)


def _backup_into(out: Path, say: Callable[[str], None]) -> dict:
    # Before the dump: the checkpoints, and which of them exist (later ones would vouch for events not dumped).
    checkpoints = latest_checkpoints()
    checkpoint_names = set(walk(storages[CHECKPOINTS], skip=nested_roots(CHECKPOINTS))) \
        if CHECKPOINTS in settings.STORAGES else set()
    migrations = applied_migrations()
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    dump = _dump_database(out)
    size, digest = _hash_file(dump)
    say(f"Database ({engine()}): {dump.name}, {size} bytes.")
    files, missing, storage_totals = [], [], {}
    for alias in data_aliases():
        storage, count, total = storages[alias], 0, 0
        for name in walk(storage, skip=nested_roots(alias)):
            if alias == CHECKPOINTS and name not in checkpoint_names:
                continue
            path = f"files/{alias}/{name}"
            try:
                file_size, file_digest = _copy_out(_chunks(storage, name), out / path)
            except FileNotFoundError:  # deleted while the backup ran
                missing.append({"storage": alias, "name": name})
                continue
            files.append({"storage": alias, "name": name, "path": path, "size": file_size, "sha256": file_digest})
            count, total = count + 1, total + file_size
        storage_totals[alias] = {"files": count, "bytes": total}
        say(f"Storage {alias}: {count} files, {total} bytes.")
    manifest = {
        "format": FORMAT,
        "created_at": created_at,
        "leap_version": leap_version(),
        "database": {"engine": engine(), "path": dump.name, "size": size, "sha256": digest},
        "migrations": migrations,
        "storages": storage_totals,
        "files": files,
        "missing": missing,
        "audit_checkpoints": checkpoints,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    (out / MANIFEST).chmod(0o600)
    for lost in missing:
        say(f"WARNING {lost['storage']}:{lost['name']} was deleted while the backup ran and is not in it.")
    return manifest


# --- Restore -----------------------------------------------------------------------------------------------

def read_manifest(backup: Path) -> dict:
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{backup} has no {MANIFEST}: it is not a LEAP backup, or the backup did not finish") \
            from None
    except ValueError:
        raise BackupError(f"{backup / MANIFEST} is not readable JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{backup / MANIFEST} is not a {FORMAT} manifest")
    return manifest


def _safe_path(path: str) -> bool:
    parts = posixpath.normpath(path).split("/")
    return bool(path) and not path.startswith("/") and ".." not in parts and "\\" not in path


def backup_problems(backup: Path, manifest: dict) -> list[str]:
    """Every way the backup's contents differ from its manifest, one line each naming the file."""
    problems = []
    database = manifest.get("database") or {}
    entries = [database, *manifest.get("files", [])]
    listed = set()
    for entry in entries:
        path = entry.get("path", "")
        if not _safe_path(path) or (entry is not database and not _safe_path(entry.get("name", ""))):
            problems.append(f"{path or '(no path)'}: not a path inside the backup")
            continue
        listed.add(path)
        try:
            size, digest = _hash_file(backup / path)
        except FileNotFoundError:
            problems.append(f"{path}: missing from the backup")
            continue
        if digest != entry.get("sha256") or size != entry.get("size"):
            problems.append(f"{path}: changed since the backup was made (sha256 {digest[:16]}…, {size} bytes; "
                            f"the manifest says {str(entry.get('sha256'))[:16]}…, {entry.get('size')} bytes)")
    for path in sorted(p.relative_to(backup).as_posix() for p in backup.rglob("*") if p.is_file()):
        if path != MANIFEST and path not in listed:
            problems.append(f"{path}: in the backup but not in its manifest")
    return problems


def _storage_problems(manifest: dict) -> list[str]:
    problems = []
    for alias in sorted({f["storage"] for f in manifest["files"]} | set(manifest.get("storages", {}))):
        if alias not in settings.STORAGES:
            problems.append(f"storage {alias}: the backup has files for it, this deployment has no such storage")
            continue
        first = next(walk(storages[alias], skip=nested_roots(alias)), None)
        if first is not None:
            problems.append(f"storage {alias} is not empty (it holds {first}, for one): restore into empty storage")
    return problems


def _migration_problems(manifest: dict) -> list[str]:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return [f"migration {app}.{name}: the backup has it, this LEAP does not (the backup was made by a newer "
            f"LEAP, {manifest.get('leap_version')}: restore with that version)"
            for app, name in sorted(manifest.get("migrations", {}).items()) if (app, name) not in known]


@dataclass
class Restore:
    tables: int = 0
    rows: int = 0
    files: int = 0
    bytes: int = 0
    migrations_applied: int = 0
    seconds: float = 0.0
    verify_output: list[str] = field(default_factory=list)


def restore(*, backup: Path, skip_files: bool = False, say: Callable[[str], None] = _say_nothing) -> Restore:
    """Restore `backup` into this deployment's (empty) database and storages, then run verify_audit.

    Refused, before anything is written, when a file differs from the manifest, the database engines differ,
    the backup needs migrations this LEAP lacks, or the database or a storage is not empty. With `skip_files`
    only the database is restored and the storages are left as they are (e.g. a bucket that survived)."""
    started = time.monotonic()
    manifest = read_manifest(backup)
    problems = backup_problems(backup, manifest)
    if problems:
        raise BackupError("The backup does not match its manifest, nothing was restored:\n" + "\n".join(problems))
    backup_engine = manifest["database"].get("engine")
    if backup_engine != engine():
        raise BackupError(f"The backup is of a {backup_engine} database, this deployment uses {engine()}: "
                          "nothing was restored")
    problems = _migration_problems(manifest)
    try:
        rows = database_rows()
    except OperationalError as error:
        raise BackupError(f"Cannot open the database {connection.settings_dict['NAME']} (create it, empty, "
                          f"first): {error}") from None
    holding = [f"table {table} has {count} row{'' if count == 1 else 's'}" for table, count in rows.items() if count]
    problems += holding[:SHOWN] + ([f"... and {len(holding) - SHOWN} more tables with rows"]
                                   if len(holding) > SHOWN else [])
    if not skip_files:
        problems += _storage_problems(manifest)
    if problems:
        raise BackupError("Refused: restore only writes into an empty database and empty storage (the "
                          f"database {connection.settings_dict['NAME']}); nothing was restored:\n"
                          + "\n".join(problems))
    result = Restore()
    say(f"Backup of {manifest['created_at']} (LEAP {manifest.get('leap_version')}): hashes verified.")
    for lost in manifest.get("missing", []):
        say(f"WARNING {lost['storage']}:{lost['name']} was deleted while the backup ran and is not in it.")
    _restore_database(backup / manifest["database"]["path"])
    counted = database_rows()
    result.tables, result.rows = len(counted), sum(counted.values())
    say(f"Database restored: {result.tables} tables, {result.rows} rows.")
    if not skip_files:
        _bounded_uploads()
        for entry in manifest["files"]:
            with (backup / entry["path"]).open("rb") as handle:
                saved = storages[entry["storage"]].save(entry["name"], File(handle, name=entry["name"]))
            if saved != entry["name"]:
                raise BackupError(f"storage {entry['storage']} saved {entry['name']} as {saved}: stopped")
            result.files, result.bytes = result.files + 1, result.bytes + entry["size"]
        say(f"Files restored: {result.files} files, {result.bytes} bytes.")
    result.migrations_applied = _migrate_if_needed(say)
    result.verify_output = _verify_audit()
    result.seconds = time.monotonic() - started
    return result


def _bounded_uploads() -> None:
    """S3 uploads in 8 MB parts, 4 at a time and at most 4 read ahead: boto3's defaults (10 and 10) grew the
    restoring process by 117 MB for a 200 MB file, these by 52 MB."""
    from boto3.s3.transfer import TransferConfig

    for alias in data_aliases():
        storage = storages[alias]
        if hasattr(storage, "bucket_name"):
            config = TransferConfig(multipart_chunksize=8 * CHUNK_BYTES, max_concurrency=4,
                                    use_threads=storage.use_threads)
            config.max_in_memory_upload_chunks = 4  # s3transfer's setting, which boto3's constructor does not take
            storage.transfer_config = config


def _verify_audit() -> list[str]:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except CommandError as error:
        raise BackupError("RESTORED, BUT verify_audit FAILED: do not put this deployment into service.\n"
                          f"{err.getvalue()}{error}") from None
    return [line for line in (err.getvalue() + out.getvalue()).splitlines() if line]
