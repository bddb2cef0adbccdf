"""Command-line tools: ``flask tenant …``, ``flask platform …``, ``flask seed-demo``, the modules' own,
``flask notify sweep``, ``flask worker``, ``flask jobs …``, ``flask audit purge``."""

from __future__ import annotations

import re

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from saas.errors import ServiceError
from saas.extensions import db

tenant_cli = AppGroup("tenant", help="Streets (tenants).")
platform_cli = AppGroup("platform", help="The platform operator.")
notify_cli = AppGroup("notify", help="The notification outbox.")
audit_cli = AppGroup("audit", help="The audit log.")
jobs_cli = AppGroup("jobs", help="The periodic jobs.")


def register_cli(app: Flask) -> None:
    """The app's commands; and when the app is being served by ``flask run`` without Redis, the
    thread that runs the periodic jobs (the development server is a command too)."""
    for group in (tenant_cli, platform_cli, notify_cli, audit_cli, jobs_cli):
        app.cli.add_command(group)
    from saas.demo import seed_demo
    from saas.modules import commands

    for command in [seed_demo, worker, *commands(app)]:
        app.cli.add_command(command)
    from saas.scheduling import start_with_dev_server

    start_with_dev_server(app)


@tenant_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="街道名称")
@click.option("--district", default="", help="所属区县")
@click.option("--admin-phone", required=True)
@click.option("--admin-password", required=True)
@click.option("--admin-name", default="管理员")
def tenant_create(slug, name, district, admin_phone, admin_password, admin_name):
    """Open a street and its first admin."""
    from saas.streets.services import StreetSignup, open_street

    try:
        tenant, _admin = open_street(
            db.session,
            StreetSignup(
                street_name=name,
                slug=slug,
                district=district or "-",
                admin_name=admin_name,
                phone=admin_phone,
                password=admin_password,
                password_confirm=admin_password,
            ),
        )
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field or ''}: {error.message}") from error
    db.session.commit()
    click.echo(f"created street {tenant.slug} (id {tenant.id})")


@tenant_cli.command("list")
def tenant_list():
    """Every street: slug, status, name."""
    from saas.streets.models import Tenant

    for tenant in db.session.scalars(select(Tenant).order_by(Tenant.slug)):
        click.echo(f"{tenant.slug}\t{tenant.status}\t{tenant.name}\t{tenant.district}")


@platform_cli.command("create-operator")
@click.argument("phone")
@click.option("--name", default="")
@click.password_option()
def create_operator(phone, name, password):
    """A platform operator account (password prompted)."""
    from saas.auth.passwords import hash_password, password_problem
    from saas.auth.phone import normalise_phone
    from saas.platform.models import Operator

    normalised = normalise_phone(phone)
    if normalised is None:
        raise click.ClickException("not a mainland mobile number")
    problem = password_problem(password)
    if problem:
        raise click.ClickException(problem)
    existing = db.session.scalar(select(Operator).where(Operator.phone == normalised))
    if existing:
        existing.password_hash = hash_password(password)
        click.echo("operator password updated")
    else:
        db.session.add(Operator(phone=normalised, name=name, password_hash=hash_password(password)))
        click.echo("operator created")
    db.session.commit()


_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@platform_cli.command("grant-app-role")
@click.argument("role")
def grant_app_role(role):
    """Grant the app's login ROLE data access (not ownership) on every table, now and later.

    Connects as the schema owner (MIGRATION_DATABASE_URL, else the app's DATABASE_URL). Run it
    after ``flask db upgrade``; the role must already exist and should have NOBYPASSRLS.
    """
    from saas.rls import grant_sql

    if not _ROLE_NAME.fullmatch(role):
        raise click.ClickException(
            f"not a plain role name (lower-case letters, digits, _): {role!r}"
        )
    url = (
        current_app.config.get("MIGRATION_DATABASE_URL")
        or current_app.config["SQLALCHEMY_DATABASE_URI"]
    )
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    if make_url(url).get_backend_name() != "postgresql":
        raise click.ClickException(
            "grant-app-role needs PostgreSQL: SQLite has no roles and no Row-Level Security"
        )
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in grant_sql(role):
                conn.execute(text(statement))
    except SQLAlchemyError as error:
        raise click.ClickException(str(getattr(error, "orig", None) or error).strip()) from error
    finally:
        engine.dispose()
    click.echo(f"granted {role} data access on schema public (tables, sequences, and future ones)")


