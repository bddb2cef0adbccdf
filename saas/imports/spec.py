"""What a module declares to let a street import its records from .xlsx (``Module.importers``).

An :class:`Importer` names its columns (Chinese headers, required or not, how a cell is read and
checked), what each row is checked against in the database (loaded in bulk, once per run, by
``lookups``), how a row is matched with a record that exists already, and how the clean rows go
in (``insert``, many to a statement). The platform (``saas.imports``) reads the file, maps the
headers by name, reports every problem by row and column, finds duplicates within the file, and
runs it all as a job; the module knows only its own records.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import Flask
from flask_babel import gettext as _

from saas.auth.phone import normalise_phone
from saas.errors import ServiceError

#: a cell's blanks: ASCII and full-width spaces, tabs, line breaks, no-break spaces
_BLANKS = re.compile(r"[\s\u3000\u00a0]+")


def cell_text(value: Any) -> str:
    """A cell's value as text: trimmed, inner blanks (full-width ones too) collapsed to one
    space; a number Excel stored for digits typed (13900000005.0) without its ".0". A text that
    starts with "=" stays text: only values are read, nothing is evaluated."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value):
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _BLANKS.sub(" ", str(value)).strip()


def read_text(limit: int) -> Callable[[Any], str]:
    """A reader of a text cell of at most ``limit`` characters ("" when empty)."""

    def read(value: Any) -> str:
        text = cell_text(value)
        if len(text) > limit:
            raise ServiceError(_("不能超过 %(n)d 个字", n=limit))
        return text

    return read


def read_name(limit: int, missing: Any) -> Callable[[Any], str]:
    """A reader of a required text cell of at most ``limit`` characters; ``missing`` is the
    message when it is empty."""

    def read(value: Any) -> str:
        name = read_text(limit)(value)
        if not name:
            raise ServiceError(missing)
        return name

    return read


def read_choice(labels: Mapping[Any, Any]) -> Callable[[Any], str]:
    """A reader of a cell that holds one of ``labels``' labels → its key (as text)."""

    def read(value: Any) -> str:
        text = cell_text(value)
        for key, label in labels.items():
            if text == str(label):
                return str(key)
        raise ServiceError(
            _("请填写以下之一：%(names)s", names="、".join(str(v) for v in labels.values()))
        )

    return read


def read_phone(value: Any) -> str:
    """A mainland mobile number, however typed or stored (full-width, spaces, +86, a number)."""
    text = cell_text(value)
    if not text:
        return ""
    phone = normalise_phone(text)
    if phone is None:
        raise ServiceError(_("请输入 11 位中国大陆手机号"))
    return phone


def read_yes_no(value: Any) -> bool:
    """是/否 (also 1/0, Y/N, TRUE/FALSE); empty is 否."""
    text = cell_text(value).upper()
    if text in ("", "否", "0", "N", "NO", "FALSE", "假"):
        return False
    if text in ("是", "1", "Y", "YES", "TRUE", "真"):
        return True
    raise ServiceError(_("请填写以下之一：%(names)s", names="是、否"))


@dataclass(frozen=True)
class Column:
    """One column of an import file."""

    key: str
    #: the header in the file's first row (the template's), matched by name in any order
    header: Any
    required: bool = False
    #: the cell's value → the clean value; raises ServiceError with the reason (read_text(…))
    read: Callable[[Any], Any] = field(default_factory=lambda: read_text(200))
    #: what the template's example row holds
    example: Any = ""
    #: one sentence for the template's notes sheet (accepted values, format)
    note: Any = ""


