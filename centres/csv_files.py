"""CSV in and out, the same way everywhere: learner imports, bulk awards, qualification specifications, exports.

Reading: UTF-8 (with or without the byte order mark Excel writes), separated by commas, semicolons (Excel in
many locales) or tabs, told apart by the header line alone; the quote character is always ``"`` (guessing it
from the data turned apostrophes in names into quotes). Each row carries the line it starts on.

Writing: a cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is
written with a leading ``'`` (OWASP "CSV injection"), and reading takes exactly that ``'`` off again, so an
exported file imports back unchanged. A cell that already starts with ``'`` before such a character gets one
more, which keeps the two directions exact inverses.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

DELIMITERS = (",", ";", "\t")
_ESCAPED = re.compile(r"'*[=+\-@\t\r]")


@dataclass(frozen=True)
class CsvProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class CsvRow:
    line: int  # the file line the row starts on; the header is line 1
    cells: list[str]


class CsvUnreadable(ValueError):
    """The file cannot be read as CSV text at all; `line` is where that became clear."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}")


def csv_decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CsvUnreadable(raw[:error.start].count(b"\n") + 1,
                            _("the file is not UTF-8 text; save it as UTF-8 (“CSV UTF-8” in Excel).")) from error


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max(DELIMITERS, key=header.count)  # a tie (a one-column file) keeps the comma, listed first


def csv_read(raw: bytes) -> tuple[list[str], list[CsvRow]]:
    """The header (stripped, lower case, spaces as underscores) and the non-blank rows of an uploaded file."""
    return csv_parse(csv_decode(raw))


def csv_parse(text: str) -> tuple[list[str], list[CsvRow]]:
    """:func:`csv_read` for a file already decoded with :func:`csv_decode`."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), quotechar='"')
    try:
        header = [h.strip().lower().replace(" ", "_") for h in next(reader, [])]
        rows, start = [], reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                rows.append(CsvRow(start, [_unescaped(v) for v in values]))
            start = reader.line_num + 1
    except csv.Error as error:
        raise CsvUnreadable(reader.line_num, _("cannot be read as CSV: %(error)s.") % {"error": error}) from error
    return header, rows


def csv_records(raw: bytes, *, required: Sequence[str], expected: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line, {column: stripped cell}) for each row of an upload; raises CsvUnreadable for a file that cannot be
    read or lacks a required column."""
    header, rows = csv_read(raw)
    if missing := [c for c in required if c not in header]:
        raise CsvUnreadable(1, ngettext("missing column: %(cols)s. Expected: %(all)s.",
                                        "missing columns: %(cols)s. Expected: %(all)s.", len(missing))
                            % {"cols": ", ".join(missing), "all": ", ".join(expected)})
    return [(row.line, {h: v.strip() for h, v in zip(header, row.cells, strict=False)}) for row in rows]


def _unescaped(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _ESCAPED.match(cell) else cell


def csv_cell(value: Any) -> str:
    """A value as a CSV cell no spreadsheet will run as a formula."""
    text = str(value)
    return f"'{text}" if _ESCAPED.match(text) else text


def csv_table(rows: Iterable[Sequence[Any]]) -> bytes:
    """The CSV file of these rows (the first is the header), every cell through :func:`csv_cell`, with a byte
    order mark so that spreadsheet programs open accented text correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")
