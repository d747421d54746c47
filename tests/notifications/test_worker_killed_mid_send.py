"""A real worker killed (SIGKILL) after the mail server accepted an email: the email is not sent twice."""

import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import sweep_unsent_emails
from tests.factories import UserFactory

from .celery_worker import TasksToRedis, delivered, purge_broker, start_worker, wait_for_messages

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]
SETTINGS = "tests.notifications.worker_settings"


def _wait_for_task_end(log_file: Path, mail_dir: Path, process, timeout: float = 60) -> None:
    """Until the worker has run the redelivered task (or sent the email again, and hangs in the backend)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if "succeeded" in log_file.read_text() or len(delivered(mail_dir)) > 1:
            return
        time.sleep(0.3)
    pytest.fail(f"the worker never ran the redelivered task:\n{log_file.read_text()[-3000:]}")


def test_a_worker_killed_after_the_mail_server_accepted_leaves_exactly_one_email(redis_url, tmp_path):
    purge_broker(redis_url)
    mail_dir = tmp_path / "mail"
    first = start_worker(redis_url, tmp_path, settings_module=SETTINGS, log_file=tmp_path / "first.log")
    second = None
    tasks = TasksToRedis(redis_url)
    try:
        with transaction.atomic():
            notification = notify(recipient=UserFactory(), kind="assessor_changed", url="/",
                                  context={"assessor_name": "Sam Okafor", "centre_name": "North College"})
        wait_for_messages(mail_dir, 1, first, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        notification.refresh_from_db()
        assert notification.email_sending_at is not None and notification.email_sent_at is None
        # The outbox sweep leaves it alone too: its lease is still held.
        Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))
        assert sweep_unsent_emails() == 0

        time.sleep(2.5)  # past the test worker's visibility timeout: the next worker takes the message again
        second = start_worker(redis_url, tmp_path, settings_module=SETTINGS, log_file=tmp_path / "second.log")
        _wait_for_task_end(tmp_path / "second.log", mail_dir, second)
        messages = delivered(mail_dir)
        assert len(messages) == 1
        assert f"Message-ID: {notification.message_id}" in messages[0]
    finally:
        tasks.restore()
        for process in (first, second):
            if process is not None:
                process.kill()
                process.wait()
