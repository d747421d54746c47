"""Scenario: a 200 MB video uploaded to a real web process in embedded mode, and thumbnail throughput.

The web process is gunicorn (one sync worker) serving LEAP with the bench's own environment: the same
throwaway database and LEAP_VAR_DIR, eager Celery, so hashing the file happens in that process too. The
body streams from disk to the socket, so the bench itself never holds the 200 MB either.
"""

import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from leap import demo
from portfolios.evidence.files import make_thumbnail, max_upload_bytes
from portfolios.evidence.services import evidence_create
from portfolios.models import Enrolment

from ._measure import PageFailure, Row

MB = 1024 * 1024
UPLOAD_MB = 200
MEMORY_LIMIT_MB = 64
CHUNK = MB
# An ISO base media file the content sniffer takes for an MP4 video: an ftyp box, then the (random) payload.
MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
THUMBNAILS, THUMBNAIL_SIZE = 30, (4000, 3000)  # 12 megapixels, a phone photo
REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_SECONDS = 30
REQUEST_TIMEOUT_SECONDS = 120


class WebServer:
    """gunicorn serving LEAP on a free loopback port; its one worker is the process we measure."""

    def __init__(self, log_path: Path) -> None:
        self.port = _free_port()
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "WebServer":
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "leap.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--threads", "1", "--timeout", str(REQUEST_TIMEOUT_SECONDS)],
                cwd=REPO_ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
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
    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        if len(children) != 1:
            raise PageFailure(f"expected one gunicorn worker, found {len(children)}")
        return int(children[0])

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_SECONDS)

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                conn = self.connection()
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        log = self.log_path.read_text(errors="replace")[-2000:]
        raise PageFailure(f"gunicorn did not start serving within {SERVER_START_SECONDS}s:\n{log}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (resident now) and VmHWM (peak resident since start or the last reset), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024  # kB
    return values


def _reset_peak(pid: int) -> bool:
    # Linux resets VmHWM to the current RSS on "5"; without it the peak may predate the upload (overstated).
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def make_video(path: Path, megabytes: int) -> int:
    block = os.urandom(CHUNK)
    with open(path, "wb") as f:
        f.write(MP4_HEADER)
        for _ in range(megabytes):
            f.write(block)
    return path.stat().st_size


def _session_cookies(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)  # the session lands in the shared database, where the web process finds it
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _get(server: WebServer, url: str, cookies: dict[str, str]) -> None:
    conn = server.connection()
    conn.request("GET", url, headers={"Cookie": _cookie_header(cookies)})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise PageFailure(f"GET {url} answered {response.status}, expected 200")
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    conn.close()


def upload_file(server: WebServer, url: str, cookies: dict[str, str], path: Path, name: str) -> float:
    """POST ``path`` as the "files" field, streamed from disk; returns the wall time in seconds."""
    boundary = uuid.uuid4().hex
    token = cookies[settings.CSRF_COOKIE_NAME]
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
        yield tail

    conn = server.connection()
    start = time.perf_counter()
    conn.request("POST", url, body=body(), headers={
        "Cookie": _cookie_header(cookies), "Accept": "application/json", "X-CSRFToken": token,
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Content-Length": str(len(head) + path.stat().st_size + len(tail))})
    response = conn.getresponse()
    answer = response.read()
    seconds = time.perf_counter() - start
    conn.close()
    files = json.loads(answer).get("files", []) if response.status in (200, 422) else []
    if response.status != 200 or not files or not files[0]["ok"]:
        raise PageFailure(f"POST {url} answered {response.status}: {answer[:300]!r}")
    return seconds


def _timed_copy(source: Path, target: Path) -> float:
    start = time.perf_counter()
    shutil.copyfile(source, target)
    seconds = time.perf_counter() - start
    target.unlink()
    return seconds


def upload_rows(scenario: str, work: Path) -> list[Row]:
    demo.seed_demo()
    learner = get_user_model().objects.get(email=demo.LEARNERS[0].email)
    evidence = evidence_create(enrolment=Enrolment.objects.filter(learner=learner).first(), actor=learner)
    video, small = work / "bench-upload.mp4", work / "bench-warm-up.mp4"
    size = make_video(video, UPLOAD_MB)
    make_video(small, 1)
    if size > max_upload_bytes("video"):
        raise PageFailure(f"the video limit ({max_upload_bytes('video') // MB} MB) refuses a {UPLOAD_MB} MB file")
    cookies = _session_cookies(learner)
    edit_url, upload_url = f"/evidence/{evidence.pk}/edit/", f"/evidence/{evidence.pk}/files/"
    with WebServer(work / "gunicorn.log") as server:
        _get(server, edit_url, cookies)  # warm up, and receive the CSRF cookie
        upload_file(server, upload_url, cookies, small, "warm-up.mp4")  # load the upload path's code once
        pid = server.worker_pid
        peak_reset = _reset_peak(pid)
        before = _memory_mb(pid)
        seconds = upload_file(server, upload_url, cookies, video, "site-visit.mp4")
        after = _memory_mb(pid)
    copy_seconds = min(_timed_copy(video, work / "bench-copy.mp4") for _ in range(3))
    video.unlink()
    small.unlink()
    growth = after["VmHWM"] - before["VmRSS"]
    operation = f"upload {UPLOAD_MB} MB video (gunicorn, 1 sync worker)"
    upload_rate, copy_rate = size / MB / seconds, size / MB / copy_seconds
    return [
        Row(scenario, operation, "wall time", round(seconds, 2), "s"),
        Row(scenario, operation, "worker RSS before", round(before["VmRSS"], 1), "MB"),
        Row(scenario, operation, "worker peak RSS growth" if peak_reset else "worker peak RSS growth (upper bound)",
            round(growth, 1), "MB"),
        Row(scenario, operation, f"peak growth under {MEMORY_LIMIT_MB} MB", float(growth < MEMORY_LIMIT_MB),
            "PASS" if growth < MEMORY_LIMIT_MB else "FAIL"),
        Row(scenario, operation, "throughput", round(upload_rate, 1), "MB/s"),
        Row(scenario, f"shutil.copyfile {UPLOAD_MB} MB, same disk", "throughput", round(copy_rate, 1), "MB/s"),
        Row(scenario, operation, "throughput / plain copy", round(upload_rate / copy_rate, 3), "ratio"),
    ]


def make_photos(work: Path, count: int) -> list[Path]:
    """``count`` different 12-megapixel JPEGs with noise in them, so they decode like photos, not flat colour."""
    from PIL import Image, ImageDraw

    base = Image.merge("RGB", [Image.effect_noise(THUMBNAIL_SIZE, sigma) for sigma in (40, 60, 80)])
    paths = []
    for i in range(count):
        photo = base.copy()
        ImageDraw.Draw(photo).rectangle((i * 100, i * 80, i * 100 + 1500, i * 80 + 1000),
                                        fill=(40 + i * 7, 200 - i * 5, 90))
        path = work / f"photo-{i:02d}.jpg"
        photo.save(path, "JPEG", quality=90)
        paths.append(path)
    return paths


def thumbnail_rows(scenario: str, work: Path) -> list[Row]:
    photos = make_photos(work, THUMBNAILS)
    make_thumbnail(photos[0])  # warm up
    samples = []
    for path in photos:
        start = time.perf_counter()
        make_thumbnail(path)
        samples.append(time.perf_counter() - start)
    for path in photos:
        path.unlink()
    operation = f"make_thumbnail, {THUMBNAILS} JPEGs of 12 MP"
    return [
        Row(scenario, operation, "rate", round(len(samples) / sum(samples), 1), "thumbnails/s"),
        Row(scenario, operation, "median time each", round(statistics.median(samples) * 1000, 1), "ms"),
    ]


def upload_and_thumbnails(scenario: str) -> list[Row]:
    work = Path(os.environ["LEAP_VAR_DIR"]) / "bench-upload"
    work.mkdir(exist_ok=True)
    try:
        return upload_rows(scenario, work) + thumbnail_rows(scenario, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
