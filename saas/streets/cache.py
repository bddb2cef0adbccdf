"""A street looked up by its slug without a query on every request.

Every ``/<slug>/…`` request needs its street; its row changes a few times a year (a suspension, a
settings page). Each process keeps the row's columns for ``TENANT_CACHE_SECONDS`` and hands every
request its own ORM object made from them, attached to the request's session as if just loaded:
changing it and committing works as on any loaded row.

A change made in this process is seen at once (a flush that touches a street drops its entry);
other processes see it within ``TENANT_CACHE_SECONDS``. Writers that read-modify-write a street's
columns take ``fresh_for_update`` first, so a stale copy is never the base of a write.
"""

from __future__ import annotations

import copy
import time

from flask import current_app, has_app_context
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, make_transient_to_detached

from saas.streets.models import Tenant

_COLUMNS = [attr.key for attr in inspect(Tenant).column_attrs]


def _rows() -> dict[str, tuple[float, dict]]:
    """This app's cache (an app is one database): slug → (expires at, the row's column values)."""
    return current_app.extensions.setdefault("street_rows", {})


def tenant_by_slug(session: Session, slug: str) -> Tenant | None:
    ttl = current_app.config.get("TENANT_CACHE_SECONDS", 0)
    hit = _rows().get(slug)
    if ttl and hit is not None and hit[0] > time.monotonic():
        return _attach(session, hit[1])
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is not None and ttl:
        values = {key: copy.deepcopy(getattr(tenant, key)) for key in _COLUMNS}
        _rows()[slug] = (time.monotonic() + ttl, values)
    return tenant


def _attach(session: Session, values: dict) -> Tenant:
    present = session.identity_map.get(session.identity_key(Tenant, values["id"]))
    if present is not None:
        return present
    tenant = Tenant(**{key: copy.deepcopy(value) for key, value in values.items()})
    make_transient_to_detached(tenant)  # as if loaded: no pending changes, no INSERT
    session.add(tenant)
    return tenant


def fresh_for_update(session: Session, tenant: Tenant) -> Tenant:
    """The street's row as the database has it now, locked until the transaction ends.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: every insert into the street's tables checks its
    foreign key to this row with a key-share lock, which only the stronger lock would wait for.
    """
    session.refresh(tenant, with_for_update={"key_share": True})
    return tenant


def forget(slug: str | None = None) -> None:
    """Drop one street's cached row, or all of them (no-op outside an app)."""
    if not has_app_context():
        return
    if slug is None:
        _rows().clear()
    else:
        _rows().pop(slug, None)


@event.listens_for(Session, "after_flush")
def _forget_flushed(session: Session, flush_context) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Tenant):
            # a renamed slug: the old one must not keep answering either
            slugs = {obj.slug, *inspect(obj).attrs.slug.history.deleted}
            for slug in slugs:
                forget(slug)
            session.info.setdefault("changed_streets", set()).update(slugs)


@event.listens_for(Session, "after_commit")
def _forget_committed(session: Session) -> None:
    # again: a request may have cached the row between the flush and the commit
    for slug in session.info.pop("changed_streets", ()):
        forget(slug)
