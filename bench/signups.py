"""100 concurrent sign-ups for one hot event: throughput and correctness, on the bench database.

What is measured: one street's new event (published, 30 seats, waitlist on, for volunteers, sign-up
deadline in two days) and 100 of its volunteers, each with a session cookie signed like a real
login's and the CSRF token its page would carry. 100 threads, one per volunteer, wait at a barrier
and then each sends the phone's htmx sign-up (``POST /<slug>/events/<id>/register`` with
``HX-Request``, answered 200 with the event's card) over its own connection to gunicorn (4 sync
workers, as ``make bench`` serves the app, with notifications queued in Redis as in production). Timed
from the barrier's release to the last answer:

- wall time for the 100 and sign-ups per second (100 / wall time);
- latency of each request from the release to its answer (p50, p95, p99): with all 100 sent at
  once this is mostly time spent queueing behind the others for a worker and the event's row lock;
- errors: answers other than 2xx/3xx, and requests that got no answer.

Checked afterwards in the database, as its owner (no Row-Level Security in the way):

- exactly 30 registered;
- 70 waitlisted, at positions 1..70 with no gap and no duplicate;
- the event's ``seats_taken`` equals the headcount of its registered sign-ups;
- every volunteer signed up exactly once (100 rows, no one twice);
- what each volunteer was told (signed up / waitlisted) is what the database holds.

Each round uses a fresh event and 100 other volunteers, after a small unreported warm-up burst.
The rows a round made are deleted when its checks pass and kept (and named) when one fails.

``python -m bench.signups`` runs it against the ``ljt_bench`` database ``make bench`` built;
``make bench`` runs it last and writes the table into docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit

import psycopg

from bench.__main__ import OWNER_URL, ROOT, app_env, gunicorn, log, session_cookies
from bench.redisdb import claim, empty

SIGNUPS = 100
CAPACITY = 30
ROUNDS = 3
WARMUP = 8  # sign-ups in the unreported warm-up burst (its event has 2 seats)
MARKER = "<!-- bench:signups -->"
#: what the card says after a sign-up (the default locale: no Accept-Language is sent)
TOLD_REGISTERED = "报名成功"
TOLD_WAITLISTED = "已进入候补名单"
CHECKS = {
    "registered": f"{CAPACITY} registered",
    "waitlist": f"{SIGNUPS - CAPACITY} waitlisted at 1..{SIGNUPS - CAPACITY}",
    "seats": "seats_taken = registered",
    "once": "each volunteer once",
    "told": "told = database",
}


@dataclass
class Volunteer:
    tenant_id: int
    slug: str
    user_id: int
    cookie: str = ""
    csrf: str = ""


@dataclass
class Answer:
    status: int  # 0: no answer
    seconds: float
    told: str  # "registered", "waitlisted" or ""


# The database -----------------------------------------------------------------------------------


def owner() -> psycopg.Connection:
    """The bench database as its owner; says how to build it when it is not there."""
    try:
        conn = psycopg.connect(OWNER_URL)
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"no bench database at {OWNER_URL} ({exc}): run `make bench` first"
        ) from exc
    if conn.execute("SELECT to_regclass('tenants')").fetchone()[0] is None:
        raise SystemExit("the bench database has no tables: run `make bench` first")
    return conn


def hot_street(conn) -> tuple[int, str]:
    """The last bench street loaded: (tenant id, slug)."""
    row = conn.execute(
        "SELECT id, slug FROM tenants WHERE slug LIKE 'bench-%' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise SystemExit("the bench database has no streets: run `make bench` first")
    return row


def pick_volunteers(conn, tenant_id: int, slug: str, n: int, skip: int) -> list[Volunteer]:
    """``n`` distinct enabled volunteers with a passport, after the first ``skip``."""
    rows = conn.execute(
        "SELECT u.id FROM users u JOIN passports p ON p.tenant_id = u.tenant_id"
        " AND p.user_id = u.id WHERE u.tenant_id = %s AND u.role = 'volunteer' AND u.is_enabled"
        " ORDER BY u.id LIMIT %s OFFSET %s",
        (tenant_id, n, skip),
    ).fetchall()
    if len(rows) < n:
        raise SystemExit(f"{slug} has fewer than {skip + n} volunteers with a passport")
    return [Volunteer(tenant_id, slug, user_id) for (user_id,) in rows]


def create_event(app, tenant_id: int, title: str, capacity: int) -> int:
    """A published event for volunteers, waitlist on, made by the app's model in the street."""
    from saas.db import utcnow
    from saas.extensions import db
    from saas.tenancy import tenant_scope
    from tenants.events.models import Audience, Event, EventStatus

    now = utcnow()
    with app.app_context(), tenant_scope(tenant_id):
        event = Event(
            title=title,
            place="社区广场",
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, hours=2),
            signup_deadline=now + timedelta(days=2),
            capacity=capacity,
            waitlist_enabled=True,
            audience=Audience.volunteers,
            status=EventStatus.published,
            published_at=now,
        )
        db.session.add(event)
        db.session.commit()
        event_id = event.id
        db.session.remove()
    return event_id


