"""The database or Redis out of reach: which errors say so, how long a connection may take,
and what ``/healthz`` reports.

An outage is not a bug. A database that refuses connections, drops them, does not answer within
``DATABASE_CONNECT_TIMEOUT`` or is shutting down makes every request answer the 503 page with
``Retry-After`` (``saas.security``), logged once per request at ERROR with the reason and no
traceback. Errors the driver happens to class as operational but that are mistakes in the code
(SQLite's "no such table") stay a 500 with their traceback.
"""

from __future__ import annotations

import sqlite3
import time

import psycopg
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

#: seconds a browser or a client is asked to wait before trying again after an outage
RETRY_AFTER = 30
#: /healthz's own limits (seconds): it must answer while what it checks does not. PostgreSQL's
#: client library waits at least 2 seconds for a connection, whatever it is told.
PROBE_TIMEOUT = 2
REDIS_PROBE_TIMEOUT = 1

#: SQLSTATE classes and codes that mean "the server cannot serve now", not "this query is wrong":
#: connection exceptions, insufficient resources (too many connections, disk full), operator
#: intervention (shutting down, starting up, a statement cancelled), system errors
_PG_OUTAGE = ("08", "53", "57P", "57014", "58")
#: SQLite's words for a database file that cannot be reached or used
_SQLITE_OUTAGE = (
    "unable to open database file",
    "disk I/O error",
    "database is locked",
    "database or disk is full",
)


def configure_engine(config: dict) -> None:
    """Give PostgreSQL connections a connect timeout (``DATABASE_CONNECT_TIMEOUT`` seconds; 0
    leaves the driver's default, none): a server that accepts the connection and then never
    answers, frozen or swapped out, must cost a request a few seconds and a 503, not its worker."""
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    seconds = config.get("DATABASE_CONNECT_TIMEOUT")
    if not url.startswith("postgresql") or not seconds:
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", int(seconds))
    config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def database_outage(error: BaseException) -> str | None:
    """What a database error says is wrong, if it says the database is out of reach; else None.

    Connecting failed (refused, timed out, no such role or database: the driver gives no
    SQLSTATE), the connection was lost, the pool had none to give, or the server said it cannot
    serve now. A lock waited on past ``lock_timeout`` (``saas.locks``) is not an outage.
    """
    if isinstance(error, sa_exc.DisconnectionError):
        return "disconnected"
    if isinstance(error, sa_exc.TimeoutError):
        return "no connection free in the pool"
    if not isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    orig = error.orig
    reason = _first_line(orig)
    if error.connection_invalidated:
        return reason
    if isinstance(orig, psycopg.Error):
        state = orig.sqlstate
        return reason if state is None or state.startswith(_PG_OUTAGE) else None
    if isinstance(orig, sqlite3.OperationalError) and str(orig).startswith(_SQLITE_OUTAGE):
        return reason
    return None


def _first_line(error: BaseException | None) -> str:
    lines = str(error or "").strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def short_reason(error: BaseException) -> str:
    """A few words for /healthz, which anyone may read: no host, port, role or file name."""
    words = str(error).lower()
    for marker, reason in (
        ("refused", "connection refused"),
        ("timeout", "timeout"),
        ("timed out", "timeout"),
        ("unable to open", "cannot open the database file"),
        ("does not exist", "no such database or role"),
        ("authentication", "authentication failed"),
        ("too many", "too many connections"),
        ("closed", "connection lost"),
        ("terminat", "connection lost"),
        ("shutting down", "shutting down"),
        ("starting up", "starting up"),
    ):
        if marker in words:
            return reason
    cause = getattr(error, "orig", None) or error
    return type(cause).__name__


def database_state(app: Flask) -> str:
    """``ok``, or ``down: <reason>``: ``SELECT 1`` on a connection of its own, opened with short
    timeouts, so that a frozen server is reported within about ``PROBE_TIMEOUT`` seconds rather
    than holding the check (and a connection of the app's pool) for as long as it stays frozen."""
    try:
        with _probe_engine(app).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure is the answer, not an error of this page
        return f"down: {short_reason(exc)}"
    return "ok"


def _probe_engine(app: Flask):
    engine = app.extensions.get("health_engine")
    if engine is None:
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        connect_args: dict = {}
        if str(url).startswith("postgresql"):
            timeout_ms = PROBE_TIMEOUT * 1000
            connect_args = {
                "connect_timeout": PROBE_TIMEOUT,
                "options": f"-c statement_timeout={timeout_ms}",
            }
        engine = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        app.extensions["health_engine"] = engine
    return engine


def redis_state(app: Flask) -> tuple[str, int | None]:
    """``not configured`` (jobs run in-process), ``ok`` with the jobs waiting in the queue, or
    ``down: <reason>``; within about ``REDIS_PROBE_TIMEOUT`` seconds."""
    url = app.config.get("REDIS_URL")
    if not url:
        return "not configured", None
    client = app.extensions.get("health_redis")
    if client is None:
        from redis import Redis

        client = Redis.from_url(
            url,
            socket_connect_timeout=REDIS_PROBE_TIMEOUT,
            socket_timeout=REDIS_PROBE_TIMEOUT,
            retry_on_timeout=False,
        )
        app.extensions["health_redis"] = client
    try:
        from rq import Queue

        client.ping()
        waiting = Queue(app.config["RQ_QUEUE"], connection=client).count
    except Exception as exc:  # any failure is the answer
        return f"down: {short_reason(exc)}", None
    return "ok", waiting


def report(app: Flask) -> tuple[dict, int]:
    """/healthz: 503 when the database is down (no page works without it); 200 otherwise, with
    ``degraded`` when Redis is down. Pages need only the database: a job that could not be
    queued is sent by the sweeper once Redis is back, and the login throttle falls back to
    counters in the process. A 503 for Redis would have a load balancer or an orchestrator take
    out, or restart, web processes that still serve, turning a partial outage into a full one."""
    database = database_state(app)
    redis, waiting = redis_state(app)
    if database != "ok":
        status, code = "down", 503
    elif redis.startswith("down"):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    state: dict = {"status": status, "database": database, "redis": redis}
    if waiting is not None:
        state["queued_jobs"] = waiting
    state["time"] = int(time.time())
    return state, code
