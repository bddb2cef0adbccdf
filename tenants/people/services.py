"""Volunteer registration and the admin's account management."""

from __future__ import annotations

from collections.abc import MutableMapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.auth.services import check_password_pair, clean_name, clean_phone, create_user
from saas.errors import Forbidden, ServiceError
from saas.listing import contains_pattern, count_rows, one_page
from saas.notify.services import notify
from saas.streets import privacy
from saas.streets.models import Tenant
from tenants.people import verification
from tenants.structure.models import Community

PAGE = 50


def _community(session: Session, community_id: int | None, required: bool) -> int | None:
    if community_id is None:
        if required:
            raise ServiceError(_("请选择所在社区"), "community")
        return None
    found = session.scalar(
        select(Community.id).where(Community.id == community_id, Community.archived_at.is_(None))
    )
    if found is None:
        raise ServiceError(_("请选择本街道的社区"), "community")
    return found


def register_volunteer(
    session: Session,
    tenant: Tenant,
    *,
    phone: str,
    name: str,
    community_id: int | None,
    password: str,
    password_confirm: str,
    party_member: bool,
    agreed_privacy: bool,
    code: str | None = None,
    codes: MutableMapping | None = None,
    language: str = "zh",
) -> User:
    """A resident registers at /<slug>/join; they are greeted in their inbox.

    Where the street asks for it (``verification.join_needs_sms``), the SMS code sent to the
    phone must come with it: checked after everything else in the form is right (so a good code
    is not spent on a typo elsewhere) and before the phone is looked up, so whether a number is
    registered is told only to whoever proved it is theirs.

    The "I have read and agree" box must be ticked; the consent to the street's notice in force
    is recorded with the account.

    :param agreed_privacy: the box's value
    :param code: what the visitor typed as the SMS code
    :param codes: the visitor's session, where ``verification.send_code`` kept the code's HMAC
    :param language: what their notifications are written in: the join page's language
    :raise ServiceError: with the form field it belongs to
    """
    check_password_pair(password, password_confirm)
    community = _community(session, community_id, required=True)
    privacy.require_agreement(agreed_privacy)
    needs_sms = verification.join_needs_sms(tenant)
    if needs_sms:
        phone = clean_phone(phone)
        name = clean_name(name)
        verification.check_code(codes, tenant, phone, code)
    user = create_user(
        session,
        phone=phone,
        name=name,
        password=password,
        role=Role.volunteer,
        community_id=community,
        is_party_member=party_member,
        language=language,
    )
    if needs_sms:
        verification.use_code(codes)
    privacy.record_consent(session, tenant, user, tenant.privacy_version, privacy.VIA_JOIN)
    notify(
        session,
        user,
        "welcome",
        _l("欢迎加入%(street)s志愿服务", street=tenant.name),
        _l("您已注册成功。在这里可以报名活动、记录服务时长、积累积分。"),
        link=f"/{tenant.slug}/inbox",
    )
    return user


def create_account(
    session: Session,
    actor: User,
    *,
    phone: str,
    name: str,
    role: str,
    password: str,
    email: str | None,
    community_id: int | None,
) -> User:
    """The admin creates a staff or org account."""
    if actor.role != Role.admin:
        raise Forbidden(_("只有街道管理员可以创建账号"))
    if role not in (Role.staff, Role.org, Role.admin):
        raise ServiceError(_("请选择角色"), "role")
    community = _community(session, community_id, required=False)
    return create_user(
        session,
        phone=phone,
        name=name,
        password=password,
        role=Role(role),
        email=email,
        community_id=community,
        actor=actor,
    )


#: the role filter value for admins and staff together
OFFICE_ROLES = "office"


def list_accounts(
    session: Session,
    viewer: User,
    role: str | None = None,
    query: str = "",
    page: int = 1,
    party: bool = False,
    size: int = PAGE,
) -> tuple[list[User], int]:
    """One page of ``size`` accounts ``viewer`` may see, newest first, and how many match.

    Staff limited to one community see that community's accounts. Only the admin's ``query``
    matches phone numbers: the others see phones masked, and searching a full number would tell
    them whose it is. ``role`` "office" is admins and staff together (the dashboard's
    工作人员 count); ``party`` keeps party members only.
    """
    stmt = select(User)
    if viewer.limited_to_community is not None:
        stmt = stmt.where(User.community_id == viewer.limited_to_community)
    by_phone = viewer.sees_phones
    if role in Role.__members__:
        stmt = stmt.where(User.role == role)
    elif role == OFFICE_ROLES:
        stmt = stmt.where(User.role.in_([Role.admin, Role.staff]))
    if party:
        stmt = stmt.where(User.is_party_member.is_(True))
    pattern = contains_pattern(query)
    if pattern:
        if by_phone:
            stmt = stmt.where(or_(User.name.like(pattern), User.phone.like(pattern)))
        else:
            stmt = stmt.where(User.name.like(pattern))
    total = count_rows(session, stmt)
    rows = session.scalars(
        one_page(stmt.order_by(User.created_at.desc(), User.id.desc()), page, size)
    )
    return list(rows), total