def check(conn, tenant_id: int, event_id: int, answers: dict[int, Answer]) -> dict[str, bool]:
    """The round's outcome in the database, against the guarantees (see the module's docstring)."""
    rows = conn.execute(
        "SELECT user_id, status, waitlist_position, headcount FROM registrations"
        " WHERE tenant_id = %s AND event_id = %s",
        (tenant_id, event_id),
    ).fetchall()
    seats = conn.execute(
        "SELECT seats_taken FROM events WHERE tenant_id = %s AND id = %s", (tenant_id, event_id)
    ).fetchone()[0]
    registered = [r for r in rows if r[1] == "registered"]
    waiting = sorted(r[2] for r in rows if r[1] == "waitlisted" and r[2] is not None)
    holds = {user_id: status for user_id, status, _p, _h in rows}
    waitlisted = [r for r in rows if r[1] == "waitlisted"]
    return {
        "registered": len(registered) == CAPACITY,
        "waitlist": len(waitlisted) == SIGNUPS - CAPACITY
        and waiting == list(range(1, SIGNUPS - CAPACITY + 1)),
        "seats": seats == sum(r[3] for r in registered),
        "once": len(rows) == len(holds) == SIGNUPS and set(holds) == set(answers),
        "told": all(holds.get(uid) == answer.told for uid, answer in answers.items()),
    }


def clean_up(conn, tenant_id: int, slug: str, event_id: int) -> None:
    """Delete a round's event, its sign-ups and the messages they sent."""
    conn.execute(
        "DELETE FROM notifications WHERE tenant_id = %s AND link = %s",
        (tenant_id, f"/{slug}/activities#event-{event_id}"),
    )
    conn.execute(
        "DELETE FROM registrations WHERE tenant_id = %s AND event_id = %s", (tenant_id, event_id)
    )
    conn.execute("DELETE FROM events WHERE tenant_id = %s AND id = %s", (tenant_id, event_id))
    conn.commit()


# The volunteers' phones -------------------------------------------------------------------------


def sign_in(app, volunteers: list[Volunteer]) -> None:
    """Session cookies as a login sets them, and the CSRF token each one's page would carry."""
    from flask_wtf.csrf import generate_csrf

    cookies = session_cookies([(v.tenant_id, v.slug, v.user_id, None, None) for v in volunteers])
    for volunteer, cookie in zip(volunteers, cookies, strict=True):
        volunteer.cookie = cookie
        # the token the sign-up form renders: the session's raw token, signed (flask_wtf)
        with app.test_request_context(headers={"Cookie": cookie}):
            volunteer.csrf = generate_csrf()


def sign_up(base: str, volunteer: Volunteer, event_id: int) -> tuple[int, str]:
    """The sign-up button as htmx presses it: (status, what the card says happened)."""
    url = urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        # no User-Agent: the session's "_id" was made for a login from 127.0.0.1 without one
        conn.request(
            "POST",
            f"/{volunteer.slug}/events/{event_id}/register",
            body=urlencode({"csrf_token": volunteer.csrf}),
            headers={
                "Cookie": volunteer.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
            },
        )
        response = conn.getresponse()
        page = response.read().decode("utf-8", "replace")
    finally:
        conn.close()
    if TOLD_WAITLISTED in page:
        told = "waitlisted"
    elif TOLD_REGISTERED in page:
        told = "registered"
    else:
        told = ""
    return response.status, told


def burst(base: str, volunteers: list[Volunteer], event_id: int) -> tuple[float, dict]:
    """All sign-ups released together: (seconds from release to last answer, answers by user)."""
    released: list[float] = []
    barrier = threading.Barrier(
        len(volunteers), action=lambda: released.append(time.perf_counter())
    )

    def one(volunteer: Volunteer) -> Answer:
        barrier.wait()
        try:
            status, told = sign_up(base, volunteer, event_id)
        except OSError:
            status, told = 0, ""
        return Answer(status, time.perf_counter() - released[0], told)

    with ThreadPoolExecutor(max_workers=len(volunteers)) as pool:
        answers = list(pool.map(one, volunteers))
    wall = max(answer.seconds for answer in answers)
    return wall, {v.user_id: a for v, a in zip(volunteers, answers, strict=True)}


# Rounds -----------------------------------------------------------------------------------------


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def one_round(app, conn, base: str, street: tuple[int, str], n: int) -> dict:
    """A fresh event, 100 other volunteers, one burst, the checks; the figures of the round."""
    tenant_id, slug = street
    volunteers = pick_volunteers(conn, tenant_id, slug, SIGNUPS, skip=WARMUP + (n - 1) * SIGNUPS)
    sign_in(app, volunteers)
    event_id = create_event(app, tenant_id, f"基准抢报 第{n}轮", CAPACITY)
    wall, answers = burst(base, volunteers, event_id)
    checks = check(conn, tenant_id, event_id, answers)
    if all(checks.values()):
        clean_up(conn, tenant_id, slug, event_id)
    else:
        log(f"round {n}: checks failed, event {event_id} of {slug} kept for inspection")
    seconds = [a.seconds for a in answers.values()]
    statuses = [a.status for a in answers.values()]
    return {
        "round": n,
        "event_id": event_id,
        "wall_ms": round(wall * 1000),
        "per_second": round(SIGNUPS / wall, 1),
        "p50_ms": round(percentile(seconds, 50) * 1000, 1),
        "p95_ms": round(percentile(seconds, 95) * 1000, 1),
        "p99_ms": round(percentile(seconds, 99) * 1000, 1),
        "errors": sum(not 200 <= s < 400 for s in statuses),
        "server_errors": sum(s >= 500 for s in statuses),
        "statuses": {s: statuses.count(s) for s in sorted(set(statuses))},
        "checks": checks,
    }


