from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import JSON, Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from saas.db import BigInteger, TenantScoped, UTCDateTime, db, tenant_fk, utcnow


class Role(enum.StrEnum):
    admin = "admin"  # 街道管理员
    staff = "staff"  # 社区工作人员
    org = "org"  # 共建单位 / 商户 account
    volunteer = "volunteer"  # 居民、志愿者、党员


def new_auth_token() -> str:
    return secrets.token_hex(8)


class User(TenantScoped, db.Model):
    """An account (账号): one login, one street, one mainland mobile number."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "phone"),
        tenant_fk("community_id", "communities"),
    )

    #: 11 digits, normalised (no +86, spaces or dashes)
    phone: Mapped[str] = mapped_column(String(11))
    name: Mapped[str] = mapped_column(String(50))
    #: where e-mail notifications go; none without one (saas.notify.preferences.clean_email)
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    #: admin, staff, org or volunteer (see Role)
    role: Mapped[str] = mapped_column(String(16))
    #: 党员
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 网格员: responsible for one or more grids
    is_grid_worker: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a volunteer's home community, or the one community a staff member is limited to
    community_id: Mapped[int | None] = mapped_column(BigInteger)
    #: false once an admin disables the account: no login, sessions end
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: part of the session cookie; changing it ends every other session of this account
    auth_token: Mapped[str] = mapped_column(String(32), default=new_auth_token)
    #: sessions ended by logging out while the account's others go on: {session id: when it
    #: would have ended anyway (Unix time)}. The user loader refuses these ids; a logout prunes
    #: the expired ones (saas.auth.services.end_session)
    revoked_sessions: Mapped[dict | None] = mapped_column(JSON)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the language the account's notifications are written in: "zh" or "en", chosen at join from
    #: the page's language and changed on its settings page (saas.notify.preferences)
    language: Mapped[str] = mapped_column(String(8), default="zh", server_default="zh")
    #: per notification kind, the channels besides the inbox the account chose ("sms", "email");
    #: a kind missing here follows its default (saas.notify.kinds)
    notification_prefs: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    #: when the account's personal data was erased (注销: a deletion request confirmed, or the
    #: street's retention of inactive accounts); the row stays so ledgers and hours add up
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.is_enabled

    def get_id(self) -> str:
        return f"u:{self.tenant_id}:{self.id}:{self.auth_token}"

    @property
    def is_office(self) -> bool:
        """Street-office staff: admin or staff."""
        return self.role in (Role.admin, Role.staff)

    @property
    def limited_to_community(self) -> int | None:
        """The one community a staff member (社区工作人员) is limited to; None for everyone else
        (admin, street-wide staff), who see the whole street."""
        return self.community_id if self.role == Role.staff else None

    @property
    def sees_phones(self) -> bool:
        """Whether others' phone numbers are shown to this person whole (and searchable): the
        street's admin only; everyone else sees them masked."""
        return self.role == Role.admin

    @property
    def masked_phone(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
