"""The shared cache: Redis, and the database while Redis is unreachable.

Sessions (cached_db) and allauth's rate limits and TOTP replay protection live in the cache, so an
unreachable Redis must not break sign-in. While it is down every call goes to the `fallback` cache alias
(a DatabaseCache): rate limits keep counting and sessions are read from the session table. Redis is not
tried again for `DOWN_SECONDS`, so a dead Redis costs one short timeout every few seconds, not one per call.

When Redis answers again, the keys written or deleted during the outage are removed from Redis (their
Redis copy is stale: a session flushed at sign-out must not come back) and the fallback is emptied.
"""

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
# A key deleted while Redis is down is remembered under this prefix in the fallback, to be deleted from Redis.
DELETED_MARKER = "leap-deleted-during-outage:"


class _Outage:
    """Per process, per Redis location (Django makes one cache object per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.retry_at = 0.0
        self.down = False


_outages: dict[str, _Outage] = {}


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis.Redis per connection pool: Django builds a new one for every call, which
    costs more than the round trip to Redis itself."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailoverRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        self._fallback_alias = options.pop("FALLBACK_ALIAS", "fallback")
        self._down_seconds = float(options.pop("DOWN_SECONDS", 5))
        # Fail fast: no retries, short timeouts (a request should not wait on a dead Redis).
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._outage = _outages.setdefault(server, _Outage())

    @property
    def fallback(self):
        return caches[self._fallback_alias]

    def _call(self, name: str, *args):
        done, result = self._on_redis(name, *args)
        return result if done else getattr(self.fallback, name)(*args)

    def _on_redis(self, name: str, *args) -> tuple[bool, Any]:
        if time.monotonic() < self._outage.retry_at:
            return False, None
        try:
            if self._outage.down:
                self._came_back()
            return True, getattr(super(), name)(*args)
        except REDIS_DOWN as error:
            self._went_down(error)
            return False, None

    def _went_down(self, error: Exception) -> None:
        with self._outage.lock:
            if not self._outage.down:
                logger.warning("Redis cache unreachable (%s): using the database cache until it answers.", error)
            self._outage.down = True
            self._outage.retry_at = time.monotonic() + self._down_seconds

    def _came_back(self) -> None:
        """Drop from Redis what changed during the outage (its copy there is stale), then use Redis again."""
        stale = self._keys_in_fallback()
        if stale:
            self._cache.get_client(write=True).delete(*stale)
        self.fallback.clear()
        with self._outage.lock:
            self._outage.down = False
        logger.warning("Redis cache answers again; %s keys changed during the outage dropped from it.", len(stale))

    def _keys_in_fallback(self) -> list[str]:
        from django.db import connections, router

        fallback = self.fallback
        db = router.db_for_read(fallback.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(fallback._table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {table}")  # noqa: S608 - the table name is from settings
            return [key.replace(DELETED_MARKER, "", 1) for (key,) in cursor.fetchall()]

    def _fallback_delete(self, key: str, version: int | None = None) -> bool:
        self.fallback.set(f"{DELETED_MARKER}{key}", 1, timeout=None, version=version)
        return self.fallback.delete(key, version=version)

    # The cache API, each call through `_call`.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        done, result = self._on_redis("delete", key, version)
        return result if done else self._fallback_delete(key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        for key in keys:
            self.delete(key, version)

    def clear(self):
        return self._call("clear")

    def redis_ping(self) -> bool:
        """Whether Redis answers now (one PING with the short timeout), for /healthz."""
        try:
            return bool(self._cache.get_client().ping())
        except REDIS_DOWN:
            return False
