from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import UTCDateTime, db, utcnow


class TenantStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"


class Tenant(db.Model):
    """A street office (街道): the customer, one slug, isolated from every other street."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the street's part of every URL: /<slug>/…
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    #: the street's name as it signs its documents, e.g. 示范街道
    name: Mapped[str] = mapped_column(String(100))
    #: district (区/县) the street belongs to
    district: Mapped[str] = mapped_column(String(100), default="")
    #: city (市)
    city: Mapped[str] = mapped_column(String(100), default="")
    #: active, or suspended by the platform operator (nobody can log in)
    status: Mapped[str] = mapped_column(String(16), default=TenantStatus.active)
    #: street-wide settings that later modules read (points rules, auto-confirm…)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.active

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"
