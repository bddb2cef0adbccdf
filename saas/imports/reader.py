"""Reading an uploaded .xlsx: is it one, how many rows, then its rows one at a time.

An .xlsx is a zip of XML parts. Before anything parses it, :func:`inspect` checks what it cheaply
can: the zip's signature (an .exe renamed .xlsx starts with "MZ"), that it is a workbook, that it
would not unpack to more than ``MAX_UNPACKED`` bytes (a zip bomb), and how many rows its first
sheet has — counted on the decompressed XML as it streams, and stopped as soon as the count
passes the limit, so a sheet of a million rows is refused after reading a tenth of it, in
bounded memory. :func:`rows` then reads the sheet with python-calamine: values only (a formula's
cached result, never the formula, nothing evaluated), one row at a time as Python values.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

#: data rows one file may hold (the header row apart): 100,000 is the size of a big street's
#: whole register, and what the bench shows validated and committed well within a minute
MAX_ROWS = 100_000
#: what the zip's parts may unpack to in all (a 100,000-row sheet is about 30 MB of XML)
MAX_UNPACKED = 400 * 1024 * 1024
_CHUNK = 1024 * 1024
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_SHEET_TARGET = re.compile(rb'<Relationship[^>]*Target="([^"]*worksheets/[^"]+)"')


class FileProblem(Exception):
    """The file as a whole cannot be imported; the message says why, in words for the admin."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _first_sheet(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise FileProblem(_("文件不是 Excel 工作簿（.xlsx），请用模板填写后上传"))
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names:
        # the first worksheet the workbook points at (its first sheet in most files)
        with archive.open(rels) as stream:
            found = _SHEET_TARGET.search(stream.read(256 * 1024))
        if found:
            target = found.group(1).decode("utf-8", "replace").lstrip("/")
            path = target if target.startswith("xl/") else f"xl/{target}"
            if path in names:
                return path
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/sheet"))
    if not sheets:
        raise FileProblem(_("工作簿里没有工作表"))
    return sheets[0]


def inspect(path: Path, max_rows: int | None = None) -> int:
    """How many rows the first sheet has (the header row included; empty rows Excel wrote
    count too). Reads at most what it takes to pass ``max_rows`` + 1.

    :raise FileProblem: not an .xlsx, damaged, too big unpacked, or more than ``max_rows`` data
        rows
    """
    max_rows = MAX_ROWS if max_rows is None else max_rows
    with path.open("rb") as raw:
        head = raw.read(4)
    if not head:
        raise FileProblem(_("文件是空的"))
    if head != b"PK\x03\x04":
        raise FileProblem(_("文件不是 Excel 工作簿（.xlsx），请用模板填写后上传"))
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED:
                raise FileProblem(_("文件解压后过大，无法导入"))
            sheet = _first_sheet(archive)
            return _count_rows(archive, sheet, max_rows)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise FileProblem(_("文件已损坏或不是 Excel 工作簿（.xlsx）")) from exc


def _count_rows(archive: zipfile.ZipFile, sheet: str, max_rows: int) -> int:
    count = 0
    tail = b""
    with archive.open(sheet) as stream:
        while chunk := stream.read(_CHUNK):
            data = tail + chunk
            count += len(_ROW_TAG.findall(data))
            # a tag cut in two by the chunk's end is counted with the next chunk
            cut = data.rfind(b"<")
            tail = data[cut:] if cut >= 0 and b">" not in data[cut:] else b""
            if tail:
                count -= len(_ROW_TAG.findall(tail))
            if count > max_rows + 1:
                raise FileProblem(
                    _(
                        "文件超过 %(n)s 行，无法导入；请分成多个文件，每个不超过 %(n)s 行",
                        n=f"{max_rows:,}",
                    )
                )
    return count


def rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """The first sheet's rows as (row number as Excel shows it, values): str, float, int,
    bool, date, datetime, "" for an empty cell. Formulas give their cached value; nothing is
    evaluated.

    :raise FileProblem: calamine cannot read the workbook
    """
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
    except Exception as exc:  # calamine's errors: damaged zip or XML, a password
        raise FileProblem(_("文件已损坏或无法读取，请另存为 .xlsx 后再上传")) from exc
    try:
        # calamine gives the rows from the sheet's first (leading empty rows too)
        yield from enumerate(sheet.iter_rows(), start=1)
    finally:
        workbook.close()
