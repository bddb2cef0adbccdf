"""Command-line tools: ``flask tenant …``, ``flask platform …``, ``flask seed-demo`` (from tenants),
``flask notify sweep``, ``flask worker``, ``flask audit purge``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from saas.errors import ServiceError
from saas.extensions import db

tenant_cli = AppGroup("tenant", help="Streets (tenants).")
platform_cli = AppGroup("platform", help="The platform operator.")
notify_cli = AppGroup("notify", help="The notification outbox.")
audit_cli = AppGroup("audit", help="The audit log.")


def register_cli(app: Flask) -> None:
    for group in (tenant_cli, platform_cli, notify_cli, audit_cli):
        app.cli.add_command(group)
    from tenants import commands

    for command in commands():
        app.cli.add_command(command)
    app.cli.add_command(worker)


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


@notify_cli.command("sweep")
def notify_sweep():
    """Re-enqueue notifications left pending for over a minute."""
    from saas.notify.jobs import sweep

    click.echo(f"re-enqueued {sweep()} notification(s)")


@audit_cli.command("purge")
@click.option("--days", default=365, show_default=True, help="Keep this many days (min 180).")
def audit_purge(days):
    """Delete audit entries past the retention period."""
    from saas.audit.services import purge
    from saas.tenancy import all_tenants

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
