"""Every module's models, imported so the metadata (and Alembic) sees all tables."""

from tenants.events.models import Attendance, Event, Registration, ScanNonce
from tenants.passport import community as _passport_follows_community  # noqa: F401 (a listener)
from tenants.passport.models import (
    Passport,
    PointEntry,
    PointLot,
    PointRule,
    Redemption,
    Reward,
)
from tenants.structure.models import Building, Community, Grid
from tenants.wishes.models import Wish

__all__ = [
    "Attendance",
    "Building",
    "Community",
    "Event",
    "Grid",
    "Passport",
    "PointEntry",
    "PointLot",
    "PointRule",
    "Redemption",
    "Registration",
    "Reward",
    "ScanNonce",
    "Wish",
]
