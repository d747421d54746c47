"""A real Celery worker, in its own process, takes the export's task from Redis, builds the ZIP and emails the learner
the link, which then downloads it."""

import re

import pytest
from django.urls import reverse

from records.exports.models import ExportRequest
from tests.conftest import client_for
from tests.notifications.celery_worker import running_worker, wait_for_messages

from .flow_world import LINK, learner_with_work, sha256, streamed, zip_names

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def world(personas, settings, tmp_path):
    """The evidence is made (and processed, eagerly) before any task goes to Redis."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's too: LEAP_VAR_DIR is tmp_path
    return learner_with_work(personas)


@pytest.fixture
def worker(world, redis_url, tmp_path):
    with running_worker(redis_url, tmp_path) as process:
        yield process


def test_a_real_worker_builds_the_export_and_emails_the_link(personas, world, worker, tmp_path):
    client = client_for(personas.learner)
    assert client.post(reverse("portfolio_export_request")).status_code == 302
    export = ExportRequest.objects.get()
    assert export.status == "queued"  # queued, not built in the request

    [message] = wait_for_messages(tmp_path / "mail", 1, worker)  # sent once the worker has built it
    export.refresh_from_db()
    assert export.status == "ready", export.error
    assert f"To: {personas.learner.email}" in message and "Your portfolio is ready to download" in message
    token = LINK.search(re.sub(r"=\r?\n", "", message)).group(1)  # the plain part, soft line breaks undone
    data = streamed(client.get(reverse("portfolio_export_download", args=[token])))
    assert sha256(data) == export.sha256 and {"index.html", "data.json", "manifest.json"} <= zip_names(data)
