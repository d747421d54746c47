"""Print the bench rows as aligned tables and write them as JSON."""

import json
import platform
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import django
from django.db import connection

from ._measure import MEDIAN_MS, P95_MS, PAGE_MEASURES, QUERIES, Row

PAGE_HEADER = ("scenario", "page", "median ms", "p95 ms", "queries")
OTHER_HEADER = ("scenario", "operation", "measure", "value", "unit")


def database_description() -> str:
    if connection.vendor == "postgresql":
        version, name = connection.pg_version, connection.settings_dict["NAME"]
        return f"postgresql {version // 10000}.{version % 10000} (database {name})"
    if connection.vendor == "sqlite":
        return f"sqlite {sqlite3.sqlite_version}"
    return connection.vendor


def header_line(now: datetime) -> str:
    return (f"LEAP bench | database: {database_description()} | Python {platform.python_version()} "
            f"| Django {django.get_version()} | {now:%Y-%m-%d %H:%M} UTC")


def page_table(rows: Sequence[Row]) -> list[tuple[str, ...]]:
    """One line per (scenario, page) that has page measures, in the order they were recorded."""
    values: dict[tuple[str, str], dict[str, float]] = {}
    for row in rows:
        if row.measure in PAGE_MEASURES:
            values.setdefault((row.scenario, row.page), {})[row.measure] = row.value
    return [
        (scenario, page, _number(v.get(MEDIAN_MS)), _number(v.get(P95_MS)), _number(v.get(QUERIES)))
        for (scenario, page), v in values.items()
    ]


def other_table(rows: Sequence[Row]) -> list[tuple[str, ...]]:
    return [(r.scenario, r.page, r.measure, _number(r.value), r.unit) for r in rows
            if r.measure not in PAGE_MEASURES]


def format_table(header: Sequence[str], lines: Iterable[Sequence[str]], numeric_from: int) -> str:
    lines = [header, *lines]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def fmt(line: Sequence[str]) -> str:
        cells = [cell.rjust(w) if i >= numeric_from else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(line, widths, strict=True))]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(lines[0]), rule, *(fmt(line) for line in lines[1:])])


def print_report(rows: Sequence[Row], now: datetime) -> None:
    print(header_line(now))
    print()
    print(format_table(PAGE_HEADER, page_table(rows), numeric_from=2))
    others = other_table(rows)
    if others:
        print()
        print(format_table(OTHER_HEADER, others, numeric_from=3))


def write_json(rows: Sequence[Row], path: Path, now: datetime) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": now.isoformat(timespec="seconds"),
        "database": database_description(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "rows": [row.as_dict() for row in rows],
    }
    path.write_text(json.dumps(document, indent=2) + "\n")


def utc_now() -> datetime:
    return datetime.now(UTC)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"
