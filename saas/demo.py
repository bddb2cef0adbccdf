"""The demo street: slug ``demo``, 示范街道, loaded by ``make run`` and ``flask seed-demo``.

The street is made here; what is in it comes from every module's demo seeders (saas.modules), in
two passes: every module's settings (structure, accounts, point rules), then every module's data
(events, points, wishes, rewards). Idempotent: what exists is left alone, what is missing is added.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.extensions import db
from saas.modules import installed
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope

SLUG = "demo"
PASSWORD = "demo1234"  # noqa: S105 (the published demo login)


def load_demo(session: Session) -> tuple[bool, list[str]]:
    """Load the demo street. Returns whether it was created now, and the login hints."""
    tenant = session.scalar(select(Tenant).where(Tenant.slug == SLUG))
    created = tenant is None
    if created:
        tenant = Tenant(slug=SLUG, name="示范街道", district="示范区", city="示范市")
        session.add(tenant)
        session.flush()
    logins: list[str] = []
    with tenant_scope(tenant.id):
        for phase in ("settings", "data"):
            for module in installed():
                for seeder in module.demo:
                    if seeder.phase == phase:
                        logins += seeder.func(session, tenant) or []
                        session.flush()
    return created, logins


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load even when APP_ENV=production.")
@with_appcontext
def seed_demo(force: bool) -> None:
    """Load the demo street (idempotent)."""
    if current_app.config["APP_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    created, logins = load_demo(db.session)
    db.session.commit()
    click.echo("demo street loaded" if created else "demo street already present")
    click.echo(f"logins: {', '.join(logins)} (password {PASSWORD}) — /{SLUG}/login")
