"""Every module's models, imported so the metadata (and Alembic) sees all tables."""

from tenants.structure.models import Building, Community, Grid

__all__ = ["Building", "Community", "Grid"]