@dataclass
class Checked:
    """What ``Importer.check`` says of one row whose cells were each read without error."""

    #: (column key, message) for what the row's values break against the street's records
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: (column key, words) when the row is a record that exists already (matched by phone,
    #: credit code…); such rows are skipped or refuse the file, as the admin chose
    existing: tuple[str, str] | None = None


@dataclass(frozen=True)
class Importer:
    """What a module lets a street import (see the module docstring).

    - ``lookups(session, actor)`` loads, in a few queries whatever the file's size, what rows
      are checked against (communities by name, the phones already registered …);
    - ``check(lookups, row)`` checks one row (a dict of clean values) against them → Checked;
    - ``insert(session, actor, lookups, rows)`` writes a chunk of clean rows in bulk (Core
      inserts naming their ``tenant_id``), returns how many; it runs inside the one transaction
      of the whole import;
    - ``unique``: column keys whose non-empty values may appear once in the file;
    - ``list_endpoint``: the list that shows the new rows (the link at the end).
    """

    key: str
    label: Any
    columns: tuple[Column, ...]
    lookups: Callable[[Any, Any], Any]
    check: Callable[[Any, dict], Checked]
    insert: Callable[[Any, Any, Any, list[dict]], int]
    list_endpoint: str
    unique: tuple[str, ...] = ()
    #: a sentence on the import page: what a row becomes
    summary: Any = ""

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def importers(app: Flask | None = None) -> dict[str, Importer]:
    """Every module's importers by key, in module order."""
    from saas.modules import installed

    return {i.key: i for m in installed(app) for i in getattr(m, "importers", ())}


def headers(importer: Importer) -> Sequence[str]:
    return [str(c.header) for c in importer.columns]


#: rows per INSERT statement of :func:`insert_many` on PostgreSQL
ROWS_PER_STATEMENT = 5_000


def insert_many(session, model, rows: list[dict]) -> int:
    """Insert ``rows`` of a tenant-owned ``model`` (each naming the current street's
    ``tenant_id``), as an importer's ``insert`` does: the bulk write of an import.

    On PostgreSQL, one ``INSERT … SELECT FROM unnest(<one array per column>)`` per 5,000 rows:
    a statement that is parsed and planned once whatever the number of rows (an executemany of
    one-row INSERTs is one statement per row on the server, a multi-row VALUES costs SQLAlchemy
    and psycopg seconds to build and parse). It is SQL the ORM's street guard cannot read, so
    this checks every row's ``tenant_id`` against the scope first, and Row-Level Security's
    WITH CHECK refuses any other street's row all the same. Python-side column defaults are
    filled in as the ORM would. Elsewhere (SQLite), the ORM's executemany.
    """
    from sqlalchemy import insert, text

    from saas.tenancy import current_tenant_id

    if not rows:
        return 0
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(model), rows)
        return len(rows)
    tenant_id = current_tenant_id()
    if any(row.get("tenant_id") != tenant_id for row in rows):
        raise ValueError("insert_many: every row must carry the current street's tenant_id")
    table = model.__table__
    dialect = session.get_bind().dialect
    columns = [c for c in table.columns if c.key in rows[0] or _python_default(c) is not None]
    casts, selects = [], []
    for index, column in enumerate(columns):
        kind = column.type.compile(dialect=dialect)
        if kind.upper() in ("JSON", "JSONB"):
            casts.append(f"CAST(:c{index} AS TEXT[])")
            selects.append(f"CAST(c{index} AS {kind})")
        else:
            casts.append(f"CAST(:c{index} AS {kind}[])")
            selects.append(f"c{index}")
    names = ", ".join(f'"{c.name}"' for c in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    # only the table's own names and types go into the text; every value is a bound array
    sql = f"INSERT INTO {table.name} ({names}) SELECT {', '.join(selects)} "  # noqa: S608
    statement = text(sql + f"FROM unnest({', '.join(casts)}) AS u({aliases})")
    # The foreign-key checks of these rows run a query PostgreSQL plans once per connection and
    # keeps: planned while the referenced table was small (a new street, or before the
    # import's own rows), it scans the table for every row, and 100,000 passports checked
    # against a users table growing by 100,000 take minutes instead of a second. Planned afresh
    # each time (this transaction only), the check finds its row by the primary key.
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        part = rows[start : start + ROWS_PER_STATEMENT]
        params = {}
        for index, column in enumerate(columns):
            values = [_value(column, row) for row in part]
            if column.type.compile(dialect=dialect).upper() in ("JSON", "JSONB"):
                values = [json.dumps(v, ensure_ascii=False) for v in values]
            params[f"c{index}"] = values
        session.execute(statement, params)
    return len(rows)


def _python_default(column):
    default = column.default
    return default if default is not None and (default.is_scalar or default.is_callable) else None


def _value(column, row: dict):
    if column.key in row:
        value = row[column.key]
        return value.value if hasattr(value, "value") and not isinstance(value, str) else value
    default = column.default
    if default.is_scalar:
        return default.arg
    return default.arg(None)
