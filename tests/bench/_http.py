"""Real web processes for the bench: gunicorn serving a settings module, and wrk loading it over loopback.

Both run as separate processes on this machine, so a figure here includes the HTTP parsing, the WSGI server
and the database round trips a deployment pays, unlike the in-process page rows of ``_measure``.
"""

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from ._measure import PageFailure

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 120
WRK_CONNECTIONS, WRK_THREADS, WRK_SECONDS = 16, 2, 8


class Gunicorn:
    """gunicorn serving ``settings_module`` on a free loopback port with ``workers`` sync workers."""

    def __init__(self, log_path: Path, *, settings_module: str = "leap.settings", workers: int = 2,
                 wsgi: str = "leap.wsgi:application", health_url: str = "/healthz",
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.workers = workers
        self.health_url = health_url
        self.command = [sys.executable, "-m", "gunicorn", wsgi, "--bind", f"127.0.0.1:{self.port}",
                        "--workers", str(workers), "--threads", "1", "--timeout", str(REQUEST_TIMEOUT_SECONDS)]
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **(env or {})}
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, cwd=REPO_ROOT, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        self._wait_until_serving()
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS)

    def get(self, url: str, cookies: dict[str, str] | None = None) -> int:
        conn = self.connection()
        conn.request("GET", url, headers={"Cookie": cookie_header(cookies or {})})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.get(self.health_url) == 200 and len(self.worker_pids) == self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        log = self.log_path.read_text(errors="replace")[-2000:]
        raise PageFailure(f"gunicorn did not start serving within {SERVER_START_SECONDS}s:\n{log}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def session_cookies(email: str) -> dict[str, str]:
    """A signed-in session for ``email``, stored where every web process finds it (database and shared cache)."""
    client = Client()
    client.force_login(get_user_model().objects.get(email=email))
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int  # non-2xx/3xx answers plus socket errors


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def wrk(url: str, *, cookies: dict[str, str] | None = None, seconds: int = WRK_SECONDS,
        connections: int = WRK_CONNECTIONS, threads: int = WRK_THREADS) -> WrkResult:
    """Load ``url`` with wrk for ``seconds``; fails the bench if any answer is not 2xx/3xx."""
    if not wrk_available():
        raise PageFailure("wrk is not installed (Debian: apt-get install wrk); it drives the throughput rows")
    command = ["wrk", "--latency", "--timeout", "10s", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    if cookies:
        command += ["-H", f"Cookie: {cookie_header(cookies)}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    result = WrkResult(
        requests_per_second=float(_match(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_latency_ms(_match(r"\s50%\s+([\d.]+\w+)", output)),
        p99_ms=_latency_ms(_match(r"\s99%\s+([\d.]+\w+)", output)),
        requests=int(_match(r"(\d+) requests in", output)),
        bad_responses=int(_match(r"Non-2xx or 3xx responses: (\d+)", output, "0"))
        + sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)))
    if result.bad_responses:
        raise PageFailure(f"wrk {url}: {result.bad_responses} of {result.requests} answers were errors:\n{output}")
    return result


def _match(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found is None:
        if default is not None:
            return default
        raise PageFailure(f"wrk printed no {pattern!r}:\n{text}")
    return found.group(1)


def _latency_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
