"""What the bench records, and how a page is measured."""

import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

DEFAULT_REPEATS = 15

MEDIAN_MS = "median"
P95_MS = "p95"
QUERIES = "queries"
PAGE_MEASURES = (MEDIAN_MS, P95_MS, QUERIES)


class PageFailure(Exception):
    """A measured page did not answer 200: the bench stops and exits non-zero."""


@dataclass(frozen=True)
class Row:
    scenario: str
    page: str  # a page ("/ as learner") or an operation ("register 500 learners")
    measure: str
    value: float
    unit: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def measure_page(client: Client, url: str, repeats: int = DEFAULT_REPEATS) -> tuple[float, float, int]:
    """GET ``url`` once to warm up, once counting queries, then ``repeats`` times timed.

    Returns (median ms, p95 ms, query count). The time is the whole in-process request: middleware,
    view, template rendering and database, without any network.
    """
    _get(client, url)
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    queries = len(captured)  # now: the next request's request_started signal clears the query log
    samples = [_timed_get(client, url) for _ in range(repeats)]
    return statistics.median(samples), _p95(samples), queries


def page_rows(
    scenario: str, page: str, client: Client, url: str, repeats: int = DEFAULT_REPEATS
) -> list[Row]:
    try:
        median_ms, p95_ms, queries = measure_page(client, url, repeats)
    except PageFailure as failure:
        raise PageFailure(f"{scenario} / {page}: {failure}") from None
    return [
        Row(scenario, page, MEDIAN_MS, round(median_ms, 2), "ms"),
        Row(scenario, page, P95_MS, round(p95_ms, 2), "ms"),
        Row(scenario, page, QUERIES, queries, "queries"),
    ]


def _timed_get(client: Client, url: str) -> float:
    start = time.perf_counter()
    _get(client, url)
    return (time.perf_counter() - start) * 1000


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        where = f" (redirects to {response['Location']})" if response.has_header("Location") else ""
        raise PageFailure(f"GET {url} answered {response.status_code}{where}, expected 200")


def _p95(samples: list[float]) -> float:
    if len(samples) < 2:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[94]
