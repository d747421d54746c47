"""LEAP benchmark: `make bench`, or `python -m tests.bench.run [word ...]` for only the scenarios whose name
holds one of the words (`python -m tests.bench.run sign-off`); a partial run prints its table only.

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


def main(only: list[str]) -> int:
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
        if only:  # a partial run leaves the full results alone
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
    sys.exit(main(sys.argv[1:]))
