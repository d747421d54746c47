"""The production shape on one machine: web processes, a Celery worker and Celery beat, each started the way the image
and docker-compose.yml start them, with docker-compose.yml's environment and nothing shared but PostgreSQL, Redis
and S3.

The commands come from the Dockerfile's CMD (gunicorn) and from docker-compose.yml (worker, beat), with only the
addresses and paths moved onto this machine, so the test runs what a deployment runs.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
START_SECONDS = 60
# The forwarded client address is logged, so a test can count the requests each web process served for it.
ACCESS_LOG_FORMAT = '%({x-forwarded-for}i)s "%(r)s" %(s)s'
# From the machine: what a container gets from its image rather than from docker-compose.yml.
SYSTEM_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def compose_environment_names() -> set[str]:
    return set(compose()["x-leap-env"])


def dockerfile_command() -> list[str]:
    """The image's default command (gunicorn), from the Dockerfile's CMD."""
    text = (REPO / "Dockerfile").read_text()
    found = re.search(r"^CMD (\[.*?\])\s*$", text.replace("\\\n", " "), re.MULTILINE | re.DOTALL)
    return json.loads(found.group(1))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _python(command: list[str]) -> list[str]:
    """`gunicorn ...` / `celery ...` / `python ...` run by this interpreter (the project's virtualenv)."""
    program, *arguments = command
    return [sys.executable, *([] if program == "python" else ["-m", program]), *arguments]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def assert_running(self) -> None:
        assert self.popen.poll() is None, f"{self.name} exited with {self.popen.returncode}:\n{self.output()[-4000:]}"

    stop_signal = signal.SIGTERM  # celery: a warm shutdown, which finishes the task at hand

    def signal_stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(self.stop_signal)

    def wait_stopped(self) -> None:
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@dataclass
class Web(Process):
    port: int
    access_log: Path
    var_dir: Path
    # gunicorn's quick shutdown: SIGTERM would wait out the graceful timeout for the clients' idle keep-alives.
    stop_signal = signal.SIGINT

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def requests_served_for(self, client_address: str) -> int:
        lines = self.access_log.read_text().splitlines() if self.access_log.exists() else []
        return sum(line.startswith(f"{client_address} ") for line in lines)


@dataclass
class StaticBuild:
    popen: subprocess.Popen
    static: Path
    log: Path

    def path(self) -> Path:
        assert self.popen.wait(timeout=300) == 0, self.log.read_text()[-4000:]
        return self.static


class Shape:
    """Starts and stops the processes of one deployment sharing `environment` (docker-compose.yml's x-leap-env)."""

    def __init__(self, environment: dict[str, str], root: Path) -> None:
        self.environment, self.root = environment, root
        self.processes: list[Process] = []

    def _env(self, var_dir: Path, **extra: str) -> dict[str, str]:
        var_dir.mkdir(parents=True, exist_ok=True)
        system = {name: os.environ[name] for name in SYSTEM_VARIABLES if name in os.environ}
        # The image's own variables (Dockerfile ENV); every process gets a var/ of its own, as every container does.
        return {**system, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE":
                "leap.settings", **self.environment, "LEAP_VAR_DIR": str(var_dir), **extra}

    def _start(self, name: str, command: list[str], var_dir: Path, **extra: str) -> subprocess.Popen:
        log = self.root / f"{name}.log"
        with open(log, "ab") as out:
            return subprocess.Popen(_python(command), cwd=REPO, env=self._env(var_dir, **extra), stdout=out,
                                    stderr=subprocess.STDOUT)

    def _keep(self, process: Process) -> Process:
        self.processes.append(process)
        return process

    def build_static(self) -> "StaticBuild":
        """What the image build does: collectstatic with the production storage (the compressed manifest).
        Runs while the other processes start; `web` waits for it."""
        var_dir = self.root / "image"
        popen = self._start("collectstatic", ["python", "manage.py", "collectstatic", "--noinput", "-v0"], var_dir)
        return StaticBuild(popen, var_dir / "static", self.root / "collectstatic.log")

    def worker(self) -> Process:
        command = compose()["services"]["worker"]["command"]
        return self._keep(Process("worker", self._start("worker", command, self.root / "worker"),
                                  self.root / "worker.log"))

    def beat(self) -> Process:
        var_dir = self.root / "beat"
        command = [part.replace("/app/var", str(var_dir)) for part in compose()["services"]["beat"]["command"]]
        return self._keep(Process("beat", self._start("beat", command, var_dir), self.root / "beat.log"))

    def web(self, name: str, static: "StaticBuild") -> Web:
        """gunicorn as the image runs it, on a loopback port, with the image's collected static files."""
        port, var_dir, access_log = free_port(), self.root / name, self.root / f"{name}-access.log"
        shutil.copytree(static.path(), var_dir / "static")
        command = [part.replace("0.0.0.0:8000", f"127.0.0.1:{port}") for part in dockerfile_command()]
        at = command.index("--access-logfile")
        command[at + 1] = str(access_log)
        command += ["--access-logformat", ACCESS_LOG_FORMAT]
        popen = self._start(name, command, var_dir, WEB_CONCURRENCY="1")
        return self._keep(Web(name, popen, self.root / f"{name}.log", port, access_log, var_dir))

    def stop(self) -> None:
        for process in self.processes:  # all at once, then wait for each
            process.signal_stop()
        for process in self.processes:
            process.wait_stopped()


def health(web: Web, host: str) -> requests.Response:
    """/healthz as the load balancer's health check asks for it (exempt from the https redirect)."""
    return requests.get(f"http://{web.address}/healthz", headers={"Host": host}, timeout=10)


def wait_until_serving(web: Web, host: str) -> dict:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        web.assert_running()
        try:
            answer = health(web, host)
            if answer.status_code == 200:
                return answer.json()
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{web.name} did not answer /healthz within {START_SECONDS}s:\n{web.output()[-4000:]}")


def wait_for_log(process: Process, text: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.assert_running()
        output = process.output()
        if text in output:
            return output
        time.sleep(0.3)
    raise AssertionError(f"{process.name} did not log {text!r} within {timeout}s:\n{process.output()[-4000:]}")
