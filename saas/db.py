"""The declarative base, the tenant-owned mixin and id generation.

Every tenant-owned table has the primary key ``(tenant_id, id)`` and refers to other tenant-owned
tables through ``(tenant_id, x_id)``: the shape a Citus cluster distributed by ``tenant_id`` needs.
Ids are generated in Python (time-ordered, 63 bits) so the same composite key works on SQLite,
which cannot auto-increment one column of a composite key, and needs no global sequence.
"""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, DateTime, ForeignKey, ForeignKeyConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)

_EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
_id_lock = threading.Lock()
_id_state = {"ms": 0, "seq": 0, "node": random.getrandbits(10)}


def _reset_node() -> None:
    _id_state.update(ms=0, seq=0, node=random.getrandbits(10))


os.register_at_fork(after_in_child=_reset_node)


def new_id() -> int:
    """A time-ordered 63-bit id: 41 bits of milliseconds, 10 of process, 12 of sequence."""
    with _id_lock:
        ms = int(time.time() * 1000) - _EPOCH_MS
        if ms <= _id_state["ms"]:
            ms = _id_state["ms"]
            _id_state["seq"] = (_id_state["seq"] + 1) & 0xFFF
            if _id_state["seq"] == 0:  # 4096 ids in one millisecond: borrow the next one
                ms += 1
        else:
            _id_state["seq"] = 0
        _id_state["ms"] = ms
        return (ms << 22) | (_id_state["node"] << 12) | _id_state["seq"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class TenantScoped:
    """Mixin for every row that belongs to one street (街道).

    Queries on these models are filtered to the current street automatically, and fail when no
    street is in context (see ``saas.tenancy``).
    """

    __tenant_owned__ = True

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        #: the street this row belongs to; first column of the primary key
        return mapped_column(ForeignKey("tenants.id"), primary_key=True)

    @declared_attr
    def id(cls) -> Mapped[int]:  # noqa: N805
        #: unique across streets, but always looked up together with ``tenant_id``
        return mapped_column(BigInteger, primary_key=True, default=new_id)


def tenant_fk(columns: str | list[str], target: str, **kw) -> ForeignKeyConstraint:
    """A foreign key to another tenant-owned table, with ``tenant_id`` in it.

    ``tenant_fk("community_id", "communities")`` refers to ``communities(tenant_id, id)``.
    """
    cols = [columns] if isinstance(columns, str) else list(columns)
    return ForeignKeyConstraint(["tenant_id", *cols], [f"{target}.tenant_id", f"{target}.id"], **kw)


def created_at_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, nullable=False)


__all__ = [
    "BigInteger",
    "Base",
    "TenantScoped",
    "UTCDateTime",
    "created_at_column",
    "db",
    "new_id",
    "tenant_fk",
    "utcnow",
]


def guarded_update(session, obj, *conditions, **values) -> bool:
    """Change ``obj``'s row in one UPDATE, only while ``conditions`` still hold: the database
    decides, so two requests racing (a double click, two staff) change it once. On success the
    loaded object says what the row now says, without writing it again. Returns whether it did.
    """
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value
    from sqlalchemy.sql import ClauseElement

    model = type(obj)
    changed = session.execute(
        update(model)
        .where(model.id == obj.id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed:
        for key, value in values.items():
            if isinstance(value, ClauseElement):  # computed by the database: read it when asked
                session.expire(obj, [key])
            else:
                set_committed_value(obj, key, value)
    return bool(changed)


def insert_ignoring_conflict(session, model, values: dict, conflict_columns: list[str]):
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id`` on PostgreSQL and SQLite.

    Returns the new row's id, or None when a row with the same ``conflict_columns`` exists (a
    retried job, a double click): the database decides, not a read-then-write in Python.
    Tenant-owned rows must carry ``tenant_id`` in ``values`` (Core inserts are not stamped).
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(model.id)
    )
    return session.execute(stmt).scalar()
