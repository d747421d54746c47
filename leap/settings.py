"""LEAP settings: one module, read from the environment.

Without any variables set LEAP runs embedded: SQLite, media on local disk, Celery tasks run eagerly and
emails are written as files, all under ``var/``. Production is switched on with ``LEAP_PRODUCTION=1``
and configured by ``DATABASE_URL``, ``REDIS_URL``, the ``S3_*`` variables, ``EMAIL_URL``, ``SITE_URL``,
``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

PRODUCTION = env.bool("LEAP_PRODUCTION", default=False)
VAR_DIR = Path(env.str("LEAP_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _embedded_secret_key() -> str:
    """A random key kept under var/, so a laptop install never ships a known secret."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set (50+ random characters) in production.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()

# Off unless LEAP_DEBUG=1, on a laptop too: a mistyped address shows LEAP's 404 page, never Django's list of
# URLs, and an error shows LEAP's 500 page, never settings or source code.
DEBUG = env.bool("LEAP_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # LEAP, lowest layer first: an app imports only from the apps above it.
    "audit",
    "accounts",
    "notifications",
    "centres",
    "qualifications",
    "portfolios",
    "assessment",
    "moderation",
    "badges",
    "insights",
    "community.conversations",
    "community.witness",
    "community.groups",
    "community.sharing",
    "records",
    "records.exports",
    "records.transfers",
    "records.retention",
    "records.gdpr",
    "leap",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "leap.security.SecurityHeadersMiddleware",  # CSP, Permissions-Policy, no-store for signed-in pages
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.CachedAuthenticationMiddleware",  # the signed-in person from the shared cache
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "centres.middleware.CurrentCentreMiddleware",
    "moderation.external.middleware.ExternalAccessMiddleware",  # EQA: grants only, read-only, every view audited
    "centres.middleware.StaffSecondFactorMiddleware",
]

ROOT_URLCONF = "leap.urls"
WSGI_APPLICATION = "leap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "centres.context_processors.navigation",
                "leap.navigation.navigation",
                "leap.security.csp_nonce",
            ],
        },
    },
]

# --- Data --------------------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'leap.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file, not memory, so that a Celery worker process started by a test can see the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT compiles a costly query before running it: for the management information reports at
    # 10,000 learners that took longer than the query itself (tests/bench). LEAP's queries are short; keep it off.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # While Redis is unreachable the cache (sessions, rate limits) falls back to the database (leap/cache.py).
    CACHES = {
        "default": {"BACKEND": "leap.cache.FailoverRedisCache", "LOCATION": REDIS_URL},
        "fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "leap_cache"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Files -------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"  # never served directly: files go out through views that check access
MEDIA_ROOT = VAR_DIR / "media"
if not PRODUCTION:
    # Embedded, whitenoise serves /static/ straight from the source folders (no collectstatic) and sees edits at
    # once, with DEBUG off as with it on. Production serves what collectstatic gathered in STATIC_ROOT.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

S3_BUCKET = env.str("S3_BUCKET", default="")
if S3_BUCKET:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "default_acl": None,  # objects inherit the bucket's private policy
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "addressing_style": env.str("S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
        },
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
if not S3_BUCKET:
    # Files arriving through the web process wait beside the media (same filesystem, outside the storage), so
    # storing one is a rename rather than a second copy of every byte.
    FILE_UPLOAD_TEMP_DIR = VAR_DIR / "uploading"
    FILE_UPLOAD_TEMP_DIR.mkdir(mode=0o700, exist_ok=True)

# --- Email -------------------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LEAP <no-reply@leap.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# --- Celery ------------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Deployments (or test runs) that share one Redis keep their tasks apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "UTC"
# A request that queues a task on commit must not hang on a dead broker: give up quickly (the email outbox
# sweep sends what could not be queued).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Reminders: each task sends at most once per period (notifications.ReminderSent), so a beat that runs twice
# or a retried task sends nothing twice. Times are CELERY_TIMEZONE. Run the beat once: `celery -A leap beat`.
CELERY_BEAT_SCHEDULE = {
    "waiting-evidence-reminders": {"task": "assessment.tasks.waiting_evidence_reminders",
                                   "schedule": crontab(hour=7, minute=0)},
    "assessor-digests": {"task": "assessment.tasks.assessor_digests", "schedule": crontab(hour=7, minute=30)},
    "units-due-reminders": {"task": "assessment.tasks.units_due_reminders", "schedule": crontab(hour=8, minute=0)},
    "iqa-action-reminders": {"task": "moderation.tasks.sample_action_reminders",
                             "schedule": crontab(hour=8, minute=15)},
    "eqa-visit-reminders": {"task": "moderation.tasks.eqa_visit_reminders", "schedule": crontab(minute=20)},
    "email-outbox-sweep": {"task": "notifications.tasks.sweep_unsent_emails", "schedule": 60.0},
    "audit-checkpoints": {"task": "audit.tasks.audit_checkpoint", "schedule": crontab(minute=7)},
    "insights-weekly-digest": {"task": "insights.tasks.mi_digests",
                               "schedule": crontab(day_of_week="mon", hour=7, minute=45)},
    "eqa-sample-pack-sweep": {"task": "moderation.external.packs.tasks.sweep_expired_sample_packs",
                              "schedule": crontab(hour=3, minute=40)},
    "eqa-action-reminders": {"task": "moderation.external.reports.tasks.eqa_action_reminders",
                             "schedule": crontab(hour=8, minute=25)},
    "portfolio-export-sweep": {"task": "records.exports.tasks.sweep_expired_exports",
                               "schedule": crontab(hour=3, minute=50)},
    "retention-due-list": {"task": "records.retention.tasks.list_records_due", "schedule": crontab(hour=2, minute=30)},
    "witness-link-expiry": {"task": "community.witness.tasks.expire_witness_requests",
                            "schedule": crontab(hour=3, minute=55)},
    "pending-uploads-expiry": {"task": "portfolios.tasks.expire_pending_uploads", "schedule": crontab(minute=35)},
}

# --- Accounts and sign-in (django-allauth) -----------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "centres.forms.JoinCentreSignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = None
# Security notices: a person is told by email when their password, email address or second factor changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
# The name sign-in emails (password reset, email confirmation) give the site, in their subject and their text.
LEAP_SITE_NAME = env.str("LEAP_SITE_NAME", default="LEAP")
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{LEAP_SITE_NAME}: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {"activate_totp": "accounts.forms.ActivateTOTPForm"}  # one secret per session until activated
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default=LEAP_SITE_NAME)
MFA_RECOVERY_CODE_COUNT = 10
MFA_TOTP_TOLERANCE = 1  # accept the code of the previous or next 30 s period: phone clocks drift

