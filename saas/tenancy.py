"""Which street a piece of code acts for, and the automatic scoping that enforces it.

A ``ContextVar`` holds the current street's id, or the explicit ``ALL_TENANTS`` marker for platform
code, CLI commands and migrations, or nothing. With nothing in it, any query on a tenant-owned model
raises ``TenantScopeError`` instead of returning every street's rows (fail closed). With a street in
it, every ORM SELECT, UPDATE and DELETE gets ``tenant_id = current`` added, new rows are stamped with
it, and on PostgreSQL the same id is set as ``app.tenant_id`` for Row-Level Security, which catches
raw SQL that forgets its filter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from functools import lru_cache

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from saas.db import TenantScoped


class _AllTenants:
    def __repr__(self) -> str:
        return "ALL_TENANTS"


ALL_TENANTS = _AllTenants()

_current: ContextVar[int | _AllTenants | None] = ContextVar("current_tenant", default=None)


class TenantScopeError(RuntimeError):
    """A tenant-owned table was touched with no street (or the wrong street) in context."""


def activate(tenant: int | _AllTenants) -> Token:
    if tenant is None:
        raise TenantScopeError("activate() needs a street id or ALL_TENANTS, not None")
    return _current.set(tenant)


def deactivate(token: Token) -> None:
    _current.reset(token)


@contextmanager
def tenant_scope(tenant: int | _AllTenants) -> Iterator[None]:
    token = activate(tenant)
    try:
        yield
    finally:
        deactivate(token)


def all_tenants() -> contextmanager:
    """Scope for platform code that deliberately spans streets."""
    return tenant_scope(ALL_TENANTS)


def current_tenant_id() -> int:
    """The id of the street in context; raises outside a single street's scope."""
    current = _current.get()
    if current is None or current is ALL_TENANTS:
        raise TenantScopeError(f"no single street in context (have {current!r})")
    return current  # type: ignore[return-value]


def current_scope() -> int | _AllTenants | None:
    return _current.get()


def _touches_tenant_rows(state: ORMExecuteState) -> bool:
    if any(getattr(mapper.class_, "__tenant_owned__", False) for mapper in state.all_mappers):
        return True
    # select(func.count()).select_from(Model) names no entity, only a table in FROM
    tables = _tenant_table_names()
    return any(t.name in tables for t in find_tables(state.statement, include_aliases=True))


def _tenant_table_names() -> frozenset[str]:
    global _TENANT_TABLES
    if _TENANT_TABLES is None:
        from saas.db import db

        _TENANT_TABLES = frozenset(
            m.class_.__tablename__
            for m in db.Model.registry.mappers
            if getattr(m.class_, "__tenant_owned__", False)
        )
    return _TENANT_TABLES


_TENANT_TABLES: frozenset[str] | None = None


def _rls_value(scope: int | _AllTenants | None) -> tuple[str, str]:
    if scope is ALL_TENANTS:
        return "", "on"
    return ("" if scope is None else str(scope)), ""


def _sync_rls(session: Session) -> None:
    """Make ``app.tenant_id`` on the session's connection match the scope, once per change.

    A transaction starts with nothing set, which the policy reads as "no street": no rows. So a
    request costs one ``set_config`` round trip, sent when its street's scope is first used.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return
    wanted = _rls_value(_current.get())
    if session.info.get("rls") == wanted:
        return
    conn = session.connection()  # may begin the transaction, which resets session.info["rls"]
    if session.info.get("rls") == wanted:
        return
    conn.exec_driver_sql(
        "SELECT set_config('app.tenant_id', %s, true), set_config('app.all_tenants', %s, true)",
        wanted,
    )
    session.info["rls"] = wanted


def install() -> None:
    """Register the scoping hooks on every ORM session (idempotent)."""
    if event.contains(Session, "do_orm_execute", _scope_statement):
        return
    event.listen(Session, "do_orm_execute", _scope_statement)
    event.listen(Session, "before_flush", _stamp_new_rows)
    event.listen(Session, "after_begin", _on_begin)
    event.listen(Session, "after_transaction_end", _on_transaction_end)


def _on_begin(session: Session, transaction, connection) -> None:
    session.info["rls"] = _rls_value(None)  # what a new transaction has: nothing set


def _on_transaction_end(session: Session, transaction) -> None:
    # Also after a SAVEPOINT: rolling one back undoes a set_config made inside it.
    session.info.pop("rls", None)


def _scope_statement(state: ORMExecuteState) -> None:
    _sync_rls(state.session)
    if not _touches_tenant_rows(state):
        return
    current = _current.get()
    if current is None:
        raise TenantScopeError("query on a tenant-owned table with no street in context")
    if current is ALL_TENANTS:
        return
    if not state.is_orm_statement:
        # select(Model.__table__) and friends: loader criteria do not reach plain Core
        raise TenantScopeError("Core statement on a tenant-owned table: use the model")
    if state.is_insert or state.is_update:
        _check_written_tenant(state, current)
    if state.is_insert:
        return
    state.statement = state.statement.options(_criteria(current))


@lru_cache(maxsize=1024)
def _criteria(tenant_id: int):
    """``tenant_id = …`` on every tenant-owned entity of a statement; one option per street,
    made once (building it analyses the lambda)."""
    return with_loader_criteria(
        TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
    )


def _check_written_tenant(state: ORMExecuteState, current: int) -> None:
    """INSERTs and bulk UPDATEs by primary key name their rows' tenant_id: it must be ours.

    An INSERT without one is refused too: Core inserts are not stamped like flushed objects.
    """
    rows = state.parameters
    rows = [rows] if isinstance(rows, dict) else list(rows or [])
    values = {
        getattr(column, "key", column): getattr(value, "value", value)
        for column, value in (getattr(state.statement, "_values", None) or {}).items()
    }
    if values:
        rows.append(values)
    for row in rows:
        if "tenant_id" in row:
            if row["tenant_id"] != current:
                raise TenantScopeError("a write names another street's tenant_id")
        elif state.is_insert:
            raise TenantScopeError("an INSERT on a tenant-owned table must carry tenant_id")


def _stamp_new_rows(session: Session, flush_context, instances) -> None:
    current = _current.get()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if current is None:
            raise TenantScopeError(f"new {type(obj).__name__} with no street in context")
        if current is ALL_TENANTS:
            if obj.tenant_id is None:
                raise TenantScopeError(f"new {type(obj).__name__} needs an explicit tenant_id")
        elif obj.tenant_id is None:
            obj.tenant_id = current
        elif obj.tenant_id != current:
            raise TenantScopeError(f"new {type(obj).__name__} for another street")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and current not in (None, ALL_TENANTS):
            if obj.tenant_id != current:
                raise TenantScopeError(f"{type(obj).__name__} of another street changed")
    _sync_rls(session)