@notify_cli.command("sweep")
def notify_sweep():
    """Re-enqueue notifications left pending for over a minute."""
    from saas.notify.jobs import sweep

    click.echo(f"re-enqueued {sweep()} notification(s)")


@audit_cli.command("purge")
@click.option(
    "--days", type=int, help="Keep this many days (min 180); AUDIT_RETENTION_DAYS by default."
)
def audit_purge(days):
    """Delete audit entries past the retention period (a worker also does this daily)."""
    from saas.audit.services import purge
    from saas.tenancy import all_tenants

    days = days or current_app.config["AUDIT_RETENTION_DAYS"]
    with all_tenants():
        n = purge(db.session, days)
        db.session.commit()
    click.echo(f"deleted {n} audit entries older than {max(days, 180)} days")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst):
    """An RQ worker with rq's scheduler, and the periodic jobs (sweeper) registered."""
    from saas.scheduling import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 7200 or (seconds >= 3600 and seconds % 3600 == 0):
        return f"{seconds // 3600} h"
    if seconds >= 120 or (seconds >= 60 and seconds % 60 == 0):
        return f"{seconds // 60} min"
    return f"{seconds} s"


def _next_run(run, tz) -> str:
    from datetime import UTC, datetime

    if run.state != "scheduled":
        return run.state
    left = max(0, round((run.at - datetime.now(UTC)).total_seconds()))
    return f"{run.at.astimezone(tz):%Y-%m-%d %H:%M:%S} (in {_duration(left)})"


@jobs_cli.command("list")
def jobs_list():
    """Every periodic job: name, function, interval, and (with Redis) its next run."""
    from zoneinfo import ZoneInfo

    from redis.exceptions import RedisError

    from saas.jobs import queue
    from saas.scheduling import next_runs, periodic

    jobs = periodic()
    q = queue()
    runs, trouble = {}, None
    if q is not None:
        try:
            runs = next_runs(q, jobs)
        except RedisError as error:
            trouble = f"Redis unreachable ({error}): next runs unknown"
    tz = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    rows = [("name", "function", "every", *(("next run",) if q is not None else ()))]
    for name, (func_path, every) in jobs.items():
        row = (name, func_path, _duration(every))
        if q is not None:
            row += (_next_run(runs[name], tz) if name in runs else "?",)
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if q is None:
        click.echo(
            "No REDIS_URL: `flask run` runs these in its server process; "
            "`flask jobs run NAME` runs one now."
        )
    elif any(run.state == "missing" for run in runs.values()):
        seconds = current_app.config["PERIODIC_CHECK_SECONDS"]
        click.echo(f"missing: a running `flask worker` re-creates it within {seconds} s.")
    if trouble:
        raise click.ClickException(trouble)


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name):
    """Run the periodic job NAME now, in this process, and print what it did."""
    import time

    from saas.jobs import _resolve, run_job
    from saas.scheduling import periodic

    jobs = periodic()
    if name not in jobs:
        raise click.ClickException(
            f"no periodic job named {name!r}; the known ones are: {', '.join(sorted(jobs))}"
        )
    func_path, _every_seconds = jobs[name]
    doc = (_resolve(func_path).__doc__ or "").strip().splitlines()
    click.echo(f"{name} ({func_path}){': ' + doc[0] if doc else ''}")
    started = time.monotonic()
    try:
        result = run_job(func_path, None)
    except Exception as error:
        current_app.logger.exception("%s failed", name)
        raise click.ClickException(f"{name} failed: {type(error).__name__}: {error}") from error
    click.echo(f"done in {time.monotonic() - started:.2f} s, result: {result!r}")