# --- Internationalisation ----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_TZ = True

# --- LEAP ----------------------------------------------------------------------------------------------
LEAP_INVITATION_DAYS = env.int("LEAP_INVITATION_DAYS", default=7)
LEAP_CSV_MAX_ROWS = env.int("LEAP_CSV_MAX_ROWS", default=5000)
# EQA sample packs: how long the download link of a built pack lasts.
LEAP_SAMPLE_PACK_DAYS = env.int("LEAP_SAMPLE_PACK_DAYS", default=7)
# Witness statements: how long the emailed link to write one lasts (it works once).
LEAP_WITNESS_LINK_DAYS = env.int("LEAP_WITNESS_LINK_DAYS", default=14)
# Evidence uploads: the largest file accepted per kind, in MB (LEAP_MAX_VIDEO_MB=500 and so on).
_UPLOAD_MB = {"image": 30, "video": 500, "audio": 200, "pdf": 50, "document": 50, "text": 2}
LEAP_MAX_UPLOAD_BYTES = {kind: env.int(f"LEAP_MAX_{kind.upper()}_MB", default=mb) * 1024 * 1024
                         for kind, mb in _UPLOAD_MB.items()}
LEAP_MAX_IMAGE_PIXELS = env.int("LEAP_MAX_IMAGE_PIXELS", default=60_000_000)
# A learner is "behind schedule" when the share of time used exceeds the share of criteria met by this many points.
LEAP_BEHIND_SCHEDULE_MARGIN = env.int("LEAP_BEHIND_SCHEDULE_MARGIN", default=10)
# Checks `manage.py verify_audit` runs besides the hash chains (dotted paths; each returns a list of problems).
LEAP_AUDIT_VERIFIERS = ["assessment.seals.verify_seals"]
# Fernet key(s) encrypting issuer signing keys at rest, comma-separated, newest first (badges/keys.py). Unset, one
# is derived from SECRET_KEY; production should set its own, so that a leaked SECRET_KEY does not expose them.
LEAP_KEY_ENCRYPTION_KEY = env.str("LEAP_KEY_ENCRYPTION_KEY", default="")
# Audit checkpoints (audit/checkpoints.py): each chain's head, signed with Ed25519 and written outside the database.
# LEAP_AUDIT_CHECKPOINT_KEY: private key(s), comma-separated, first signs (`manage.py audit_checkpoint
# --generate-key`); unset, one is derived from SECRET_KEY. Production should set its own and keep it out of the
# database's reach. LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS: keys that only verify (retired ones).
LEAP_AUDIT_CHECKPOINT_KEY = env.str("LEAP_AUDIT_CHECKPOINT_KEY", default="")
LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS = env.list("LEAP_AUDIT_CHECKPOINT_PUBLIC_KEYS", default=[])
if S3_BUCKET:
    STORAGES["audit_checkpoints"] = {"BACKEND": "audit.storage.CheckpointS3Storage", "OPTIONS": {
        **DEFAULT_STORAGE["OPTIONS"],
        # A bucket of its own is best: object lock can only be turned on when a bucket is created.
        "bucket_name": env.str("LEAP_AUDIT_CHECKPOINT_BUCKET", default=S3_BUCKET),
        "location": env.str("LEAP_AUDIT_CHECKPOINT_PREFIX", default="audit-checkpoints"),
        "lock_days": env.int("LEAP_AUDIT_CHECKPOINT_LOCK_DAYS", default=0),
        "lock_mode": env.str("LEAP_AUDIT_CHECKPOINT_LOCK_MODE", default="COMPLIANCE"),
    }}
else:
    STORAGES["audit_checkpoints"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": VAR_DIR / "audit-checkpoints"}}

# --- Security ----------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # Behind a load balancer every request arrives from its address, so the per-IP sign-in limits would count all
    # users as one client. Set this to the number of proxies in front that append to X-Forwarded-For (usually 1):
    # the client is then the address the outermost of them added. 0 trusts the header from nobody.
    ALLAUTH_TRUSTED_PROXY_COUNT = env.int("LEAP_TRUSTED_PROXY_COUNT", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
