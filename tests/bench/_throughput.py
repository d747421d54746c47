"""Scenario: throughput under gunicorn (2 sync workers) and wrk (16 connections), as ratios to anchors measured in
the same run.

1. Framework overhead: LEAP's trivial signed-in page (every middleware for a signed-in learner, then the 20-item
   template) against the bare Django site rendering the same template. Target >= 0.5.
2. Signed-in pages: the learner's home, My Progress and portfolio and the assessor's home against LEAP's trivial
   signed-in page. Target >= 0.5 each.

Each figure is requests per second over WRK_SECONDS after a warm-up; a ratio is page rps / anchor rps.
"""

import os
from pathlib import Path

from leap import demo
from portfolios.models import Enrolment

from ._http import Gunicorn, WrkResult, session_cookies, wrk
from ._measure import PageFailure, Row

OVERHEAD_TARGET = PAGE_TARGET = 0.5
WORKERS = 2
WARM_UP_SECONDS = 2


def _learner_pages(email: str) -> tuple[tuple[str, str], ...]:
    enrolment = Enrolment.objects.filter(learner__email=email).order_by("pk").first()
    return (("/", "learner home"), ("/progress/", "My Progress"),
            (f"/enrolments/{enrolment.pk}/portfolio/", "portfolio"))

ASSESSOR_PAGES = (("/", "assessor home"),)


def _load(server: Gunicorn, url: str, cookies: dict[str, str] | None = None) -> WrkResult:
    status = server.get(url, cookies)
    if status != 200:  # a redirect or a refusal would be measured as a page
        raise PageFailure(f"GET {url} answered {status}, expected 200")
    wrk(server.base_url + url, cookies=cookies, seconds=WARM_UP_SECONDS)
    return wrk(server.base_url + url, cookies=cookies)


def _rate_rows(scenario: str, page: str, result: WrkResult) -> list[Row]:
    return [
        Row(scenario, page, "throughput", round(result.requests_per_second, 1), "requests/s"),
        Row(scenario, page, "p50 latency", round(result.p50_ms, 2), "ms"),
        Row(scenario, page, "p99 latency", round(result.p99_ms, 2), "ms"),
    ]


def _ratio_row(scenario: str, page: str, anchor: str, ratio: float, target: float) -> Row:
    return Row(scenario, page, f"/ {anchor} (target >= {target})", round(ratio, 3),
               "ratio" + ("" if ratio >= target else " BELOW TARGET"))


def throughput_rows(scenario: str) -> list[Row]:
    demo.seed_demo()
    work = Path(os.environ["LEAP_VAR_DIR"]) / "bench-throughput"
    work.mkdir(exist_ok=True)
    learner = session_cookies(demo.LEARNERS[0].email)
    assessor = session_cookies(demo.ASSESSORS[0].email)
    rows: list[Row] = []
    with Gunicorn(work / "bare.log", settings_module="tests.bench.site.bare_settings", workers=WORKERS,
                  wsgi="tests.bench.site.wsgi:application", health_url="/bench/items/") as bare_server:
        bare = _load(bare_server, "/bench/items/")
    rows += _rate_rows(scenario, "bare Django view, 20-item template", bare)
    with Gunicorn(work / "leap.log", settings_module="tests.bench.site.leap_settings", workers=WORKERS) as server:
        trivial = _load(server, "/bench/trivial/", learner)
        rows += _rate_rows(scenario, "LEAP trivial signed-in page (learner), same template", trivial)
        rows.append(_ratio_row(scenario, "LEAP trivial signed-in page (learner), same template", "bare Django",
                               trivial.requests_per_second / bare.requests_per_second, OVERHEAD_TARGET))
        visits = ((learner, _learner_pages(demo.LEARNERS[0].email), "learner"),
                  (assessor, ASSESSOR_PAGES, "assessor"))
        for cookies, pages, who in visits:
            for url, label in pages:
                result = _load(server, url, cookies)
                page = f"{url} ({label}) as {who}"
                rows += _rate_rows(scenario, page, result)
                rows.append(_ratio_row(scenario, page, "trivial signed-in page",
                                       result.requests_per_second / trivial.requests_per_second, PAGE_TARGET))
    return rows
