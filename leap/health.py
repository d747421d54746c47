"""/healthz: the state of each dependency, cheap enough to be polled every few seconds.

200 while the request path works (Redis down is "degraded": sessions and rate limits use the database and
emails wait in the outbox); 503 when the database or the file storage is down. At most one database query.
"""

import os
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse

from accounts.access import public

REQUIRED = ("database", "storage")
STORAGE_CHECK_SECONDS = 30  # an S3 HEAD is a network round trip: remember its answer this long
_storage_checked: dict[str, tuple[float, str]] = {}
_storage_lock = threading.Lock()


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError:
        return "down"


def check_redis() -> str:
    ping = getattr(cache, "redis_ping", None)
    if not settings.REDIS_URL or ping is None:
        return "not configured"
    return "ok" if ping() else "down"


def check_storage() -> str:
    if hasattr(default_storage, "bucket_name"):
        return _remembered("s3", _check_s3)
    media = Path(settings.MEDIA_ROOT)
    existing = media if media.exists() else media.parent  # created on the first upload
    return "ok" if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK) else "down"


def _remembered(key: str, check) -> str:
    now = time.monotonic()
    with _storage_lock:
        checked_at, state = _storage_checked.get(key, (0.0, ""))
        if state and now - checked_at < STORAGE_CHECK_SECONDS:
            return state
    state = check()
    with _storage_lock:
        _storage_checked[key] = (now, state)
    return state


def _check_s3() -> str:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    storage = default_storage
    client = boto3.session.Session().client(
        "s3", endpoint_url=storage.endpoint_url, region_name=storage.region_name,
        aws_access_key_id=storage.access_key, aws_secret_access_key=storage.secret_key,
        config=Config(connect_timeout=2, read_timeout=2, retries={"max_attempts": 1},
                      s3={"addressing_style": storage.addressing_style}))
    try:
        client.head_bucket(Bucket=storage.bucket_name)
        return "ok"
    except (BotoCoreError, ClientError):
        return "down"


@public
def healthz(request: HttpRequest) -> JsonResponse:
    redis = check_redis()
    checks = {"database": check_database(), "cache": redis,
              "broker": "embedded" if settings.CELERY_TASK_ALWAYS_EAGER else redis,
              "storage": check_storage()}
    failed = [name for name in REQUIRED if checks[name] != "ok"]
    degraded = [name for name in ("cache", "broker") if checks[name] == "down"]
    status = "down" if failed else "degraded" if degraded else "ok"
    return JsonResponse({"status": status, "checks": checks, "failed": failed + degraded},
                        status=503 if failed else 200)
