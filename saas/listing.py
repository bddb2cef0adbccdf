"""What every paged, searchable list of a street shares: the count, the page, the search text."""

from __future__ import annotations

from sqlalchemy import Select, func
from sqlalchemy.orm import Session


def count_rows(session: Session, stmt: Select) -> int:
    """How many rows ``stmt`` finds in all (its ORDER BY dropped), for "共 N 条"."""
    counted = stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return session.scalar(counted) or 0


def one_page(stmt: Select, page: int, size: int) -> Select:
    """``stmt`` narrowed to page ``page`` (from 1) of ``size`` rows."""
    return stmt.offset((page - 1) * size).limit(size)


def contains_pattern(text: str | None) -> str | None:
    """A LIKE pattern for "contains ``text``", or None when there is nothing to search for.

    LIKE's wildcards and its escape character are dropped, not escaped: nobody searches a name
    for "%", and a typed "%" or "_" must not match everything.
    """
    text = (text or "").replace("%", "").replace("_", "").replace("\\", "").strip()
    return f"%{text}%" if text else None