def warm_up(app, conn, base: str, street: tuple[int, str]) -> None:
    """A few sign-ups (seats and waitlist) so each worker has its templates and statements ready."""
    tenant_id, slug = street
    volunteers = pick_volunteers(conn, tenant_id, slug, WARMUP, skip=0)
    sign_in(app, volunteers)
    event_id = create_event(app, tenant_id, "基准抢报 预热", 2)
    burst(base, volunteers, event_id)
    clean_up(conn, tenant_id, slug, event_id)


def measure(seconds_unused=None, rounds: int = ROUNDS) -> dict:
    """Run the bursts against gunicorn on the bench database; the figures of each round and their
    median (``seconds_unused``: the other measurements' length, which a burst does not have)."""
    from saas import create_app

    with owner() as conn:
        street = hot_street(conn)
        os.environ.update(app_env())
        app = create_app({"SQLALCHEMY_DATABASE_URI": app_env()["DATABASE_URL"]})
        log(f"{SIGNUPS} concurrent sign-ups for {CAPACITY} seats on {street[1]}, {rounds} rounds")
        # as in production, notifications go to an rq queue in Redis, not out from the request
        with (
            queue_in_redis() as redis_url,
            gunicorn("wsgi:app", "/healthz", REDIS_URL=redis_url) as base,
        ):
            warm_up(app, conn, base, street)
            results = [one_round(app, conn, base, street, n) for n in range(1, rounds + 1)]
    for r in results:
        failed = [name for name, ok in r["checks"].items() if not ok]
        log(
            f"round {r['round']}: {r['wall_ms']} ms, {r['per_second']}/s, p95 {r['p95_ms']} ms, "
            f"answers {r['statuses']}, checks {'pass' if not failed else 'FAIL ' + ', '.join(failed)}"
        )
    return {"street": street[1], "rounds": results, "median": _median(results)}


@contextmanager
def queue_in_redis():
    """A Redis database of its own for the bench's queued jobs, emptied before and after (nobody
    works them: the sign-ups are what is measured); see bench.redisdb."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")
    client = claim(url)
    try:
        yield url
    finally:
        empty(client)


def _median(results: list[dict]) -> dict:
    keys = ("wall_ms", "per_second", "p50_ms", "p95_ms", "p99_ms")
    median = {k: round(statistics.median(r[k] for r in results), 1) for k in keys}
    median["errors"] = sum(r["errors"] for r in results)
    median["checks"] = {name: all(r["checks"][name] for r in results) for name in CHECKS}
    return median


# The report -------------------------------------------------------------------------------------


def table(result: dict) -> str:
    head = "| round | wall ms | sign-ups/s | p50 ms | p95 ms | p99 ms | errors | "
    head += " | ".join(CHECKS.values()) + " |"
    lines = [head, "|---|" + "---:|" * 6 + "---|" * len(CHECKS)]
    rows = [(str(r["round"]), r) for r in result["rounds"]]
    rows.append((f"median of {len(result['rounds'])}", result["median"]))
    for name, r in rows:
        marks = " | ".join("pass" if r["checks"][c] else "**FAIL**" for c in CHECKS)
        lines.append(
            f"| {name} | {r['wall_ms']} | {r['per_second']} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {r['errors']} | {marks} |"
        )
    return "\n".join(lines)


def write_report(result: dict, command: str) -> None:
    """The table between the ``bench:signups`` markers of docs/performance.md (added after the
    ``bench:results`` block when missing)."""
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n"
    stamp = (
        f"{SIGNUPS} concurrent sign-ups for one event with {CAPACITY} seats and a waitlist "
        f"({result['street']}), measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
        f"`{command}`; errors are answers other than 2xx/3xx:\n\n"
    )
    block = f"{MARKER}\n{stamp}{table(result)}\n{MARKER}"
    if MARKER in text:
        head, _old, tail = text.split(MARKER, 2)
        text = head + block + tail
    else:
        results = "<!-- bench:results -->"
        if text.count(results) >= 2:
            head, first, tail = text.split(results, 2)
            text = f"{head}{results}{first}{results}\n\n{block}{tail}"
        else:
            text += "\n" + block + "\n"
    path.write_text(text)
    print(table(result))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.signups")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="bursts, each on a new event")
    parser.add_argument("--no-report", action="store_true", help="leave docs/performance.md")
    args = parser.parse_args()
    result = measure(rounds=args.rounds)
    if args.no_report:
        print(table(result))
    else:
        write_report(result, "python -m bench.signups")


if __name__ == "__main__":
    main()
