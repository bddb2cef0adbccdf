"""What the service records out (志愿服务记录) need beyond the events engine's attendance: the
volunteer's ID document, kept only as a keyed hash and a mask."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import BigInteger, TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class ServiceIdentity(TenantScoped, db.Model):
    """A volunteer's ID document (证件) for the national volunteer-record system: the number is
    never stored, only its keyed hash (one number, one account in a street) and its mask."""

    __tablename__ = "service_identities"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        UniqueConstraint("tenant_id", "number_hash"),
        tenant_fk("user_id", "users"),
        tenant_fk("entered_by", "users"),
    )

    #: whose document it is
    user_id: Mapped[int] = mapped_column(BigInteger)
    #: the document type: "ric" (居民身份证), the only one so far
    kind: Mapped[str] = mapped_column(String(16), default="ric")
    #: HMAC-SHA256 of the normalised number (saas.idnumbers.id_number_hash, this module's purpose)
    number_hash: Mapped[str] = mapped_column(String(64))
    #: "3401**********1234", what every page and export shows
    number_masked: Mapped[str] = mapped_column(String(24))
    #: who typed it last: the volunteer themself or a staff member
    entered_by: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
