"""``make bench``: our phone pages against the stack's ceiling, on PostgreSQL, with gunicorn and wrk.

Builds ``ljt_bench`` (dropped and made anew), grows it from 1 street (20 thousand ledger entries)
to 10 and 100 (2 million), and at each size drives ``/<slug>/me``, its history fragment,
``/<slug>/activities`` and an event's page with 16 concurrent clients, next to a bare Flask route
doing one indexed query under the same gunicorn settings. At 100× it runs the pages again with
Row-Level Security switched off. Writes the table to docs/performance.md. Needs PostgreSQL (trust
auth for postgres on 127.0.0.1) and wrk.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from bench import data

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
# BENCH_DB: another database name, for a scratch bench beside someone else's (it is dropped first)
DB = os.environ.get("BENCH_DB", "ljt_bench")
ROLE, SECRET = "ljt_bench_app", "bench-secret-key"
BASE = ADMIN_URL.rsplit("/", 1)[0]
OWNER_URL = f"{BASE}/{DB}"
APP_URL = OWNER_URL.replace("postgres@", f"{ROLE}:bench@", 1)
TENANT_TABLES = [
    "users",
    "communities",
    "passports",
    "point_entries",
    "point_lots",
    "events",
    "registrations",
    "notifications",
    "audit_entries",
    "counters",
    # the party alliance's unit home (area "home")
    "organisations",
    "org_accounts",
    "alliance_agreements",
    "alliance_unit_members",
    "alliance_resources",
    "alliance_needs",
    "alliance_meetings",
    "alliance_meeting_invites",
    "alliance_resolutions",
    "attendances",
    # the merchant alliance's public directory
    "merchant_circles",
    "merchant_profiles",
    # the grid worker's home
    "grids",
    "grid_item_levels",
    "grid_item_categories",
    "grid_departments",
    "grid_items",
    "grid_item_steps",
    "grid_item_photos",
]


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def setup_database() -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (ROLE,)).fetchone():
            conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD 'bench' NOSUPERUSER NOBYPASSRLS")
    flask("db", "upgrade")
    flask("platform", "grant-app-role", ROLE)


def app_env(**extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=APP_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        MIGRATION_DATABASE_URL=OWNER_URL,
        SECRET_KEY=SECRET,
        APP_ENV="production",
        INSTANCE_PATH=tempfile.gettempdir() + "/ljt-bench-instance",
        FLASK_APP="wsgi:app",
        BENCH_DATABASE_URL=APP_URL,
    )
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def flask(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=app_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def grow(first: int, last: int) -> None:
    started = time.perf_counter()
    with psycopg.connect(OWNER_URL) as conn:
        data.load(conn, first, last)
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        entries = conn.execute("SELECT count(*) FROM point_entries").fetchone()[0]
    log(
        f"streets {first}-{last} loaded in {time.perf_counter() - started:.0f} s; "
        f"{entries:,} ledger entries"
    )


def session_cookies(users) -> list[str]:
    """Signed session cookies for bench volunteers, as the app would set them at login."""
    os.environ.update(app_env())
    from flask_login.utils import _create_identifier

    from saas import create_app
    from saas.streets.privacy import SESSION_KEY as PRIVACY_SESSION_KEY

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_env()["DATABASE_URL"]})
    serializer = app.session_interface.get_signing_serializer(app)
    # wrk connects from 127.0.0.1 with no User-Agent: the login that set this cookie did too
    with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()
    now = int(time.time())
    cookies = []
    for tenant_id, _slug, user_id, _passport, _newest in users:
        value = serializer.dumps(
            {
                "_user_id": f"u:{tenant_id}:{user_id}:{data.TOKEN}",
                "_fresh": True,
                "_id": identifier,
                "_permanent": True,
                "auth_at": now,
                "seen_at": now,
                "remember": True,
                # the privacy-notice version they agreed to when they joined (the gate in
                # saas.web compares it with the street's; the login reads it from the consents)
                PRIVACY_SESSION_KEY: 1,
                # what the login form left there: the page's CSRF token is not a new one each time
                "csrf_token": secrets.token_hex(20),
            }
        )
        cookies.append(f"{app.config['SESSION_COOKIE_NAME']}={value}")
    return cookies


def statements_per_page(path: str, cookie: str, hx: bool) -> int:
    """SQL statements one request runs (BEGIN/COMMIT not counted), through the test client."""
    from sqlalchemy import event

    from saas import create_app
    from saas.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_env()["DATABASE_URL"]})
    client = app.test_client()
    if cookie:  # "" is a visitor who is not signed in
        name, value = cookie.split("=", 1)
        client.set_cookie(name, value)
    headers = {"HX-Request": "true"} if hx else {}
    client.get(path, headers=headers)  # warm: first-request work is not per-page work
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    status = client.get(path, headers=headers).status_code
    event.remove(engine, "before_cursor_execute", count)
    if status != 200:
        raise SystemExit(f"{path} answered {status}: is the page there?")
    return len(seen)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, probe: str, **extra_env):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "4",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env=app_env(**extra_env),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + probe, timeout=2)  # noqa: S310 (loopback)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise SystemExit(f"gunicorn {app_spec} did not start") from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(10)


def drive(base: str, targets: list[tuple[str, str, bool]], seconds: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as fh:
        for path, cookie, hx in targets:
            fh.write(f"{path}\t{cookie}\t{'hx' if hx else ''}\n")
        targets_file = fh.name
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            "16",
            "-d",
            f"{seconds}s",
            "-s",
            str(ROOT / "bench" / "load.lua"),
            base,
        ],
        env={**os.environ, "BENCH_TARGETS": targets_file},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(targets_file)
    result = json.loads(out.split("BENCH ", 1)[1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def set_rls(enabled: bool) -> None:
    with psycopg.connect(OWNER_URL, autocommit=True) as conn:
        for table in TENANT_TABLES:
            if enabled:
                conn.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
                conn.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            else:
                conn.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
                conn.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")


def measure(streets: int, seconds: int, rows: list, label: str) -> None:
    with psycopg.connect(OWNER_URL) as conn:
        users = data.sample_users(conn, streets, 400)
        units = data.sample_units(conn, streets, 130)
        workers = data.sample_grid_workers(conn, streets, 100)
    cookies = session_cookies(users)
    # an alliance unit's account signed in, on its own home (at 130 units a street)
    unit_home = [
        (f"/{slug}/alliance/unit", c, False)
        for (_t, slug, *_), c in zip(units, session_cookies(units), strict=True)
    ]
    # a grid worker on their phone home: their grids' open items, their own recent reports
    worker_home = [
        (f"/{slug}/grid/worker", c, False)
        for (_t, slug, *_), c in zip(workers, session_cookies(workers), strict=True)
    ]
    me = [(f"/{slug}/me", c, False) for (_t, slug, *_), c in zip(users, cookies, strict=True)]
    history = [
        (f"/{slug}/me/history?before={newest}", c, True)
        for (_t, slug, _u, _p, newest), c in zip(users, cookies, strict=True)
    ]
    activities = [
        (f"/{slug}/activities", c, False) for (_t, slug, *_), c in zip(users, cookies, strict=True)
    ]
    # an event's own page, the link staff paste into a WeChat group (each user a different event)
    event_page = [
        (f"/{slug}/activities/{data.event_id(t, i % data.EVENTS)}", c, False)
        for i, ((t, slug, *_), c) in enumerate(zip(users, cookies, strict=True))
    ]
    # the public merchant directory, read by visitors who are not signed in (200 merchants a
    # street), with the filters residents use: a street's page, a circle, a category
    filters = ("", "?category=food", "?category=grocery", "?page=2")
    directory = [
        (f"/{slug}/merchants{filters[i % len(filters)]}", "", False)
        for i, (_t, slug, *_) in enumerate(users)
    ]
    ceiling = [(f"/ceiling?t={t}&p={p}", "", False) for t, _s, _u, p, _n in users]
    with gunicorn("bench.ceiling:app", ceiling[0][0]) as base:
        top = drive(base, ceiling, seconds)
    rows.append(_row(f"ceiling ({label})", top, top, 1))
    with gunicorn("bench.reference:app", ceiling[0][0]) as base:
        reference = drive(base, ceiling, seconds)
    rows.append(_row(f"reference: Flask-SQLAlchemy + tiny template ({label})", reference, top, 2))
    with gunicorn("bench.straightforward:app", "/healthz") as base:
        plain = drive(base, me, seconds)
    rows.append(_row(f"reference: a straightforward phone page ({label})", plain, top, 7))
    with gunicorn("wsgi:app", "/healthz") as base:
        pages = (
            ("/<slug>/me", me),
            ("history fragment", history),
            ("/<slug>/activities", activities),
            ("/<slug>/activities/<id>", event_page),
            ("/<slug>/alliance/unit", unit_home),
            ("/<slug>/grid/worker (grid worker's phone home)", worker_home),
            ("/<slug>/merchants (anonymous, cached 60 s)", directory),
        )
        for name, targets in pages:
            result = drive(base, targets, seconds)
            sql = statements_per_page(targets[0][0], targets[0][1], targets[0][2])
            rows.append(_row(f"{name} ({label})", result, top, sql))


def _row(name: str, result: dict, top: dict, sql) -> dict:
    return {
        "page": name,
        "rps": round(result["rps"]),
        "p50_ms": round(result["p50_us"] / 1000, 1),
        "p95_ms": round(result["p95_us"] / 1000, 1),
        "p99_ms": round(result["p99_us"] / 1000, 1),
        "errors": result["socket_errors"] + result["non2xx"],
        "sql": sql,
        "ratio": round(result["rps"] / top["rps"], 2),
    }


def write_report(rows: list[dict], command: str) -> None:
    lines = [
        "| page (data) | req/s | p50 ms | p95 ms | p99 ms | errors | SQL/page | × ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['page']} | {r['rps']} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
        f"{r['errors']} | {r['sql']} | {r['ratio']} |"
        for r in rows
    ]
    table = "\n".join(lines)
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    marker = "<!-- bench:results -->"
    stamp = f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`:\n\n"
    block = f"{marker}\n{stamp}{table}\n{marker}"
    if marker in text:
        head, _old, tail = text.split(marker, 2)
        text = head + block + tail
    else:
        text += "\n" + block + "\n"
    path.write_text(text)
    print(table)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=int, default=15, help="each measurement's length")
    parser.add_argument("--scales", default="1,10,100", help="streets at each measurement")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    scales = [int(s) for s in args.scales.split(",")]
    setup_database()
    rows: list[dict] = []
    loaded = 0
    for streets in scales:
        grow(loaded + 1, streets)
        loaded = streets
        measure(streets, args.seconds, rows, f"{streets * 20_000:,} entries")
    set_rls(False)
    try:
        measure(loaded, args.seconds, rows, f"{loaded * 20_000:,} entries, RLS off")
    finally:
        set_rls(True)
    write_report(rows, "make bench")
    from bench import signups  # imports this module's helpers: not at the top

    signups.write_report(signups.measure(args.seconds), "make bench")


if __name__ == "__main__":
    main()
