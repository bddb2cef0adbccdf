"""Organisation records (单位档案): the alliance units and merchants a street works with, and the
accounts that act for them. Shared by the party-alliance and merchant-alliance modules."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class OrgKind(enum.StrEnum):
    alliance = "alliance"  # 共建单位 (党建联盟成员)
    merchant = "merchant"  # 商户 (商圈联盟成员)


class OrgType(enum.StrEnum):
    government = "government"  # 机关
    state_owned = "state_owned"  # 国企
    private = "private"  # 民企
    institution = "institution"  # 事业单位
    social = "social"  # 社会组织
    new_sector = "new_sector"  # 两新组织


class Organisation(TenantScoped, db.Model):
    """A unit or a merchant the street works with (共建单位 / 商户)."""

    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "name"),
        tenant_fk("community_id", "communities"),
        # a credit code names one organisation in a street, whatever its kind
        Index(
            "uq_organisations_credit_code",
            "tenant_id",
            "credit_code",
            unique=True,
            postgresql_where=text("credit_code IS NOT NULL"),
            sqlite_where=text("credit_code IS NOT NULL"),
        ),
        Index("ix_organisations_kind_name", "tenant_id", "kind", "name"),
    )

    #: alliance or merchant (OrgKind)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    #: 机关, 国企… (OrgType); "" when not given
    org_type: Mapped[str] = mapped_column(String(24), default="")
    #: 统一社会信用代码, checked with its check character; None when not given
    credit_code: Mapped[str | None] = mapped_column(String(18))
    #: the unit's own party organisation (党组织), e.g. "中共某某公司支部委员会"
    party_org: Mapped[str] = mapped_column(String(100), default="")
    party_members: Mapped[int] = mapped_column(Integer, default=0)
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(11), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    #: the community it sits in; None: the street as a whole
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    #: what it can do or cares about, "、"-separated (政策宣讲、医疗义诊…), normalised by the service
    tags: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split("、") if tag]


class OrgAccount(TenantScoped, db.Model):
    """An org account acting for its organisation: one organisation per account, any number of
    accounts per organisation (the contact and a deputy)."""

    __tablename__ = "org_accounts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id"),
        tenant_fk("user_id", "users"),
        tenant_fk("organisation_id", "organisations"),
        Index("ix_org_accounts_organisation", "tenant_id", "organisation_id"),
    )

    user_id: Mapped[int] = mapped_column(BigInteger)
    organisation_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
