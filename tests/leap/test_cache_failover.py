"""Redis unreachable: sign-in keeps working on the database cache, rate limits still count, nothing stale returns."""

import logging
import time

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.urls import reverse

import leap.cache
from centres.models import Role
from tests.factories import PASSWORD, learner, staff

pytestmark = pytest.mark.django_db(transaction=True)
CLOSED_PORT = "redis://127.0.0.1:6399/0"


def _failover_caches(location: str) -> dict:
    return {
        "default": {"BACKEND": "leap.cache.FailoverRedisCache", "LOCATION": location},
        "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "leap_cache"},
    }


@pytest.fixture
def redis_down(settings):
    leap.cache._outages.clear()
    settings.CACHES = _failover_caches(CLOSED_PORT)
    caches["fallback"].clear()  # not a model table: the test database flush leaves it alone
    yield
    caches["fallback"].clear()
    leap.cache._outages.clear()


def _rows_in_database_cache() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM leap_cache")
        return cursor.fetchone()[0]


def _sign_in(client, user, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": user.email, "password": password})


def test_a_learner_signs_in_while_redis_is_unreachable(personas, client, redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="leap.cache"):
        response = _sign_in(client, personas.learner)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert "using the database cache" in caplog.text
    assert _rows_in_database_cache() > 0  # the session and the rate-limit history


def test_failed_sign_ins_are_still_rate_limited_while_redis_is_unreachable(redis_down, client, personas):
    user = learner(personas.centre, staff(personas.centre, Role.ASSESSOR))
    pages = [_sign_in(client, user, "wrong").content.decode() for _ in range(6)]
    assert "Too many failed login attempts" not in pages[0]
    assert "Too many failed login attempts" in pages[-1]
    assert "Too many failed login attempts" in _sign_in(client, user).content.decode()


def test_an_unreachable_redis_is_not_asked_again_for_a_few_seconds(redis_down):
    cache.set("a", 1)
    started = time.monotonic()
    for _ in range(50):
        cache.get("a")
    assert time.monotonic() - started < 1
    assert leap.cache._outages[CLOSED_PORT].down


@pytest.mark.services
def test_keys_changed_during_an_outage_are_dropped_from_redis_when_it_answers_again(settings, redis_url):
    leap.cache._outages.clear()
    settings.CACHES = _failover_caches(redis_url)
    cache.set("session-signed-out", "signed in")
    outage = leap.cache._outages[redis_url]
    outage.down, outage.retry_at = True, time.monotonic() + 60  # as after a failed call
    cache.delete("session-signed-out")  # signing out during the outage
    cache.set("rate-limit", [1])
    assert cache.get("session-signed-out") is None and cache.get("rate-limit") == [1]

    outage.retry_at = 0  # Redis is tried again, and answers
    assert cache.get("session-signed-out") is None  # the copy in Redis is stale: dropped
    assert not outage.down and _rows_in_database_cache() == 0
    assert caches["default"]._cache.get_client().exists(cache.make_key("session-signed-out")) == 0
    leap.cache._outages.clear()
