"""LEAP benchmark: `make bench`, or `python -m tests.bench.run [word ...]` for only the scenarios whose name
holds one of the words (`python -m tests.bench.run sign-off`); a partial run prints its table only, unless
`--merge` is given: then its scenarios' rows replace theirs in var/bench/results.json (same kind of database).

Runs every scenario in tests/bench/_scenarios.py against a throwaway database (a temporary SQLite
file, or a `leap_bench` database on the PostgreSQL server DATABASE_URL points at), prints a table and
writes the rows to var/bench/results.json. Exits non-zero only if a measured page does not answer 200.
"""

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ._environment import BenchSetupError, prepare_environment

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULTS_PATH = REPO_ROOT / "var" / "bench" / "results.json"

if TYPE_CHECKING:
    from ._measure import Row


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.core.cache import cache

    cache.clear()  # sessions and cached memberships of an earlier run would not match this fresh database


def run_scenarios(only: list[str]) -> list["Row"]:
    """Every scenario, or those whose name contains one of the words in `only` (case-insensitive)."""
    from ._scenarios import SCENARIOS

    rows: list[Row] = []
    for scenario in SCENARIOS:
        if only and not any(word.lower() in scenario.name.lower() for word in only):
            continue
        print(f"running: {scenario.name} ...", file=sys.stderr, flush=True)
        rows += scenario.run(scenario.name)
    return rows


def merged_rows(rows: list["Row"], path: Path) -> list["Row"] | None:
    """The stored results with the scenarios just run replaced by their new rows (in the stored order), or None
    (with a note) when there is nothing stored from the same database to merge into."""
    import json

    from ._measure import Row
    from ._report import database_description

    if not path.exists():
        print("bench: nothing to merge into: run the whole bench first", file=sys.stderr)
        return None
    stored = json.loads(path.read_text())
    if stored["database"].split(" (")[0] != database_description().split(" (")[0]:
        print(f"bench: the stored results are from {stored['database']}: not merged", file=sys.stderr)
        return None
    fresh = {row.scenario for row in rows}
    kept = [Row(**r) for r in stored["rows"] if r["scenario"] not in fresh]
    order = list(dict.fromkeys(r["scenario"] for r in stored["rows"]))
    combined = kept + rows
    return sorted(combined, key=lambda r: order.index(r.scenario) if r.scenario in order else len(order))


def main(only: list[str], merge: bool = False) -> int:
    try:
        environment = prepare_environment()
    except BenchSetupError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    try:
        setup_django()
        from ._measure import PageFailure
        from ._report import print_report, utc_now, write_json

        try:
            rows = run_scenarios(only)
        except PageFailure as failure:
            print(f"bench: aborted: {failure}", file=sys.stderr)
            return 1
        now = utc_now()
        print_report(rows, now)
        if only and not merge:  # a partial run leaves the full results alone
            return 0
        if merge:
            rows = merged_rows(rows, RESULTS_PATH)
            if rows is None:
                return 0
        write_json(rows, RESULTS_PATH, now)
        print(f"\nrows written to {RESULTS_PATH.relative_to(REPO_ROOT)}", file=sys.stderr)
        return 0
    finally:
        _close_connections()
        environment.cleanup()


def _close_connections() -> None:
    from django.apps import apps

    if apps.ready:  # not when django.setup() itself failed: that error is the one to see
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    arguments = sys.argv[1:]
    sys.exit(main([a for a in arguments if a != "--merge"], merge="--merge" in arguments))
