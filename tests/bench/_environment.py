"""Point LEAP at a throwaway database before Django starts. Nothing here imports Django.

Without DATABASE_URL the bench uses a fresh SQLite file in a temporary directory; with it (PostgreSQL)
the bench drops and recreates a database named ``leap_bench`` (or ``LEAP_BENCH_DATABASE``) on that server, whatever
the URL names.
Either way media, mail and the embedded secret key go to the temporary directory, never to ``var/``.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

BENCH_DATABASE = os.environ.get("LEAP_BENCH_DATABASE", "leap_bench")
POSTGRES_SCHEMES = frozenset({"postgres", "postgresql", "pgsql", "psql"})


class BenchSetupError(Exception):
    """The bench cannot prepare its database; the message says why."""


@dataclass(frozen=True)
class BenchEnvironment:
    var_dir: Path
    database_url: str

    def cleanup(self) -> None:
        shutil.rmtree(self.var_dir, ignore_errors=True)


def prepare_environment() -> BenchEnvironment:
    """Set the environment variables LEAP's settings read. Call before ``django.setup()``."""
    given_url = os.environ.get("DATABASE_URL", "")
    postgres_url = recreate_postgres_database(given_url, BENCH_DATABASE) if given_url else ""
    var_dir = Path(tempfile.mkdtemp(prefix="leap-bench-"))
    (var_dir / "static").mkdir()  # STATIC_ROOT, so WhiteNoise does not warn that it is missing
    database_url = postgres_url or f"sqlite:///{var_dir / 'leap.sqlite3'}"
    os.environ["DATABASE_URL"] = database_url
    os.environ["LEAP_VAR_DIR"] = str(var_dir)
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ.pop("EMAIL_URL", None)  # welcome emails are written as files under var_dir, never sent
    os.environ.pop("LEAP_PRODUCTION", None)
    os.environ.setdefault("DEBUG", "0")  # time pages without the debug cursor's query log
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # not a line per eager Celery task
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leap.settings")
    return BenchEnvironment(var_dir=var_dir, database_url=database_url)


def recreate_postgres_database(url: str, name: str) -> str:
    """Drop and create the database ``name`` on the server ``url`` names; return the URL of that database."""
    parts = urlsplit(url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise BenchSetupError(f"DATABASE_URL must be a PostgreSQL URL (or unset for SQLite), not {parts.scheme}://")
    import psycopg2

    try:
        conn = psycopg2.connect(**_server_params(parts), dbname="postgres")
    except psycopg2.OperationalError as error:
        where = f"{parts.hostname}:{parts.port}"
        raise BenchSetupError(f"cannot connect to PostgreSQL at {where}: {error}") from error
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE datname = %s AND pid <> pg_backend_pid()", [name])
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def _server_params(parts) -> dict[str, str | int]:
    params: dict[str, str | int] = {}
    if parts.hostname:
        params["host"] = parts.hostname
    if parts.port:
        params["port"] = parts.port
    if parts.username:
        params["user"] = unquote(parts.username)
    if parts.password:
        params["password"] = unquote(parts.password)
    return params
