"""The demo street: slug ``demo``, 示范街道, loaded by ``make run`` and ``flask seed-demo``.

The street is made here; what is in it comes from every module's demo seeders (saas.modules), in
two passes: every module's settings (structure, accounts, point rules), then every module's data
(events, points, wishes, rewards). Idempotent: what exists is left alone, what is missing is added.

Size. The fixed logins and their histories are always loaded. Around them, ``DEMO_SCALE`` (config
or environment; ``flask seed-demo --scale``) sets how much of a real street's size is generated:
1 (the default, what ``make run`` loads) is about 2,000 volunteers in six communities and 11
grids with a year of events; 0 is the fixed street alone (the tests' default, which keeps them
fast); 0.05 is a twentieth of it. Generated rows go in with ``bulk_insert``, many to a statement.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import timedelta

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from saas.extensions import db
from saas.figures.store import refresh as refresh_figures
from saas.modules import installed
from saas.streets.models import Tenant
from saas.tenancy import tenant_scope
from saas.ui import street_today

SLUG = "demo"
PASSWORD = "demo1234"  # noqa: S105 (the published demo login)
#: rows per INSERT statement of generated data
BULK_ROWS = 500
#: days of figures computed after loading (the generated history is about a year)
DEMO_FIGURE_DAYS = 400

_scale: ContextVar[float | None] = ContextVar("demo_scale", default=None)


def demo_scale() -> float:
    """How much of a real street's size the seeders generate (see the module's docstring)."""
    scale = _scale.get()
    if scale is None and has_app_context():
        scale = current_app.config.get("DEMO_SCALE")
    if scale is None:
        scale = os.environ.get("DEMO_SCALE", 1)
    return max(0.0, float(scale))


def bulk_insert(session: Session, model, rows: Iterable[dict]) -> int:
    """Insert generated rows many to a statement; each row names its ``tenant_id`` (Core
    inserts are not stamped, and the tenant guard refuses a row without it). Returns how many."""
    rows = list(rows)
    for start in range(0, len(rows), BULK_ROWS):
        session.execute(insert(model), rows[start : start + BULK_ROWS])
    return len(rows)


def load_demo(session: Session, scale: float | None = None) -> tuple[bool, list[str]]:
    """Load the demo street (``scale``: see the module's docstring; None reads ``DEMO_SCALE``).
    Returns whether it was created now, and the login hints."""
    token = _scale.set(scale)
    try:
        return _load(session)
    finally:
        _scale.reset(token)


def _load(session: Session) -> tuple[bool, list[str]]:
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
        # the figures of the history just loaded: the dashboard and the reports read days
        refresh_figures(
            session, tenant.id, street_today() - timedelta(days=DEMO_FIGURE_DAYS), street_today()
        )
    return created, logins


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Load even when APP_ENV=production.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0),
    default=None,
    help="Size of the generated street: 1 about 2,000 volunteers (default: DEMO_SCALE or 1).",
)
@with_appcontext
def seed_demo(force: bool, scale: float | None) -> None:
    """Load the demo street (idempotent)."""
    if current_app.config["APP_ENV"] == "production" and not force:
        raise click.ClickException("refusing to load demo data in production (use --force)")
    created, logins = load_demo(db.session, scale)
    db.session.commit()
    click.echo("demo street loaded" if created else "demo street already present")
    click.echo(f"logins: {', '.join(logins)} (password {PASSWORD}) — /{SLUG}/login")
