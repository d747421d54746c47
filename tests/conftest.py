"""Fixed personas (STYLE.md) and the rule for tests that need a real service."""

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.test import Client

from centres.models import Centre, Role

from .factories import CentreFactory, UserFactory, learner, staff

REQUIRE_SERVICES = os.environ.get("LEAP_REQUIRE_SERVICES") == "1"


def need_service(reason: str) -> None:
    """Skip with a clear reason, except in CI (LEAP_REQUIRE_SERVICES=1), where a missing service fails."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)


def reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    if not reachable(url, 6379):
        need_service(f"Redis is not reachable at {url} (set REDIS_URL)")
    return url


@pytest.fixture
def postgres(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        need_service("this test needs PostgreSQL: run with DATABASE_URL=postgres://...")
    return connection


@pytest.fixture(autouse=True, scope="session")
def _flush_past_truncate_guards():
    """On PostgreSQL the audit log and the unlock records refuse TRUNCATE (audit/migrations/0004, assessment/
    migrations/0004). Emptying the database after a transactional test is the one TRUNCATE allowed: it runs as a
    replica session, in which triggers do not fire (only a superuser may do that, as the test user is)."""
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no psycopg: no PostgreSQL either
        yield
        return
    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET LOCAL session_replication_role = replica", *sql] if sql else sql

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _audit_checkpoints_in_tmp(settings, tmp_path):
    # Checkpoints of a developer's database under var/ would contradict the test database's chains.
    settings.STORAGES = {**settings.STORAGES, "audit_checkpoints": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "checkpoints"}}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate limits and TOTP replay protection live in the cache; tests must not share them.
    cache.clear()
    yield
    cache.clear()


@dataclass
class Personas:
    centre: Centre
    other_centre: Centre
    admin: object
    assessor: object
    second_assessor: object
    moderator: object
    external_moderator: object
    learner: object
    second_learner: object
    other_centre_assessor: object
    other_centre_learner: object
    outsider: object


@pytest.fixture
def personas(db) -> Personas:
    centre = CentreFactory(name="North Vocational College")
    other = CentreFactory(name="South Skills Academy")
    assessor = staff(centre, Role.ASSESSOR, first_name="Sam", last_name="Assessor")
    other_assessor = staff(other, Role.ASSESSOR)
    return Personas(
        centre=centre,
        other_centre=other,
        admin=staff(centre, Role.CENTRE_ADMIN),
        assessor=assessor,
        second_assessor=staff(centre, Role.ASSESSOR),
        moderator=staff(centre, Role.MODERATOR),
        external_moderator=staff(centre, Role.EXTERNAL_MODERATOR),
        learner=learner(centre, assessor, first_name="Maya"),
        second_learner=learner(centre, assessor),
        other_centre_assessor=other_assessor,
        other_centre_learner=learner(other, other_assessor),
        outsider=UserFactory(),
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
