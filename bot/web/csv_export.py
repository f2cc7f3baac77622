"""CSV downloads from the desk: every CSV the desk writes goes through :func:`csv_response`.

The format is what a spreadsheet in Dortmund opens without an import dialog: UTF-8 with a
byte order mark (Excel otherwise guesses a legacy code page and breaks umlauts and Arabic),
``;`` between cells (German Excel and LibreOffice expect it, and it never clashes with a
decimal comma), CRLF line ends, cells quoted where needed.

A cell a spreadsheet would read as a formula is neutralised (OWASP "CSV injection"): text
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'``, which spreadsheets show as text and do not evaluate. Only text is neutralised:
numbers are written by us (never taken from anyone's input), so a negative figure such as
``-3`` stays a number a spreadsheet can sum; the same ``-3`` typed by someone (a place's
name, a district) is text and is quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

from aiohttp import web

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
DELIMITER = ";"

Cell = str | int | float | None


def neutralise(text: str) -> str:
    """Text as a cell no spreadsheet evaluates."""
    return "'" + text if text.startswith(DANGEROUS) else text


def cell(value: Cell, number: Callable[[float], str] = str) -> str:
    """One cell: ``None`` empty, numbers in ``number``'s format, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return neutralise(str(value))
    if isinstance(value, int | float):
        return number(value)
    return neutralise(str(value))


def csv_text(rows: Iterable[Sequence[Cell]], number: Callable[[float], str] = str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value, number) for value in row])
    return BOM + out.getvalue()


def csv_response(
    filename: str, rows: Iterable[Sequence[Cell]], number: Callable[[float], str] = str
) -> web.Response:
    """A download of ``rows`` (the first is the header) named ``filename``."""
    body = csv_text(rows, number).encode("utf-8")
    ascii_name = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in filename
    )
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
            )
        },
    )
