"""A real Celery worker, in its own process, takes welcome emails from Redis and delivers them."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from leap.celery import app as celery_app
from tests.conftest import client_for
from tests.csv_data import cohort_csv

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]
REPO = Path(__file__).resolve().parents[2]


def _database_url_of_test_database() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"


def _forget_broker_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def worker(redis_url, tmp_path):
    """Start `celery worker` on the default queue; send this process's tasks to it through Redis."""
    queue = celery_app.conf.task_default_queue
    with celery_app.connection_for_write(redis_url) as connection_:
        connection_.default_channel.queue_purge(queue)  # nothing left over from an interrupted run
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "EMAIL_URL", "S3_"))}
    env.update(DATABASE_URL=_database_url_of_test_database(), REDIS_URL=redis_url, LEAP_VAR_DIR=str(tmp_path),
               CELERY_TASK_ALWAYS_EAGER="0", SECRET_KEY=settings.SECRET_KEY, LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "leap", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url=redis_url)
    _forget_broker_connections()
    try:
        yield tmp_path / "mail", process
    finally:
        celery_app.conf.update(saved)
        _forget_broker_connections()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _delivered(directory: Path) -> list[str]:
    # The file backend appends several messages to one file; each message ends with a line of dashes.
    text = "".join(f.read_text() for f in directory.glob("*.log")) if directory.exists() else ""
    return [m for m in text.split("-" * 79 + "\n") if m.strip()]


def _wait_for_messages(directory: Path, count: int, process, timeout: float = 180) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = _delivered(directory)
        if len(messages) >= count:
            return messages
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited early:\n{process.stdout.read()}")
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=20)[0]
    pytest.fail(f"only {len(messages)} of {count} emails delivered in {timeout}s; worker said:\n{output[-3000:]}")


def test_a_real_worker_delivers_500_welcome_emails_from_a_cohort_import(personas, worker):
    mail_dir, process = worker
    response = client_for(personas.admin).post(reverse("learner_import"), {
        "file": SimpleUploadedFile("cohort.csv", cohort_csv(500, personas.assessor.email), content_type="text/csv")})
    assert response.status_code == 302

    messages = _wait_for_messages(mail_dir, 500, process)
    assert len(messages) == 500
    bodies = "\n".join(messages)
    assert bodies.count("Subject: Welcome to North Vocational College on LEAP") == 500
    assert "To: learner0@cohort.example.org" in bodies and "To: learner499@cohort.example.org" in bodies
    assert "Your assessor is Sam Assessor" in bodies
