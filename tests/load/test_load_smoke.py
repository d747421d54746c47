"""`make load` in small: 5 people for 10 s against gunicorn, PostgreSQL, Redis and a Celery worker, with no
failed request, and the learners' submissions and the assessors' decisions found in the database afterwards."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

from tests.conftest import need_service, reachable

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.services


@pytest.fixture
def postgres_server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        need_service("the load test needs PostgreSQL: run with DATABASE_URL=postgres://...")
    if not reachable(url, 5432):
        need_service(f"PostgreSQL is not reachable at {url}")
    return url


def _run_workload(server_url: str, redis_url: str, database: str, summary: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": server_url, "REDIS_URL": redis_url, "LEAP_LOAD_DATABASE": database,
           "LEAP_LOAD_USERS": "5", "LEAP_LOAD_SECONDS": "10", "LEAP_LOAD_SUMMARY": str(summary)}
    return subprocess.run([sys.executable, "-m", "tests.load.run"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)


def _count(database_url: str, sql: str) -> int:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_a_short_mixed_workload_fails_nothing_and_its_writes_land(postgres_server, redis_url, tmp_path):
    database = f"{urlsplit(postgres_server).path.strip('/') or 'postgres'}_load"
    summary = tmp_path / "summary.json"
    completed = _run_workload(postgres_server, redis_url, database, summary)
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    figures = json.loads(summary.read_text())
    lines = {line["name"]: line for line in figures["lines"]}
    assert lines["overall"]["failures"] == 0
    assert figures["problems"] == []
    load_db = urlunsplit(urlsplit(postgres_server)._replace(path=f"/{database}"))
    submitted = _count(load_db, "SELECT count(*) FROM portfolios_evidencesubmission s "
                                "JOIN portfolios_evidence e ON e.id = s.evidence_id WHERE e.title LIKE 'Load: %'")
    by_load_assessors = ("FROM assessment_review r JOIN accounts_user u ON u.id = r.assessor_id "
                         "WHERE r.decided_at IS NOT NULL AND u.email LIKE '%@load.leap.test'")
    decided = _count(load_db, f"SELECT count(*) {by_load_assessors}")
    criteria = _count(load_db, "SELECT count(*) FROM assessment_criteriondecision d "
                               f"WHERE d.review_id IN (SELECT r.id {by_load_assessors})")
    assert submitted == lines["submit evidence"]["requests"] > 0
    assert decided == lines["record decision"]["requests"] > 0
    assert criteria >= decided
