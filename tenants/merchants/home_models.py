"""Area "home": the one table of its own. Party members among a merchant's staff (商户党员) are
volunteers with passports like anyone; this row says which merchant they work at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class MerchantMember(TenantScoped, db.Model):
    """A party member (a volunteer account, ``is_party_member``) working at a merchant: linked
    by the street's staff; one merchant per person."""

    __tablename__ = "merchant_party_members"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        tenant_fk("user_id", "users"),
        tenant_fk("organisation_id", "organisations"),
        Index("ix_merchant_party_members_org", "tenant_id", "organisation_id"),
    )

    #: the merchant's organisation record (kind merchant)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    #: the volunteer's account
    user_id: Mapped[int] = mapped_column(BigInteger)
    #: the staff member who linked them
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
