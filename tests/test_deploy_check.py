"""Production settings pass Django's deployment checks, and refuse to start without a secret key.

Each test runs ``manage.py`` in a fresh interpreter, because settings are read once per process and the
test process itself runs with the embedded (or CI) configuration.
"""

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Variables the settings module reads: none may leak from the parent (CI exports several of them).
_SETTINGS_VARS = {
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "DEFAULT_FROM_EMAIL",
    "CELERY_TASK_ALWAYS_EAGER",
    "CONN_MAX_AGE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own process only
}
_SETTINGS_PREFIXES = ("S3_", "LEAP_", "SECURE_")


def _clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SETTINGS_VARS and not key.startswith(_SETTINGS_PREFIXES)
    }
    var_dir = tmp_path / "var"
    var_dir.mkdir(exist_ok=True)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "leap.settings",
            "LEAP_VAR_DIR": str(var_dir),  # keep the repository's var/ untouched
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _random_secret(length: int = 64) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def test_production_settings_pass_deploy_check(tmp_path):
    env = _clean_env(
        tmp_path,
        LEAP_PRODUCTION="1",
        SECRET_KEY=_random_secret(),
        ALLOWED_HOSTS="leap.example.org",
        SITE_URL="https://leap.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"check --deploy failed ({result.returncode}):\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    assert "no issues" in output, f"unexpected check output:\n{result.stdout}\n{result.stderr}"


def test_production_without_secret_key_refuses_to_start(tmp_path):
    env = _clean_env(
        tmp_path,
        LEAP_PRODUCTION="1",
        ALLOWED_HOSTS="leap.example.org",
        SITE_URL="https://leap.example.org",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    result = _manage(env, "check")
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"check succeeded without SECRET_KEY:\n{output}"
    assert "SECRET_KEY" in output, f"failure does not mention SECRET_KEY:\n{output}"
