"""``python -m bench.reports``: the monthly report of a street with 2,000 volunteers and a year of
figures, on PostgreSQL (issue 13's "renders in under a second").

Builds ``BENCH_DB`` (default ``ljt_bench_reports``; dropped and made anew) with ``bench/data.py``'s
street 1 (2,000 volunteers in 5 communities, their passports, ledger, events, units, merchants,
grid items), makes one of its volunteers the street's admin, back-fills the kept figures for a
year with ``flask figures refresh --since`` (timed: what an upgrade's back-fill costs), then adds
a year of synthetic days for every figure and community (so every day of the year holds a value,
as a busy street's would) and times the monthly report through the app (in-process, the test
client, warm), beside the bare Flask route of ``bench/ceiling.py`` through its own test client on
the same database: the report as a ratio of the ceiling and in absolute milliseconds, with its
SQL statements. Needs PostgreSQL (trust auth for postgres on 127.0.0.1).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta

os.environ.setdefault("BENCH_DB", "ljt_bench_reports")

import psycopg  # noqa: E402

from bench import __main__ as harness  # noqa: E402
from bench import data  # noqa: E402

ROUNDS = 30


def _timed(client, path: str, headers=None) -> list[float]:
    client.get(path, headers=headers)  # warm
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def main() -> None:
    harness.log(f"building {harness.DB}")
    harness.setup_database()
    harness.grow(1, 1)
    with psycopg.connect(harness.OWNER_URL) as conn:
        tenant_id, slug, user_id, passport, newest = data.sample_users(conn, 1, 1)[0]
        conn.execute(
            "UPDATE users SET role = 'admin', community_id = NULL WHERE tenant_id = %s AND id = %s",
            (tenant_id, user_id),
        )
        conn.commit()
    since = (date.today() - timedelta(days=365)).isoformat()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "figures", "refresh", "--since", since],
        cwd=harness.ROOT,
        env=harness.app_env(),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    backfill = time.perf_counter() - started
    harness.log(f"flask figures refresh --since {since}: {backfill:.1f} s")

    os.environ.update(harness.app_env())
    from saas import create_app
    from saas.figures.store import declared

    app = create_app({"SQLALCHEMY_DATABASE_URI": harness.app_env()["DATABASE_URL"]})
    with app.app_context():
        keys = [d.figure.key for d in declared(app)]
    with psycopg.connect(harness.OWNER_URL) as conn:
        conn.execute("SELECT set_config('app.all_tenants', 'on', false)")
        conn.execute(
            """
            INSERT INTO daily_figures (tenant_id, id, key, day, community_id, value)
            SELECT %(t)s, 8000000000000000 + row_number() OVER (), k, d::date, c, (random() * 50)::int + 1
            FROM unnest(%(keys)s::text[]) AS k,
                 generate_series(%(first)s::date, %(last)s::date, '1 day') AS d,
                 (SELECT 0 AS c UNION ALL SELECT id FROM communities WHERE tenant_id = %(t)s) AS cs
            ON CONFLICT (tenant_id, community_id, day, key) DO NOTHING
            """,
            {"t": tenant_id, "keys": keys, "first": since, "last": date.today().isoformat()},
        )
        conn.commit()
        rows = conn.execute("SELECT count(*) FROM daily_figures").fetchone()[0]
    with psycopg.connect(harness.OWNER_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE daily_figures")
    harness.log(f"daily_figures: {rows:,} rows")

    cookie = harness.session_cookies([(tenant_id, slug, user_id, passport, newest)])[0]
    name, value = cookie.split("=", 1)
    client = app.test_client()
    client.set_cookie(name, value)
    path = f"/{slug}/reports/monthly"
    report = _timed(client, path)
    statements = harness.statements_per_page(path, cookie, hx=False)

    from bench.ceiling import app as ceiling_app

    bare = _timed(ceiling_app.test_client(), f"/ceiling?t={tenant_id}&p={passport}")
    p50, bare50 = statistics.median(report), statistics.median(bare)
    worst = max(report)
    print(
        f"| monthly report (2,000 volunteers, a year of figures: {rows:,} kept days) "
        f"| {p50:.1f} ms p50 | {worst:.1f} ms max | {statements} SQL "
        f"| ceiling {bare50:.2f} ms p50 | × ceiling {bare50 / p50:.3f} |"
    )
    print(f"back-fill of a year (flask figures refresh --since {since}): {backfill:.1f} s")


if __name__ == "__main__":
    main()
