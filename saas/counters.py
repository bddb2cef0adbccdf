"""Per-street counters (passport numbers…): a value is never handed out twice, even concurrently."""

from __future__ import annotations

from sqlalchemy import Integer, String, UniqueConstraint, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from saas.db import TenantScoped, db, insert_ignoring_conflict, new_id


class Counter(TenantScoped, db.Model):
    """The last value handed out for ``name`` in one street."""

    __tablename__ = "counters"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    #: what is counted, e.g. "passport"
    name: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer, default=0)


def next_value(session: Session, name: str) -> int:
    """The next value of the current street's counter ``name`` (1, 2, 3 …)."""
    return take_values(session, name, 1)


def take_values(session: Session, name: str, count: int) -> int:
    """Reserve ``count`` consecutive values of the current street's counter ``name`` in one
    UPDATE (an import numbering thousands of passports); returns the first.

    The UPDATE takes the row lock, so concurrent callers queue and never share a value.
    """
    from saas.tenancy import current_tenant_id

    insert_ignoring_conflict(
        session,
        Counter,
        {"tenant_id": current_tenant_id(), "id": new_id(), "name": name, "value": 0},
        ["tenant_id", "name"],
    )
    last = session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + count)
        .returning(Counter.value)
    ).scalar_one()
    return last - count + 1
