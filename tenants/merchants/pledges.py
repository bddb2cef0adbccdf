"""Kept pledges earn party members points (党员红心护照积分制).

A model merchant (党员示范商户) makes a public pledge (承诺); its staff who are party members
(``MerchantMember``) keep it. The street sets what a month of a kept pledge is worth to each of
them (``merchants_pledge_points``; 0 or unset: nothing), and a monthly job pays last month's
through the passport's ledger: once per member and month (the source key
``pledge:<merchant>:<member>:<yyyy-mm>``), only for a merchant that was a model merchant in
business with its pledge when the job ran, and only to enabled volunteers still party members.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.errors import ServiceError
from saas.notify.services import notify
from saas.streets.cache import fresh_for_update
from saas.streets.models import Tenant
from saas.text import ascii_digits
from tenants.merchants.home_models import MerchantMember
from tenants.merchants.models import Merchant, MerchantStatus
from tenants.orgs.models import Organisation
from tenants.passport.ledger import post_entry
from tenants.passport.models import EntryKind
from tenants.passport.services import passport_for

RULE_KEY = "merchants_pledge_points"
#: the most a month of a kept pledge may be worth to one member
RULE_MAX = 1000


def pledge_points(tenant: Tenant) -> int:
    """Points a month of a kept pledge earns each of the merchant's party members (0: off)."""
    return int((tenant.settings or {}).get(RULE_KEY, 0) or 0)


def parse_rule(raw: str | None) -> int:
    """:raise ServiceError: not a whole number from 0 to RULE_MAX"""
    text = ascii_digits((raw or "").strip() or "0")
    if text is None or len(text) > 4 or int(text) > RULE_MAX:
        raise ServiceError(_("践诺积分须为 0–%(n)d 的整数", n=RULE_MAX), "pledge_points")
    return int(text)


def save_rule(session: Session, actor: User, tenant: Tenant, raw: str | None) -> bool:
    """The admin sets the rule; audit-logged. Returns whether it changed.

    :raise ServiceError: not the admin, or a value refused
    """
    if actor.role != Role.admin:
        raise ServiceError(_("只有街道管理员可以修改践诺积分"))
    points = parse_rule(raw)
    fresh_for_update(session, tenant)
    if pledge_points(tenant) == points:
        return False
    tenant.settings = {**(tenant.settings or {}), RULE_KEY: points}
    session.flush()
    record(session, "settings.change", actor.id, "tenant", {RULE_KEY: points})
    return True


def pay_month(session: Session, tenant: Tenant, month: date) -> int:
    """Pay ``month``'s kept pledges (``month`` is its first day); returns the members paid now
    (0 when the rule is off, or everyone was paid before)."""
    points = pledge_points(tenant)
    if not points:
        return 0
    keepers = session.execute(
        select(User, Organisation.id, Organisation.name)
        .join(MerchantMember, MerchantMember.user_id == User.id)
        .join(Organisation, Organisation.id == MerchantMember.organisation_id)
        .join(Merchant, Merchant.organisation_id == Organisation.id)
        .where(
            Merchant.is_model.is_(True),
            Merchant.pledge != "",
            Merchant.status == MerchantStatus.open,
            Organisation.is_active.is_(True),
            User.role == Role.volunteer,
            User.is_enabled.is_(True),
            User.is_party_member.is_(True),
        )
        .order_by(User.id)
    ).all()
    paid = 0
    for user, organisation_id, name in keepers:
        passport = passport_for(session, user, tenant)
        reason = _("%(merchant)s党员践诺（%(month)s）", merchant=name, month=f"{month:%Y-%m}")
        entry = post_entry(
            session,
            passport.id,
            points,
            EntryKind.earn,
            f"pledge:{organisation_id}:{user.id}:{month:%Y-%m}",
            reason=reason,
            tenant=tenant,
        )
        if entry is None:  # paid before
            continue
        paid += 1
        notify(
            session,
            user,
            "points.awarded",
            _l("获得 %(n)d 积分", n=points),
            _l("%(merchant)s践行党员示范商户承诺（%(month)s）。", merchant=name,
               month=f"{month:%Y-%m}"),
        )  # fmt: skip
    return paid
