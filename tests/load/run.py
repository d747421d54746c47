"""`make load`: a bounded mixed workload against the production shape on this machine, driven by locust.

50 signed-in people (LEAP_LOAD_USERS) for 60 s (LEAP_LOAD_SECONDS): four learners to every assessor; learners
browse and submit evidence, assessors review their queues (tests/load/locustfile.py). They talk to gunicorn
(2 x cores + 1 sync workers) on 127.0.0.1, on PostgreSQL and Redis (cache, sessions and the Celery broker), with a
real Celery worker processing uploaded photos and sending emails, as a deployment runs.

It drops and creates the database `leap_load` (LEAP_LOAD_DATABASE) on the PostgreSQL server DATABASE_URL names
(default postgres://postgres@127.0.0.1:5432/postgres) and empties the Redis database REDIS_URL names (default
redis://127.0.0.1:6379/13). Media, mail and logs go to a temporary directory, removed at the end. It prints
requests per second, p50/p95/p99 latency and failures per request type and overall, and how many submissions and
decisions reached the database; it exits non-zero on any failure, or when those counts do not match what locust
saw succeed. LEAP_LOAD_SUMMARY names a JSON file to write the figures to.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.bench._environment import BenchSetupError, recreate_postgres_database

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
SPAWN_RATE = 10  # people starting per second
STOP_TIMEOUT_SECONDS = 90  # at the end, each person finishes what they are doing (a submission, a decision)
SUBMIT, DECIDE = "submit evidence", "record decision"


@dataclass(frozen=True)
class Settings:
    users: int
    seconds: int
    database: str
    server_url: str
    redis_url: str

    @classmethod
    def from_environment(cls) -> "Settings":
        return cls(users=int(os.environ.get("LEAP_LOAD_USERS", "50")),
                   seconds=int(os.environ.get("LEAP_LOAD_SECONDS", "60")),
                   database=os.environ.get("LEAP_LOAD_DATABASE", "leap_load"),
                   server_url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
                   redis_url=os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL)


@dataclass(frozen=True)
class Line:
    """One request type (or "overall") of locust's final statistics."""

    name: str
    requests: int
    failures: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


class LoadFailure(Exception):
    """The workload could not be set up or run; the message says why."""


# --- The environment: a fresh database, a temporary var directory --------------------------------------------

def recreate_database(server_url: str, name: str) -> str:
    """Drop and create `name` on the PostgreSQL server `server_url` names; the URL of that database."""
    try:
        return recreate_postgres_database(server_url, name)
    except BenchSetupError as error:
        raise LoadFailure(str(error)) from error


def prepare_environment(settings: Settings, var_dir: Path) -> None:
    """What every process reads: this process seeds with eager tasks; gunicorn and the worker get the broker."""
    (var_dir / "static").mkdir()
    os.environ.update(DATABASE_URL=recreate_database(settings.server_url, settings.database),
                      REDIS_URL=settings.redis_url, LEAP_VAR_DIR=str(var_dir), CELERY_TASK_ALWAYS_EAGER="1",
                      CELERY_TASK_DEFAULT_QUEUE=f"leap-load-{os.getpid()}", DJANGO_SETTINGS_MODULE="leap.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for name in ("EMAIL_URL", "LEAP_PRODUCTION", "LEAP_DEBUG", "S3_BUCKET"):
        os.environ.pop(name, None)  # mail as files, media on local disk


SERVED = {"CELERY_TASK_ALWAYS_EAGER": "0"}  # the web processes queue tasks for the worker


@contextmanager
def celery_worker(log_path: Path):
    command = [sys.executable, "-m", "celery", "-A", "leap", "worker", "--pool=solo", "--without-gossip",
               "--without-mingle", "--without-heartbeat", "-Q", os.environ["CELERY_TASK_DEFAULT_QUEUE"],
               "-l", "warning"]
    with open(log_path, "ab") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **SERVED}, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The workload ------------------------------------------------------------------------------------------

