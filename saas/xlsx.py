"""Lists handed out as .xlsx files: one helper every module's 导出 Excel link calls, so each
export looks the same (bold headers, readable widths, street-local times, masked phones) and is
safe to open (nothing a user typed becomes a formula).

A big export is built by a job, once, here: an export view decorated with :func:`download` asks
:func:`export_limit` how many rows to read; in the request that is one more than the street's
threshold (``EXPORT_JOB_THRESHOLD``), and when :func:`sheets_response` finds more rows than the
threshold it refuses to build the file in the request (:class:`ExportTooBig`). ``saas.exports``
answers that error (this module knows nothing of it): its job replays the same view for the same person, path and
query string with the job's larger limit, and the workbook goes to a file instead of a response.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import wraps
from typing import NamedTuple
from urllib.parse import quote

from flask import Response, current_app, g, request
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from saas.auth.phone import mask_phone
from saas.ui import street_zone

#: the most rows one export built outside :func:`download` holds; past it the file says it was
#: cut (a list that long is filtered, not read whole, and the workbook is built in one request's
#: memory)
EXPORT_LIMIT = 20_000
#: the most rows an export built by a job holds (saas.exports): the worker writes the workbook
#: to a file, so only the view's own query holds the rows in memory
JOB_EXPORT_LIMIT = 100_000

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Excel, LibreOffice and WPS read a text cell starting with these as a formula once it is edited
# or the file is saved as CSV: such cells are stored with the string type, never as formulas
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')
#: what Excel refuses in a sheet's name
_UNSAFE_SHEET = re.compile(r"[\x00-\x1f\\/:*?\[\]]+")
_BOLD = Font(bold=True)


@dataclass
class ExportRun:
    """How the export being built is handed out: in a request, ``threshold`` rows at most (more
    go to a job); in a job, written to ``path``, and what was written is noted here."""

    threshold: int | None = None
    path: str | None = None
    filename: str = ""
    rows: int = 0


_RUN: ContextVar[ExportRun | None] = ContextVar("export_run", default=None)


class ExportTooBig(Exception):
    """More rows than a request builds: the export goes to a job (``saas.exports``)."""

    def __init__(self, rows: int, filename: str):
        super().__init__(rows, filename)
        self.rows = rows
        self.filename = filename


def export_limit() -> int:
    """How many rows an export view reads: one past the threshold in a request under
    :func:`download` (enough to know it is too many), JOB_EXPORT_LIMIT in a job, else
    EXPORT_LIMIT."""
    run = _RUN.get()
    if run is None:
        return EXPORT_LIMIT
    if run.path is not None:
        return JOB_EXPORT_LIMIT
    return EXPORT_LIMIT if run.threshold is None else run.threshold + 1


def building_in_job(path: str) -> tuple[ExportRun, object]:
    """Enter a job's export run writing to ``path``; returns the run and the token to reset."""
    run = ExportRun(path=path)
    return run, _RUN.set(run)


def end_run(token) -> None:
    _RUN.reset(token)


def download(view: Callable) -> Callable:
    """For an export view: a list's htmx filter form that submits to it (its 导出 Excel button's
    formaction) gets told to navigate there instead, so the browser downloads the file rather than
    htmx swapping its bytes into the table.

    A signed-in person's export of more than ``EXPORT_JOB_THRESHOLD`` rows is not built in the
    request: the view raises :class:`ExportTooBig`, which ``saas.exports`` handles (it records
    the export, a job builds it by running this view again, and the inbox offers the file); the
    view's own code is the same for both.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get("HX-Request") == "true":
            return Response(status=200, headers={"HX-Redirect": request.full_path})
        if _RUN.get() is not None:  # replayed by the export job
            return view(*args, **kwargs)
        threshold = current_app.config.get("EXPORT_JOB_THRESHOLD")
        if not threshold or g.get("tenant") is None:
            return view(*args, **kwargs)
        token = _RUN.set(ExportRun(threshold=threshold))
        try:
            return view(*args, **kwargs)  # ExportTooBig: saas.exports answers it
        finally:
            _RUN.reset(token)

    return wrapper


def shown_phone(viewer, phone: str | None) -> str:
    """``phone`` as the lists show it to ``viewer``: whole for those who see phones, masked for
    everyone else."""
    if not phone:
        return ""
    return phone if viewer.sees_phones else mask_phone(phone)


def _local(value: datetime) -> datetime:
    """A stored (UTC) time as a naive time in the street's zone: Excel dates have no zone."""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    zone = street_zone()
    return value.astimezone(zone).replace(tzinfo=None)


