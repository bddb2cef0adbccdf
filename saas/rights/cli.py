"""``flask retention [--dry-run] [--street SLUG]``: the street's retention, by hand."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from saas.extensions import db


@click.command("retention")
@with_appcontext
@click.option(
    "--dry-run", is_flag=True, help="Say what would be purged and anonymised; change nothing."
)
@click.option("--street", "slug", default=None, help="One street's slug (default: every street).")
def retention_cli(dry_run, slug):
    """Apply each street's retention: audit entries past its setting deleted, idle volunteers'
    accounts anonymised (the daily job does the same)."""
    from saas.auth.phone import mask_phone
    from saas.rights.services import apply_retention, retention_plan
    from saas.streets.models import Tenant
    from saas.tenancy import all_tenants, tenant_scope

    with all_tenants():
        stmt = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
        if slug:
            stmt = stmt.where(Tenant.slug == slug)
        streets = db.session.execute(stmt).all()
        db.session.rollback()
    if not streets:
        raise click.ClickException(f"no street {slug!r}" if slug else "no streets")
    for tenant_id, street_slug in streets:
        with tenant_scope(tenant_id):
            tenant = db.session.scalar(select(Tenant).where(Tenant.id == tenant_id))
            if dry_run:
                plan = retention_plan(db.session, tenant)
                idle = (
                    f"{plan.accounts_count} idle account(s) would be anonymised "
                    f"(not signed in for {plan.retention.inactive_days} days)"
                    if plan.accounts_cutoff
                    else "idle accounts: off"
                )
                click.echo(
                    f"{street_slug}: {plan.audit_count} audit entries would be deleted "
                    f"(older than {plan.retention.audit_days} days); {idle}"
                )
                for user in plan.accounts_sample:
                    click.echo(
                        f"  {user.id} {mask_phone(user.phone)} last login {user.last_login_at}"
                    )
                db.session.rollback()
            else:
                deleted, erased = apply_retention(db.session, tenant)
                db.session.commit()
                click.echo(
                    f"{street_slug}: deleted {deleted} audit entries, anonymised {erased} account(s)"
                )
            db.session.remove()
