from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import BigInteger, TenantScoped, UTCDateTime, db, tenant_fk, utcnow


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
    #: the version of the street's privacy notice in force (PrivacyNotice.version); kept on the
    #: cached row so every signed-in request can compare it with the version its person agreed to
    privacy_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status == TenantStatus.active

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class PrivacyNotice(TenantScoped, db.Model):
    """One published version of a street's privacy notice (隐私政策); never changed afterwards,
    so what someone agreed to can always be shown."""

    __tablename__ = "privacy_notices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "version"),
        tenant_fk("published_by", "users"),
    )

    #: 1 for the text a street starts with, one more for each change its admin publishes
    version: Mapped[int] = mapped_column(Integer)
    #: plain text; a blank line separates paragraphs
    body: Mapped[str] = mapped_column(Text)
    #: the admin who published it; None for the default text a street starts with
    published_by: Mapped[int | None] = mapped_column(BigInteger)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrivacyConsent(TenantScoped, db.Model):
    """Someone agreed to one version of their street's privacy notice (个人信息保护法 consent)."""

    __tablename__ = "privacy_consents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", "version"),
        tenant_fk("user_id", "users"),
        ForeignKeyConstraint(
            ["tenant_id", "version"],
            ["privacy_notices.tenant_id", "privacy_notices.version"],
        ),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    #: the PrivacyNotice.version agreed to
    version: Mapped[int] = mapped_column(Integer)
    #: where: join (self-registration), signup (a new street's admin), login (asked at sign-in
    #: because the notice changed or an admin made the account) or publish (the admin who
    #: published that version)
    via: Mapped[str] = mapped_column(String(16))
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
