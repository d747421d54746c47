"""Settings of the worker that is killed mid-send: emails hang after acceptance, lost messages come back fast."""

from leap.settings import *  # noqa: F403
from leap.settings import CELERY_BROKER_TRANSPORT_OPTIONS

EMAIL_BACKEND = "tests.notifications.hanging_backend.AcceptThenHangBackend"
# A message whose worker died is redelivered once it has been unacknowledged this long (production: an hour).
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 2}
