"""The stack's ceiling: a bare Flask route doing one indexed query with psycopg, nothing else.

Served by the same gunicorn settings as the app, it says how fast a request can be on this machine;
our pages are reported as a ratio of it.
"""

from __future__ import annotations

import os

import psycopg
from flask import Flask, request

app = Flask(__name__)
_conn: psycopg.Connection | None = None


def _connection() -> psycopg.Connection:
    global _conn
    if _conn is None or _conn.closed:
        url = os.environ["BENCH_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _conn = psycopg.connect(url, autocommit=True)
    return _conn


@app.get("/ceiling")
def ceiling():
    tenant, passport = int(request.args["t"]), int(request.args["p"])
    with _connection().cursor() as cur:
        cur.execute(
            "SELECT balance FROM passports WHERE tenant_id = %s AND id = %s", (tenant, passport)
        )
        row = cur.fetchone()
    return f"balance {row[0] if row else '-'}"
