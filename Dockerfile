# syntax=docker/dockerfile:1
# LEAP production image. The default command serves the web app with gunicorn; the same image runs
# migrations (`python manage.py migrate`), the Celery worker and Celery beat (see docker-compose.yml).

# --- Stage 1: the build context without what must never ship --------------------------------------
# The local virtualenv, var/ (SQLite data, uploaded media, the embedded secret_key), git history and
# caches are dropped here, so the final image never contains them even without a .dockerignore.
FROM python:3.11-slim-bookworm AS source
COPY . /src
RUN rm -rf /src/.venv /src/venv /src/var /src/.git /src/.ci /src/tests /src/node_modules \
        /src/.pytest_cache /src/.ruff_cache /src/build /src/.env /src/.env.* \
    && find /src \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} + \
    && find /src -name '*.py[co]' -delete

# --- Stage 2: the runtime image -------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=leap.settings \
    LEAP_VAR_DIR=/app/var \
    WEB_CONCURRENCY=3
# LEAP_VAR_DIR is baked in: STATIC_ROOT is $LEAP_VAR_DIR/static, collected below at build time and
# served by WhiteNoise, so every container must keep this path (do not mount a volume over /app/var).
# WEB_CONCURRENCY is gunicorn's worker count (gunicorn reads it itself); override it per deployment.

# WeasyPrint (PDF export) needs Pango, HarfBuzz and fonts; ffmpeg handles audio/video evidence; `manage.py backup`
# and `restore` need pg_dump/pg_restore (Debian bookworm's 15, the same major version as the db service).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fontconfig \
        fonts-dejavu-core \
        ffmpeg \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 leap \
    && useradd --system --uid 1000 --gid leap --home-dir /app --no-create-home --shell /usr/sbin/nologin leap

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change does not reinstall them.
COPY --from=source /src/pyproject.toml /tmp/pyproject.toml
RUN python -c "import tomllib; deps = tomllib.load(open('/tmp/pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(deps))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt /tmp/pyproject.toml

# The project itself (dependencies are already there; dev extras are not installed).
COPY --from=source /src /app
RUN pip install --no-deps . \
    && rm -rf /app/build /app/*.egg-info \
    && python -m compileall -q /app

# Static files, collected with the production storage (WhiteNoise's compressed manifest storage):
# the embedded settings use plain StaticFilesStorage, which writes no staticfiles.json, and production
# `{% static %}` would then fail with "Missing staticfiles manifest entry". The random key only lets the
# production settings load for this one command; it is not stored anywhere. No database is touched.
RUN LEAP_PRODUCTION=1 \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media /app/var/mail \
    && chown leap:leap /app/var /app/var/media /app/var/mail

USER leap

EXPOSE 8000

# gthread workers: WEB_CONCURRENCY processes x 4 threads. The 120 s timeout leaves room for PDF exports;
# requests are recycled now and then to bound memory growth. Access and error logs go to stdout/stderr.
CMD ["gunicorn", "leap.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--worker-class", "gthread", \
     "--threads", "4", \
     "--timeout", "120", \
     "--graceful-timeout", "30", \
     "--keep-alive", "5", \
     "--max-requests", "1000", \
     "--max-requests-jitter", "100", \
     "--worker-tmp-dir", "/dev/shm", \
     "--access-logfile", "-", \
     "--error-logfile", "-"]
