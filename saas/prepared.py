"""Keep PostgreSQL's prepared statements across requests that only read.

psycopg prepares a query the fifth time a connection runs it, so PostgreSQL stops planning it
again; planning ``/me``'s passport summary costs more than running it. But psycopg forgets every
prepared statement at each ROLLBACK, and a request that only reads ends with one (the session is
closed, not committed): nothing would ever stay prepared.

For a transaction that wrote nothing, COMMIT and ROLLBACK do the same thing, so such a transaction
ends with COMMIT here and its connection keeps its statements. A transaction that ran anything but
a SELECT (a write, DDL, a savepoint) or failed still ends with a real ROLLBACK.
"""

from __future__ import annotations

import weakref

from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: psycopg connections whose current transaction ran something other than a SELECT
_wrote: weakref.WeakSet = weakref.WeakSet()


def install(engine: Engine) -> None:
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    if event.contains(engine, "before_cursor_execute", _note_writes):
        return
    event.listen(engine, "before_cursor_execute", _note_writes)
    dialect = engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    def do_rollback(connection) -> None:
        raw = _raw(connection)
        if raw in _wrote or raw.info.transaction_status != TransactionStatus.INTRANS:
            _wrote.discard(raw)
            rollback(connection)
        else:
            commit(connection)

    def do_commit(connection) -> None:
        _wrote.discard(_raw(connection))
        commit(connection)

    dialect.do_rollback = do_rollback
    dialect.do_commit = do_commit


def _raw(connection):
    """The psycopg connection behind the pool's proxy (SQLAlchemy hands either)."""
    return getattr(connection, "dbapi_connection", connection)


def _note_writes(conn, cursor, statement: str, parameters, context, executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        _wrote.add(_raw(conn.connection))
