"""Lists handed out as .xlsx files: one helper every module's 导出 Excel link calls, so each
export looks the same (bold headers, readable widths, street-local times, masked phones) and is
safe to open (nothing a user typed becomes a formula)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import wraps
from typing import NamedTuple
from urllib.parse import quote

from flask import Response, request
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from saas.auth.phone import mask_phone
from saas.ui import street_zone

#: the most rows one export holds; past it the file says it was cut (a list that long is
#: filtered, not read whole, and the workbook is built in one request's memory)
EXPORT_LIMIT = 20_000

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Excel, LibreOffice and WPS read a text cell starting with these as a formula once it is edited
# or the file is saved as CSV: such cells are stored with the string type, never as formulas
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')
#: what Excel refuses in a sheet's name
_UNSAFE_SHEET = re.compile(r"[\x00-\x1f\\/:*?\[\]]+")
_BOLD = Font(bold=True)


def download(view: Callable) -> Callable:
    """For an export view: a list's htmx filter form that submits to it (its 导出 Excel button's
    formaction) gets told to navigate there instead, so the browser downloads the file rather than
    htmx swapping its bytes into the table."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get("HX-Request") == "true":
            return Response(status=200, headers={"HX-Redirect": request.full_path})
        return view(*args, **kwargs)

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
    if isinstance(value, Decimal):
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


def _disposition(filename: str) -> str:
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
    (a dashboard's figures, events and weekly series side by side in one file)."""
    workbook = Workbook(write_only=True)
    for one in sheets:
        _write_sheet(workbook, one)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype=MIMETYPE,
        headers={
            "Content-Disposition": _disposition(filename),
            # the lists hold names and phones: no shared cache keeps a copy
            "Cache-Control": "private, no-store",
        },
    )


def _write_sheet(workbook: Workbook, one: Sheet) -> None:
    headers, total = one.headers, one.total
    rows = list(one.rows)[:EXPORT_LIMIT]
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