def _width(value) -> int:
    """How many columns ``value`` takes on screen: a Chinese character is two."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cell(sheet, value, bold: bool = False):
    """``value`` as the sheet stores it; a styled cell only where one is needed (a plain value
    is several times cheaper to write)."""
    if isinstance(value, LazyString):  # a label declared with lazy_gettext: its text now
        value = str(value)
    elif isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, datetime):
        value = _local(value)
    plain_text = not (isinstance(value, str) and value.startswith(_FORMULA_START))
    if not bold and plain_text and not isinstance(value, datetime | date):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime | date):
        cell.number_format = _DATE_FORMAT
    elif not plain_text:
        cell.data_type = "s"
    if bold:
        cell.font = _BOLD
    return cell


def disposition(filename: str) -> str:
    """``attachment`` with the Chinese name (RFC 5987) and an ASCII one for old clients."""
    filename = _UNSAFE_NAME.sub("_", filename).strip() or "export.xlsx"
    stem = filename.removesuffix(".xlsx")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("_.") or "export"
    return (
        f'attachment; filename="{ascii_stem}.xlsx"; '
        f"filename*=UTF-8''{quote(stem + '.xlsx', safe='')}"
    )


class Sheet(NamedTuple):
    """One sheet of a workbook with several (:func:`sheets_response`)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    total: int | None = None


def workbook_response(
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    total: int | None = None,
) -> Response:
    """A download of one sheet: ``headers`` in bold, then ``rows`` (at most EXPORT_LIMIT).

    Cells may be text, numbers, Decimals or datetimes (stored UTC; written as Excel dates in the
    street's zone). When ``total`` says more rows matched than were written, the last row says
    so, so a cut file is never taken for the whole list.
    """
    return sheets_response(filename, [Sheet("Sheet1", headers, rows, total)])


def sheets_response(filename: str, sheets: Sequence[Sheet]) -> Response:
    """A download of several sheets, each written as :func:`workbook_response` writes its one
    (a dashboard's figures, events and weekly series side by side in one file).

    :raise ExportTooBig: in a request under :func:`download`, a sheet holds more rows than the
        threshold (``saas.exports`` hands the export to a job)
    """
    run = _RUN.get()
    limit = export_limit()
    sheets = [one._replace(rows=list(one.rows)[:limit]) for one in sheets]
    if run is not None and run.threshold is not None:
        most = max((max(len(one.rows), one.total or 0) for one in sheets), default=0)
        if most > run.threshold:
            raise ExportTooBig(most, filename)
    workbook = Workbook(write_only=True)
    for one in sheets:
        _write_sheet(workbook, one)
    if run is not None and run.path is not None:
        workbook.save(run.path)
        run.filename = filename
        run.rows = sum(len(one.rows) for one in sheets)
        return Response(status=204)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype=MIMETYPE,
        headers={
            "Content-Disposition": disposition(filename),
            # the lists hold names and phones: no shared cache keeps a copy
            "Cache-Control": "private, no-store",
        },
    )


def _write_sheet(workbook: Workbook, one: Sheet) -> None:
    """``one`` as a sheet of ``workbook``; its rows are a list already cut to the limit."""
    headers, total, rows = one.headers, one.total, one.rows
    title = _UNSAFE_SHEET.sub("_", one.title)[:31] or "Sheet"
    sheet = workbook.create_sheet(title=title)
    widths = [_width(h) for h in headers]
    for row in rows:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _width(value))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, header, bold=True) for header in headers])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    if total is not None and total > len(rows):
        sheet.append(
            [
                _cell(
                    sheet,
                    _(
                        "仅导出前 %(n)d 行，共 %(total)d 行；请缩小筛选范围后再导出",
                        n=len(rows),
                        total=total,
                    ),
                    bold=True,
                )
            ]
        )
