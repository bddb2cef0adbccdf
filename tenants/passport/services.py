"""Passports: issued on first need, numbered per street."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.counters import next_value
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.streets.models import Tenant
from tenants.passport.models import Passport


def passport_prefix(tenant: Tenant) -> str:
    return (tenant.settings or {}).get("passport_prefix") or tenant.slug.upper()[:8]


def passport_for(session: Session, user: User, tenant: Tenant) -> Passport:
    """The user's passport, issued now if they have none (safe when two requests race)."""
    passport = session.scalar(select(Passport).where(Passport.user_id == user.id))
    if passport is not None:
        return passport
    number = f"{passport_prefix(tenant)}-{next_value(session, 'passport'):06d}"
    insert_ignoring_conflict(
        session,
        Passport,
        {
            "tenant_id": user.tenant_id,
            "id": new_id(),
            "user_id": user.id,
            "number": number,
            "balance": 0,
            "hours_total": 0,
            "hours_year": 0,
            "hours_year_of": utcnow().year,
            "created_at": utcnow(),
        },
        ["tenant_id", "user_id"],
    )
    return session.scalar(select(Passport).where(Passport.user_id == user.id))
