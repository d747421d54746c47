"""/healthz: public, cheap, and it names each dependency's state; 503 when the request path cannot work."""

import pytest
from django.urls import reverse

import leap.cache
import leap.health
from tests.s3 import moto_server_fixture, s3_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
CLOSED_PORT = "redis://127.0.0.1:6399/0"


@pytest.fixture(autouse=True)
def _forget_remembered_checks():
    leap.health._storage_checked.clear()
    leap.cache._outages.clear()
    yield
    leap.health._storage_checked.clear()
    leap.cache._outages.clear()


def _use_redis(settings, url: str) -> None:
    settings.REDIS_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CACHES = {
        "default": {"BACKEND": "leap.cache.FailoverRedisCache", "LOCATION": url},
        "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "leap_cache"},
    }


def test_healthz_reports_each_dependency_to_anyone_with_at_most_one_query(client, settings,
                                                                           django_assert_max_num_queries):
    settings.REDIS_URL, settings.CELERY_TASK_ALWAYS_EAGER = "", True
    with django_assert_max_num_queries(1):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "failed": [], "checks": {
        "database": "ok", "cache": "not configured", "broker": "embedded", "storage": "ok"}}


def test_healthz_says_degraded_but_answers_200_while_redis_is_unreachable(client, settings):
    _use_redis(settings, CLOSED_PORT)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["failed"] == ["cache", "broker"]
    assert body["checks"]["cache"] == body["checks"]["broker"] == "down"


@pytest.mark.services
def test_healthz_reports_a_reachable_redis(client, settings, redis_url):
    _use_redis(settings, redis_url)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json()["checks"]["cache"] == "ok"


def test_healthz_answers_503_when_the_media_directory_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = blocker / "media"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["status"] == "down" and response.json()["failed"] == ["storage"]


def test_healthz_checks_the_s3_bucket_and_remembers_the_answer(client, s3):
    assert client.get(reverse("healthz")).json()["checks"]["storage"] == "ok"
    s3.client.delete_bucket(Bucket=s3.bucket)
    assert client.get(reverse("healthz")).status_code == 200  # remembered for a few seconds: stays cheap
    leap.health._storage_checked.clear()
    response = client.get(reverse("healthz"))
    assert response.status_code == 503 and response.json()["checks"]["storage"] == "down"
