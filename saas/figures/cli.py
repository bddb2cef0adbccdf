"""``flask figures refresh [--since YYYY-MM-DD] [--street slug]``: recompute the kept figures
(a back-fill after an upgrade, or after data was loaded by hand)."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from saas.extensions import db
from saas.figures.store import RECENT_DAYS, refresh
from saas.streets.models import Tenant
from saas.tenancy import all_tenants, tenant_scope
from saas.ui import street_today

figures_cli = AppGroup("figures", help="Figures kept per street per day (reports).")


@figures_cli.command("refresh")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="First day to recompute (default: yesterday).",
)
@click.option("--street", "slug", default=None, help="One street's slug (default: every street).")
def refresh_command(since, slug: str | None) -> None:
    """Recompute every figure from --since to today, street by street (one transaction each)."""
    today = street_today()
    first: date = since.date() if since else today - timedelta(days=RECENT_DAYS - 1)
    if first > today:
        raise click.BadParameter("不能晚于今天", param_hint="--since")
    with all_tenants():
        stmt = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
        if slug:
            stmt = stmt.where(Tenant.slug == slug)
        streets = db.session.execute(stmt).all()
        db.session.commit()
    if slug and not streets:
        raise click.ClickException(f"no street with slug {slug!r}")
    for street_id, street_slug in streets:
        with tenant_scope(street_id):
            written = refresh(db.session, street_id, first, today)
            db.session.commit()
        click.echo(f"{street_slug}: {written} rows for {first.isoformat()}..{today.isoformat()}")
