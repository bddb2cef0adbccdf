"""Where a page's time goes, without gunicorn or wrk: the request through the WSGI app in-process.

``python -m bench.profile`` (after ``make bench`` built ``ljt_bench``) reports, for ``/<slug>/me``,
the history fragment, ``/<slug>/activities`` and an event's page, the wall time and the CPU time of this process per request (best and
median of five rounds of 200 requests, 50 volunteers of the 100 streets), then a cProfile of one
more round summed by package. ``--page me|history|activities|activity`` narrows it; ``--top N`` also lists the N
functions with the most time of their own.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import time
from collections import Counter

import psycopg
from werkzeug.test import EnvironBuilder

from bench import data
from bench.__main__ import OWNER_URL, app_env, session_cookies

ROUNDS, REQUESTS = 5, 200
PAGES = ["me", "history", "activities", "activity"]


def environs(page: str, users, cookies) -> list[dict]:
    found = []
    for i in range(REQUESTS):
        _tenant, slug, _user, _passport, newest = users[i % len(users)]
        headers = {"Cookie": cookies[i % len(users)]}
        path = f"/{slug}/me"
        if page == "history":
            path, headers["HX-Request"] = f"/{slug}/me/history?before={newest}", "true"
        elif page == "activities":
            path = f"/{slug}/activities"
        elif page == "activity":
            path = f"/{slug}/activities/{data.event_id(_tenant, i % data.EVENTS)}"
        # as wrk sends it: from 127.0.0.1 with no User-Agent, which the cookie's login had too
        builder = EnvironBuilder(
            path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        found.append(builder.get_environ())
    return found


def call(app, environ: dict) -> None:
    status = []
    body = app.wsgi_app(dict(environ), lambda s, h, exc=None: status.append(s))
    b"".join(body)
    if not status[0].startswith("200"):
        raise SystemExit(f"{environ['PATH_INFO']} answered {status[0]}")


def timings(app, requests: list[dict]) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(ROUNDS):
        started, used = time.perf_counter(), time.process_time()
        for environ in requests:
            call(app, environ)
        wall.append((time.perf_counter() - started) / len(requests) * 1000)
        cpu.append((time.process_time() - used) / len(requests) * 1000)
    return wall, cpu


def by_package(app, requests: list[dict], top: int) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for environ in requests:
        call(app, environ)
    profile.disable()
    stats = pstats.Stats(profile)
    own: Counter = Counter()
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        package = re.search(r"site-packages/([^/.]+)", filename)
        if package:
            own[package.group(1)] += tottime
        elif "/templates/" in filename:
            own["templates"] += tottime
        elif filename == "~":
            own["builtins"] += tottime
        elif "/bench/" not in filename and ("/saas/" in filename or "/tenants/" in filename):
            own["ours"] += tottime
        else:
            own["stdlib"] += tottime
    total = sum(own.values())
    for package, seconds in own.most_common(12):
        print(f"    {package:18s} {seconds / len(requests) * 1000:6.2f} ms  {seconds / total:4.0%}")
    if top:
        stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--page", choices=PAGES, action="append")
    parser.add_argument("--top", type=int, default=0)
    args = parser.parse_args()
    import os

    os.environ.update(app_env())
    with psycopg.connect(OWNER_URL) as conn:
        users = data.sample_users(conn, 100, 50)
    cookies = session_cookies(users)
    from saas import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": app_env()["DATABASE_URL"]})
    for page in args.page or PAGES:
        requests = environs(page, users, cookies)
        for environ in requests[:20]:  # warm: first-request work is not per-request work
            call(app, environ)
        wall, cpu = timings(app, requests)
        print(
            f"{page}: wall {min(wall):.2f} ms best, {statistics.median(wall):.2f} median; "
            f"CPU {min(cpu):.2f} ms best, {statistics.median(cpu):.2f} median (per request)"
        )
        print("  profile, time of its own by package (the profiler inflates it):")
        by_package(app, requests, args.top)


if __name__ == "__main__":
    main()
