"""The schema stays ready for a Citus cluster distributed by tenant_id."""

from __future__ import annotations

from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint

from saas.db import db


def tenant_tables():
    return [t for t in db.metadata.sorted_tables if "tenant_id" in t.c and t.name != "tenants"]


def test_every_tenant_owned_table_has_tenant_id_in_every_key(app):
    problems = []
    for table in tenant_tables():
        for constraint in table.constraints:
            columns = {c.name for c in constraint.columns}
            if isinstance(constraint, PrimaryKeyConstraint | UniqueConstraint):
                if "tenant_id" not in columns:
                    problems.append(f"{table.name}: {type(constraint).__name__} {sorted(columns)}")
            if isinstance(constraint, ForeignKeyConstraint):
                target = constraint.referred_table
                if target.name != "tenants" and "tenant_id" in target.c:
                    if "tenant_id" not in columns:
                        problems.append(f"{table.name}: FK to {target.name} without tenant_id")
        for index in table.indexes:
            if index.unique and "tenant_id" not in {c.name for c in index.columns}:
                problems.append(f"{table.name}: unique index {index.name}")
    assert problems == []


def test_every_model_with_tenant_id_is_scoped(app):
    """A table with tenant_id whose model is not TenantScoped would escape the automatic filter."""
    from saas.db import TenantScoped

    scoped = {
        m.class_.__tablename__
        for m in db.Model.registry.mappers
        if issubclass(m.class_, TenantScoped)
    }
    assert {t.name for t in tenant_tables()} == scoped


def test_there_are_tenant_tables_to_check(app):
    assert {"users", "communities", "grids", "buildings", "notifications", "audit_entries"} <= {
        t.name for t in tenant_tables()
    }
