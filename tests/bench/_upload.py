"""Scenario: a 200 MB video uploaded to a real web process in embedded mode, and thumbnail throughput.

The web process is gunicorn (one sync worker) serving LEAP with the bench's own environment: the same
throwaway database and LEAP_VAR_DIR, eager Celery, so everything done to the file happens in that process too.
The anchor is a minimal Django view on the same server (``/bench/upload/``: every LEAP middleware, then the
posted file streamed to disk chunk by chunk); the two are uploaded in turn, UPLOAD_RUNS times each, and the
ratio is LEAP's median throughput over the anchor's. The body streams from disk to the socket, so the bench
itself never holds the 200 MB either.
"""

import json
import os
import shutil
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from leap import demo
from portfolios.evidence.files import make_thumbnail, max_upload_bytes
from portfolios.evidence.services import evidence_create
from portfolios.models import Enrolment

from ._http import Gunicorn, cookie_header, session_cookies
from ._measure import PageFailure, Row
from .site.leap_urls import UPLOAD_ANCHOR_NAME

MB = 1024 * 1024
UPLOAD_MB = 200
UPLOAD_RUNS = 5
MEMORY_LIMIT_MB = 64
RATIO_TARGET = 0.8
CHUNK = MB
# An ISO base media file the content sniffer takes for an MP4 video: an ftyp box, then the (random) payload.
MP4_HEADER = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
THUMBNAILS, THUMBNAIL_SIZE = 30, (4000, 3000)  # 12 megapixels, a phone photo
ANCHOR_URL = "/bench/upload/"
REPO_ROOT = Path(__file__).resolve().parents[2]  # the other scenarios that start a process import it


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


def _cpu_seconds(pid: int) -> float:
    """CPU time of the process and of the children it has waited for (ffmpeg), from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def make_video(path: Path, megabytes: int) -> int:
    block = os.urandom(CHUNK)
    with open(path, "wb") as f:
        f.write(MP4_HEADER)
        for _ in range(megabytes):
            f.write(block)
    return path.stat().st_size


def _get(server: Gunicorn, url: str, cookies: dict[str, str]) -> None:
    conn = server.connection()
    conn.request("GET", url, headers={"Cookie": cookie_header(cookies)})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise PageFailure(f"GET {url} answered {response.status}, expected 200")
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";")[0]
    conn.close()


def upload_file(server: Gunicorn, url: str, cookies: dict[str, str], path: Path, name: str) -> float:
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
        "Cookie": cookie_header(cookies), "Accept": "application/json", "X-CSRFToken": token,
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


@dataclass(frozen=True)
class Upload:
    seconds: float
    cpu_seconds: float  # the worker's, its children's included: steadier than wall time on a busy machine
    rss_before_mb: float
    peak_growth_mb: float


def _measured_upload(server: Gunicorn, url: str, cookies: dict[str, str], path: Path) -> Upload:
    pid = server.worker_pids[0]
    _reset_peak(pid)
    before, cpu_before = _memory_mb(pid), _cpu_seconds(pid)
    seconds = upload_file(server, url, cookies, path, "site-visit.mp4")
    after = _memory_mb(pid)
    return Upload(seconds, _cpu_seconds(pid) - cpu_before, before["VmRSS"], after["VmHWM"] - before["VmRSS"])


def _upload_in_turn(server: Gunicorn, cookies: dict[str, str], video: Path, upload_url: str,
                    anchor: Path) -> tuple[list[Upload], list[Upload]]:
    """UPLOAD_RUNS uploads to LEAP and to the anchor, alternating, so both see the same machine."""
    leap, minimal = [], []
    for _ in range(UPLOAD_RUNS):
        minimal.append(_measured_upload(server, ANCHOR_URL, cookies, video))
        anchor.unlink()
        leap.append(_measured_upload(server, upload_url, cookies, video))
    return leap, minimal


def upload_rows(scenario: str, work: Path) -> list[Row]:
    demo.seed_demo()
    learner = get_user_model().objects.get(email=demo.LEARNERS[0].email)
    evidence = evidence_create(enrolment=Enrolment.objects.filter(learner=learner).first(), actor=learner)
    video, small = work / "bench-upload.mp4", work / "bench-warm-up.mp4"
    size = make_video(video, UPLOAD_MB)
    make_video(small, 1)
    if size > max_upload_bytes("video"):
        raise PageFailure(f"the video limit ({max_upload_bytes('video') // MB} MB) refuses a {UPLOAD_MB} MB file")
    cookies = session_cookies(learner.email)
    edit_url, upload_url = f"/evidence/{evidence.pk}/edit/", f"/evidence/{evidence.pk}/files/"
    anchor = Path(settings.VAR_DIR) / UPLOAD_ANCHOR_NAME
    with Gunicorn(work / "gunicorn.log", settings_module="tests.bench.site.leap_settings", workers=1) as server:
        _get(server, edit_url, cookies)  # warm up, and receive the CSRF cookie
        for url in (upload_url, ANCHOR_URL):  # load each upload path's code once
            upload_file(server, url, cookies, small, "warm-up.mp4")
        leap, minimal = _upload_in_turn(server, cookies, video, upload_url, anchor)
    anchor.unlink(missing_ok=True)
    video.unlink()
    small.unlink()
    return _upload_report(scenario, size, leap, minimal)


def _upload_report(scenario: str, size: int, leap: list[Upload], minimal: list[Upload]) -> list[Row]:
    leap_rate = size / MB / statistics.median(u.seconds for u in leap)
    anchor_rate = size / MB / statistics.median(u.seconds for u in minimal)
    growth = max(u.peak_growth_mb for u in leap)
    ratio = leap_rate / anchor_rate
    operation = f"upload {UPLOAD_MB} MB video to LEAP (gunicorn, 1 sync worker, median of {UPLOAD_RUNS})"
    anchor_operation = f"upload {UPLOAD_MB} MB to a minimal streaming view, same server (median of {UPLOAD_RUNS})"
    return [
        Row(scenario, operation, "wall time", round(statistics.median(u.seconds for u in leap), 2), "s"),
        Row(scenario, operation, "worker CPU time", round(statistics.median(u.cpu_seconds for u in leap), 2), "s"),
        Row(scenario, operation, "worker RSS before", round(leap[0].rss_before_mb, 1), "MB"),
        Row(scenario, operation, "worker peak RSS growth (largest)", round(growth, 1), "MB"),
        Row(scenario, operation, f"peak growth under {MEMORY_LIMIT_MB} MB", float(growth < MEMORY_LIMIT_MB),
            "PASS" if growth < MEMORY_LIMIT_MB else "FAIL"),
        Row(scenario, operation, "throughput", round(leap_rate, 1), "MB/s"),
        Row(scenario, anchor_operation, "wall time", round(statistics.median(u.seconds for u in minimal), 2), "s"),
        Row(scenario, anchor_operation, "worker CPU time",
            round(statistics.median(u.cpu_seconds for u in minimal), 2), "s"),
        Row(scenario, anchor_operation, "throughput", round(anchor_rate, 1), "MB/s"),
        Row(scenario, anchor_operation, "worker peak RSS growth (largest)",
            round(max(u.peak_growth_mb for u in minimal), 1), "MB"),
        Row(scenario, operation, f"throughput / minimal streaming view (target >= {RATIO_TARGET})", round(ratio, 3),
            "ratio" + ("" if ratio >= RATIO_TARGET else " BELOW TARGET")),
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
