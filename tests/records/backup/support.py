"""What the backup tests share: a signed-off unit with checkpoints, and `manage.py restore` run in a process of
its own, configured only by the environment, as an operator would run it on a new host."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from audit.checkpoints import audit_checkpoints_write
from tests.assessment.test_verify_seals import signed_off_unit

ROOT = Path(__file__).resolve().parents[3]
# Configuration the restoring process must not inherit from the one running the tests.
INHERITED = ("DATABASE_URL", "LEAP_VAR_DIR", "REDIS_URL", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID",
             "S3_SECRET_ACCESS_KEY", "S3_REGION", "LEAP_AUDIT_CHECKPOINT_BUCKET", "LEAP_AUDIT_CHECKPOINT_PREFIX")


def recorded_deployment(personas, out: Path):
    """A unit signed off (sealed files), a checkpoint of every chain, then `manage.py backup --out out`."""
    _, sign_off = signed_off_unit(personas)
    assert audit_checkpoints_write().written
    call_command("backup", "--out", str(out), stdout=open(os.devnull, "w"))  # noqa: SIM115
    return sign_off, json.loads((out / "manifest.json").read_text())


def restore_elsewhere(backup: Path, var_dir: Path, *extra: str, **env: str) -> subprocess.CompletedProcess:
    """`manage.py restore backup` in a new process whose database and storage are only what `env` says."""
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED}
    clean.update({"LEAP_VAR_DIR": str(var_dir), "SECRET_KEY": settings.SECRET_KEY, "PYTHONDONTWRITEBYTECODE": "1",
                  **env})
    var_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, "manage.py", "restore", str(backup), *extra], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=300)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tamper(path: Path) -> None:
    """Change one byte in the middle of the file."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
