"""The latest bench results (var/bench/results.json) as Markdown, for the README: `python -m tests.bench.markdown`.

First the issue-sized targets (every row measured against an anchor or a limit, and the big lists' medians),
then every row. Needs no Django.
"""

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "var" / "bench" / "results.json"
BIG_LISTS = ("/caseload/ (", "/assessment/queue/")


def is_target(row: dict) -> bool:
    return ("target" in row["measure"] or row["unit"].startswith("ratio") or row["unit"] in ("PASS", "FAIL")
            or (row["measure"] == "median" and row["page"].startswith(BIG_LISTS)))


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def table(rows: list[dict]) -> str:
    lines = ["| scenario | page or operation | measure | value |", "|---|---|---|---|"]
    lines += [f"| {r['scenario']} | {r['page']} | {r['measure']} | {number(r['value'])} {r['unit']} |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    if not RESULTS.exists():
        print(f"no {RESULTS}: run `make bench` first", file=sys.stderr)
        return 2
    document = json.loads(RESULTS.read_text())
    print(f"Measured {document['generated_at']} on {document['database']}, Python {document['python']}, "
          f"Django {document['django']}.\n")
    print(table([r for r in document["rows"] if is_target(r)]))
    print("\n<details><summary>Every row</summary>\n")
    print(table(document["rows"]))
    print("\n</details>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
