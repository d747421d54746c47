"""Scenario: throughput under gunicorn (2 sync workers) and wrk (16 connections), as ratios to anchors measured in
the same run.

1. Framework overhead: LEAP's trivial signed-in page (every middleware for a signed-in learner, then the 20-item
   template) against the bare Django site rendering the same template. Target >= 0.5.
2. Signed-in pages: the learner's home, My Progress and portfolio and the assessor's home against LEAP's trivial
   signed-in page. Target >= 0.5 each.

Each page is loaded in ROUNDS rounds, the anchors in the same rounds; a figure is the median over the rounds of
requests per second, and a ratio the median of the rounds' page rps / anchor rps.
"""

import os
import statistics
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


ROUNDS, ROUND_SECONDS = 3, 3


def _check(server: Gunicorn, url: str, cookies: dict[str, str] | None = None) -> None:
    status = server.get(url, cookies)
    if status != 200:  # a redirect or a refusal would be measured as a page
        raise PageFailure(f"GET {url} answered {status}, expected 200")
    wrk(server.base_url + url, cookies=cookies, seconds=WARM_UP_SECONDS)


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _rate_rows(scenario: str, page: str, results: list[WrkResult]) -> list[Row]:
    return [
        Row(scenario, page, "throughput", round(_median([r.requests_per_second for r in results]), 1),
            "requests/s"),
        Row(scenario, page, "p50 latency", round(_median([r.p50_ms for r in results]), 2), "ms"),
        Row(scenario, page, "p99 latency", round(_median([r.p99_ms for r in results]), 2), "ms"),
    ]


def _ratio_row(scenario: str, page: str, anchor: str, ratio: float, target: float) -> Row:
    return Row(scenario, page, f"/ {anchor} (target >= {target})", round(ratio, 3),
               "ratio" + ("" if ratio >= target else " BELOW TARGET"))


def _round_ratios(pages: list[WrkResult], anchors: list[WrkResult]) -> float:
    """The median over the rounds of page rps / anchor rps, each pair measured one after the other: a machine
    whose speed drifts during the run moves both alike."""
    return _median([p.requests_per_second / a.requests_per_second for p, a in zip(pages, anchors, strict=True)])


def throughput_rows(scenario: str) -> list[Row]:
    """Both servers stay up; each round loads the bare view, LEAP's trivial page and every measured page in turn
    (ROUND_SECONDS each, after one warm-up of each), and every ratio is taken within its round."""
    demo.seed_demo()
    work = Path(os.environ["LEAP_VAR_DIR"]) / "bench-throughput"
    work.mkdir(exist_ok=True)
    learner = session_cookies(demo.LEARNERS[0].email)
    assessor = session_cookies(demo.ASSESSORS[0].email)
    pages = [(url, f"{url} ({label}) as learner", learner) for url, label in _learner_pages(demo.LEARNERS[0].email)]
    pages += [(url, f"{url} ({label}) as assessor", assessor) for url, label in ASSESSOR_PAGES]
    trivial_label = "LEAP trivial signed-in page (learner), same template"
    bare, trivial, measured = [], [], {label: [] for _url, label, _c in pages}
    with Gunicorn(work / "bare.log", settings_module="tests.bench.site.bare_settings", workers=WORKERS,
                  wsgi="tests.bench.site.wsgi:application", health_url="/bench/items/") as bare_server, \
            Gunicorn(work / "leap.log", settings_module="tests.bench.site.leap_settings", workers=WORKERS) as server:
        _check(bare_server, "/bench/items/")
        _check(server, "/bench/trivial/", learner)
        for url, _label, cookies in pages:
            _check(server, url, cookies)
        for _round in range(ROUNDS):
            bare.append(wrk(bare_server.base_url + "/bench/items/", seconds=ROUND_SECONDS))
            trivial.append(wrk(server.base_url + "/bench/trivial/", cookies=learner, seconds=ROUND_SECONDS))
            for url, label, cookies in pages:
                measured[label].append(wrk(server.base_url + url, cookies=cookies, seconds=ROUND_SECONDS))
    rows = _rate_rows(scenario, "bare Django view, 20-item template", bare)
    rows += _rate_rows(scenario, trivial_label, trivial)
    rows.append(_ratio_row(scenario, trivial_label, "bare Django", _round_ratios(trivial, bare), OVERHEAD_TARGET))
    for _url, label, _cookies in pages:
        rows += _rate_rows(scenario, label, measured[label])
        rows.append(_ratio_row(scenario, label, "trivial signed-in page", _round_ratios(measured[label], trivial),
                               PAGE_TARGET))
    return rows