def write_photo(path: Path) -> None:
    """A small phone-like photo (640 x 480 JPEG with a capture time) for the learners to upload."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (11, 92, 171))
    ImageDraw.Draw(image).text((40, 220), "Load test: plated dish", fill=(255, 255, 255))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:10:14 11:30:00"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    path.write_bytes(out.getvalue())


def run_locust(settings: Settings, base_url: str, plan_path: Path, work: Path) -> tuple[int, dict]:
    """locust headless; its exit code and the figures the locustfile writes once everyone has stopped."""
    result = work / "locust-result.json"
    command = [sys.executable, "-m", "locust", "-f", str(REPO_ROOT / "tests" / "load" / "locustfile.py"),
               "--headless", "-u", str(settings.users), "-r", str(SPAWN_RATE), "-t", f"{settings.seconds}s",
               "--stop-timeout", str(STOP_TIMEOUT_SECONDS), "--host", base_url, "--only-summary",
               "--loglevel", "WARNING", "--logfile", str(work / "locust.log")]
    env = {**os.environ, "LEAP_LOAD_PLAN": str(plan_path), "LEAP_LOAD_RESULT": str(result)}
    completed = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    if not result.exists():
        raise LoadFailure(f"locust wrote no statistics (exit {completed.returncode}):\n{completed.stderr[-3000:]}"
                          f"\n{_tail(work / 'locust.log')}")
    return completed.returncode, json.loads(result.read_text())


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of the whole line)
    return total / os.sysconf("SC_CLK_TCK")


def database_counts() -> dict[str, int]:
    from assessment.models import CriterionDecision, Review
    from portfolios.models import EvidenceFile, EvidenceSubmission

    return {"submissions": EvidenceSubmission.objects.count(),
            "decisions": Review.objects.filter(decided_at__isnull=False).count(),
            "criterion decisions": CriterionDecision.objects.count(),
            "photos processed": EvidenceFile.objects.filter(processed_at__isnull=False).count()}


# --- The report --------------------------------------------------------------------------------------------

def print_table(settings: Settings, workers: int, lines: list[Line], landed: dict[str, int],
                result: dict) -> None:
    print(f"\nLEAP load: {settings.users} signed-in people for {settings.seconds} s (locust, headless), gunicorn "
          f"{workers} sync workers + 1 Celery worker, PostgreSQL, Redis, all on 127.0.0.1\n")
    width = max(len(line.name) for line in lines)
    print(f"{'request':<{width}}  {'requests':>8}  {'failures':>8}  {'req/s':>7}  {'p50 ms':>7}  {'p95 ms':>7}  "
          f"{'p99 ms':>7}")
    for line in lines:
        if line.name == "overall":
            print("-" * (width + 56))
        print(f"{line.name:<{width}}  {line.requests:>8}  {line.failures:>8}  {line.per_second:>7.1f}  "
              f"{line.p50_ms:>7.0f}  {line.p95_ms:>7.0f}  {line.p99_ms:>7.0f}")
    print("\nin the database after the run: " + ", ".join(f"{n} {what}" for what, n in landed.items()))
    requests = sum(line.requests for line in lines if line.name == "overall")
    print(f"gunicorn's workers used {result['web_cpu_seconds']} s of CPU: "
          f"{1000 * result['web_cpu_seconds'] / max(requests, 1):.0f} ms per request; the machine's load "
          f"average at the end was {result['load_average']} on {os.cpu_count()} cores")
    photo_waits = result["photo_waits"]
    if photo_waits:
        print(f"photos, from upload to processed by the worker (as the learner's page shows it, polled each second): "
              f"median {statistics.median(photo_waits):.1f} s, max {max(photo_waits):.1f} s")


def check(lines: list[Line], landed: dict[str, int], locust_exit: int) -> list[str]:
    """What is wrong with the run: failures, or writes locust saw succeed that the database does not hold."""
    by_name = {line.name: line for line in lines}
    problems = []
    overall = by_name.get("overall")
    if overall is None or overall.requests == 0:
        problems.append("no request was made")
    elif overall.failures:
        problems.append(f"{overall.failures} of {overall.requests} requests failed")
    elif locust_exit:
        problems.append(f"locust exited with {locust_exit}")
    for name, counted in ((SUBMIT, "submissions"), (DECIDE, "decisions")):
        line = by_name.get(name)
        succeeded = line.requests - line.failures if line else 0
        if succeeded != landed[counted]:
            problems.append(f"{succeeded} '{name}' requests succeeded but {landed[counted]} {counted} landed")
    return problems


def main() -> int:
    settings = Settings.from_environment()
    var_dir = Path(tempfile.mkdtemp(prefix="leap-load-"))
    try:
        prepare_environment(settings, var_dir)
        return _run(settings, var_dir)
    except LoadFailure as failure:
        print(f"load: {failure}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def _run(settings: Settings, work: Path) -> int:
    from tests.bench.run import setup_django

    setup_django()  # migrates, and empties the cache of an earlier run
    from ._seed import seed_load_centre

    print(f"load: seeding a centre for {settings.users} people ...", file=sys.stderr, flush=True)
    people = seed_load_centre(settings.users)
    before = database_counts()
    workers = 2 * (os.cpu_count() or 1) + 1
    locust_exit, result = _serve_and_load(settings, work, people, workers)
    after = database_counts()
    landed = {what: after[what] - before[what] for what in after}
    lines = [Line(**line) for line in result["lines"]]
    print_table(settings, workers, lines, landed, result)
    problems = check(lines, landed, locust_exit)
    for failure in result["failures"][:20]:
        print(f"  failure: {failure}")
    _write_summary(settings, workers, result, landed, problems)
    if problems:
        print("\nload: FAILED: " + "; ".join(problems), file=sys.stderr)
        print(_tail(work / "gunicorn.log"), file=sys.stderr)
        return 1
    return 0


def _serve_and_load(settings: Settings, work: Path, people: list, workers: int) -> tuple[int, dict]:
    """The worker and gunicorn started, everyone signed in, then locust: its exit code and figures."""
    from django.db import connections

    from tests.bench._http import Gunicorn
    from tests.bench._measure import PageFailure

    from ._sign_in import SignInFailed, sign_in_everyone

    write_photo(work / "photo.jpg")
    connections.close_all()  # this process only waits from here on
    try:
        with celery_worker(work / "worker.log"), Gunicorn(work / "gunicorn.log", workers=workers, env=SERVED) as web:
            print(f"load: signing {len(people)} people in through the sign-in form ...", file=sys.stderr, flush=True)
            signed_in = sign_in_everyone(web.base_url, people, parallel=workers)
            plan = work / "plan.json"
            plan.write_text(json.dumps({"photo": str(work / "photo.jpg"), "people": [
                {**asdict(s.person), "cookies": s.cookies} for s in signed_in]}))
            print(f"load: running locust for {settings.seconds} s ...", file=sys.stderr, flush=True)
            started, cpu = time.monotonic(), cpu_seconds(web.worker_pids)
            locust_exit, result = run_locust(settings, web.base_url, plan, work)
            result.update(web_cpu_seconds=round(cpu_seconds(web.worker_pids) - cpu, 1),
                          load_average=round(os.getloadavg()[0], 1))
            print(f"load: locust ran {time.monotonic() - started:.0f} s", file=sys.stderr)
            return locust_exit, result
    except (PageFailure, SignInFailed) as failure:
        raise LoadFailure(f"{failure}\n{_tail(work / 'gunicorn.log')}") from failure


def _write_summary(settings: Settings, workers: int, result: dict, landed: dict[str, int],
                   problems: list[str]) -> None:
    path = os.environ.get("LEAP_LOAD_SUMMARY")
    if path:
        Path(path).write_text(json.dumps({"users": settings.users, "seconds": settings.seconds, "workers": workers,
                                          **result, "landed": landed, "problems": problems}, indent=2))


def _tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


if __name__ == "__main__":
    sys.exit(main())
