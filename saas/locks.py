"""A bound on waiting for a lock: PostgreSQL's ``lock_timeout`` on every connection of the app.

Without one, a request waiting for a row another transaction holds waits as long as that
transaction lasts, and its gunicorn worker with it. With ``LOCK_TIMEOUT_MS`` (default 5000; 0 turns
it off) the statement fails instead with ``LockNotAvailable`` (SQLSTATE 55P03), which the app
answers with a 503 "系统繁忙，请稍后再试" page (``saas.security``). Transactions here hold row
locks for milliseconds; notification delivery takes a lease rather than keep a row locked during a
send (``saas.notify.jobs``).
"""

from __future__ import annotations

import weakref

from psycopg.errors import LockNotAvailable
from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed: weakref.WeakSet = weakref.WeakSet()


def install(engine: Engine, timeout_ms: int) -> None:
    """Set ``lock_timeout`` on each new connection of ``engine`` (PostgreSQL only)."""
    if engine.dialect.name != "postgresql" or not timeout_ms or engine in _installed:
        return
    statement = f"SET lock_timeout = {int(timeout_ms)}"  # milliseconds

    def set_lock_timeout(dbapi_connection, connection_record) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statement)
        finally:
            cursor.close()
        dbapi_connection.commit()  # a SET rolled back with its transaction would be undone

    event.listen(engine, "connect", set_lock_timeout)
    _installed.add(engine)


def timed_out(error: BaseException) -> bool:
    """Whether a database error is a lock waited on past ``lock_timeout`` (or refused NOWAIT)."""
    return isinstance(getattr(error, "orig", None), LockNotAvailable)
