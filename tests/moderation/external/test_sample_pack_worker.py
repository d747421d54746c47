"""A real Celery worker, in its own process, takes the sample pack's task from Redis and builds the pack."""

import signal
import time

import pytest
from django.urls import reverse

from moderation.external.packs.builder import verify_pack
from moderation.models import SamplePack
from tests.conftest import client_for
from tests.notifications.celery_worker import running_worker

from .sample_pack_world import pack_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


@pytest.fixture
def world(personas, settings, tmp_path):
    """The evidence is made (and processed, eagerly) before any task goes to Redis."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the worker's too: LEAP_VAR_DIR is tmp_path
    return pack_world(personas)


@pytest.fixture
def worker(world, redis_url, tmp_path):
    with running_worker(redis_url, tmp_path) as process:
        yield process


def wait_until_built(pack_id: int, process, timeout: float = 120) -> SamplePack:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pack = SamplePack.objects.get(pk=pack_id)
        if pack.status in (SamplePack.Status.READY, SamplePack.Status.FAILED):
            return pack
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited early:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.5)
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=20)[0] if process.stdout else ""
    pytest.fail(f"the pack was not built in {timeout}s; worker said:\n{output[-3000:]}")


def test_a_real_worker_builds_the_pack_the_admin_asks_for(personas, world, worker):
    grant, _inside, _outside = world
    client = client_for(personas.admin)
    response = client.post(reverse("eqa_pack_request", args=[grant.pk]))
    pack = SamplePack.objects.get(grant=grant)
    assert response.status_code == 302 and pack.status == SamplePack.Status.QUEUED  # queued, not built in the request
    assert "Reload this page" in client.get(reverse("eqa_pack", args=[pack.pk])).content.decode()

    pack = wait_until_built(pack.pk, worker)
    assert pack.status == SamplePack.Status.READY, pack.error
    with pack.file.open("rb") as handle:
        assert verify_pack(handle).ok
    assert client.get(reverse("eqa_pack_download", args=[pack.pk])).status_code == 200
