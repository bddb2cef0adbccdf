"""``python -m bench.heal``: how long the periodic schedule takes to come back after Redis loses it.

Starts a real ``flask worker`` (on a fresh SQLite file and the Redis database ``--redis-url``, which
is FLUSHED), waits for its first runs, then, each round, FLUSHDBs under it and writes an outbox row
whose job was lost with the rest. Prints how long until every ``periodic-<name>`` run is scheduled
again and until that message is sent. The worker checks every ``PERIODIC_CHECK_SECONDS`` (60 unless
``--check-seconds`` says otherwise), so a round takes up to that long; a flush lands anywhere in the
worker's cycle, hence several rounds.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).with_name("flask"))


def _flask(env: dict, *args: str) -> None:
    subprocess.run([FLASK, *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)


def _wait(check, seconds: float, what: str) -> float:
    """The moment (``time.monotonic()``) ``check()`` holds, polled every 50 ms; gives up after
    ``seconds``."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > seconds:
            raise SystemExit(f"gave up after {seconds:.0f} s waiting for {what}")
        time.sleep(0.05)
    return time.monotonic()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="a Redis database to FLUSH (default: $BENCH_REDIS_URL, else db 14)",
    )
    parser.add_argument("--check-seconds", type=int, help="PERIODIC_CHECK_SECONDS for the worker")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from rq import Queue

    from bench.redisdb import claim, empty

    tmp = Path(tempfile.mkdtemp(prefix="ljt-heal-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "REDIS_", "RQ_"))}
    env.update(
        FLASK_APP="wsgi:app",
        DATABASE_URL=f"sqlite:///{tmp / 'heal.db'}",
        INSTANCE_PATH=str(tmp),
        OUTBOX_DIR=str(tmp / "outbox"),
        SECRET_KEY="bench-heal",
        REDIS_URL=args.redis_url,
        PYTHONUNBUFFERED="1",
    )
    if args.check_seconds:
        env["PERIODIC_CHECK_SECONDS"] = str(args.check_seconds)
    check = args.check_seconds or 60
    _flask(env, "db", "upgrade")
    phone = "13800000001"
    _flask(env, "tenant", "create", "heal", "--name", "测试街道", "--admin-phone", phone,
           "--admin-password", "heal-pass-123")  # fmt: skip

    os.environ.update(env)  # this process writes the lost rows to the same database
    from saas import create_app
    from saas.db import utcnow
    from saas.extensions import db
    from saas.notify.models import Notification
    from saas.notify.senders import FileSink
    from saas.scheduling import next_runs, periodic
    from saas.streets.models import Tenant
    from saas.tenancy import all_tenants, tenant_scope

    app = create_app({"REDIS_URL": None})  # rows only: nothing of it is queued from here
    with app.app_context(), all_tenants():
        from saas.auth.models import User

        tenant_id = db.session.query(Tenant.id).scalar()
        user_id = db.session.query(User.id).scalar()
        db.session.remove()

    def lose_a_message(title: str) -> None:
        with app.app_context(), tenant_scope(tenant_id):
            db.session.add(
                Notification(
                    user_id=user_id,
                    kind="bench",
                    title=title,
                    channels="sms",
                    created_at=utcnow() - timedelta(minutes=2),  # the sweep takes it at once
                )
            )
            db.session.commit()
            db.session.remove()

    redis = claim(args.redis_url, "--redis-url")  # refused if it holds anyone else's keys
    q = Queue(app.config["RQ_QUEUE"], connection=redis)
    jobs = periodic(app)
    sink = FileSink(env["OUTBOX_DIR"], "sms")
    log = (tmp / "worker.log").open("w")
    worker = subprocess.Popen(
        [FLASK, "worker"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:

        def all_back() -> bool:
            return all(run.state != "missing" for run in next_runs(q, jobs).values())

        _wait(all_back, 60, "the worker to schedule the periodic jobs")
        print(f"worker up; PERIODIC_CHECK_SECONDS={check}; flushing {args.redis_url}")
        for n in range(1, args.rounds + 1):
            time.sleep(1)  # let the first runs settle, so the flush finds a quiet schedule
            title = f"round {n}"
            redis.flushdb()
            flushed = time.monotonic()
            lose_a_message(title)
            back = _wait(all_back, check + 60, "the periodic jobs to come back") - flushed
            sent = (
                _wait(
                    lambda t=title: t in {m["subject"] for m in sink.messages()},
                    60,
                    "the lost message",
                )
                - flushed
            )
            print(
                f"round {n}: schedule back after {back:.1f} s, lost message sent after {sent:.1f} s"
            )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:  # rq's shutdown waits up to a minute for its pub/sub thread
            worker.wait(90)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)
        log.close()
        empty(redis)
        redis.close()


if __name__ == "__main__":
    main()
