"""Real Celery workers for tests: each in its own process, on Redis, against the test database."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from leap.celery import app as celery_app

REPO = Path(__file__).resolve().parents[2]
# A queue of this test process's own: two test runs sharing one Redis (a developer's and CI's) never take each
# other's tasks.
QUEUE = f"leap-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"


def forget_broker_connections() -> None:
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def purge_broker(redis_url: str) -> None:
    """Nothing left over from an interrupted run: neither waiting nor unacknowledged messages."""
    with celery_app.connection_for_write(redis_url) as connection_:
        channel = connection_.default_channel
        channel.queue_purge(QUEUE)
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


def start_worker(redis_url: str, var_dir: Path, *, settings_module: str = "leap.settings",
                 log_file: Path | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "EMAIL_URL", "S3_"))}
    env.update(DATABASE_URL=database_url_of_test_database(), REDIS_URL=redis_url, LEAP_VAR_DIR=str(var_dir),
               CELERY_TASK_ALWAYS_EAGER="0", CELERY_TASK_DEFAULT_QUEUE=QUEUE, SECRET_KEY=settings.SECRET_KEY,
               LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE=settings_module)
    output = open(log_file, "w") if log_file else subprocess.PIPE  # noqa: SIM115 - the process owns it
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "leap", "worker", "--pool=solo", "-Q", QUEUE, "--without-gossip",
         "--without-mingle", "--without-heartbeat",
         "-l", "info" if log_file else "warning"],
        cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, text=True,
    )


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_worker(redis_url: str, var_dir: Path) -> Iterator[subprocess.Popen]:
    """A `celery worker` on an empty queue, with this process's tasks sent to it through Redis, for the block."""
    purge_broker(redis_url)
    process = start_worker(redis_url, var_dir)
    tasks = TasksToRedis(redis_url)
    try:
        yield process
    finally:
        tasks.restore()
        stop_worker(process)


class TasksToRedis:
    """Send this process's tasks to Redis (not eagerly) until `restore`."""

    def __init__(self, broker_url: str) -> None:
        self.saved = {k: celery_app.conf[k] for k in ("task_always_eager", "broker_url", "task_default_queue")}
        celery_app.conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=QUEUE)
        forget_broker_connections()

    def restore(self) -> None:
        celery_app.conf.update(self.saved)
        forget_broker_connections()


def delivered(directory: Path) -> list[str]:
    # The file backend appends several messages to one file; each message ends with a line of dashes.
    text = "".join(f.read_text() for f in directory.glob("*.log")) if directory.exists() else ""
    return [m for m in text.split("-" * 79 + "\n") if m.strip()]


def wait_for_messages(directory: Path, count: int, process, timeout: float = 180) -> list[str]:
    deadline = time.monotonic() + timeout
    messages: list[str] = []
    while time.monotonic() < deadline:
        messages = delivered(directory)
        if len(messages) >= count:
            return messages
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited early:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.5)
    output = ""
    if process.stdout:
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    pytest.fail(f"only {len(messages)} of {count} emails delivered in {timeout}s; worker said:\n{output[-3000:]}")
