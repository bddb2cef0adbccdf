"""Opening a street: the tenant and its first admin in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.auth.services import check_password_pair, clean_name, clean_phone, create_user
from saas.errors import NotFound, ServiceError
from saas.notify.services import notify
from saas.streets import privacy
from saas.streets.models import Tenant, TenantStatus
from saas.streets.slugs import slug_problem, suggest_slug
from saas.tenancy import tenant_scope


@dataclass
class StreetSignup:
    street_name: str
    slug: str
    district: str
    admin_name: str
    phone: str
    password: str
    password_confirm: str | None = None
    city: str = ""
    #: the "I have read and agree" box at /signup: True records the admin's consent to the new
    #: street's notice (version 1), False refuses the sign-up; None where nobody was asked (the
    #: CLI), so the admin is asked at first login
    privacy_agreed: bool | None = None
    #: what the admin's notifications are written in: the sign-up page's language
    language: str = "zh"


def slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None


def available_suggestion(session: Session, name: str) -> str:
    """``suggest_slug`` made unique: shifan, shifan-2, shifan-3 …"""
    base = suggest_slug(name)
    candidate, n = base, 1
    while slug_taken(session, candidate):
        n += 1
        candidate = f"{base[: 40 - len(str(n)) - 1].rstrip('-')}-{n}"
    return candidate


def _clean_text(value: str, field: str, label: str, max_length: int, required: bool) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise ServiceError(_("请填写%(label)s", label=label), field)
    if len(value) > max_length:
        raise ServiceError(_("%(label)s不能超过 %(n)d 个字", label=label, n=max_length), field)
    return value


def open_street(session: Session, form: StreetSignup) -> tuple[Tenant, User]:
    """Create the street and its admin; the caller commits. Nothing is written on a refusal.

    :raise ServiceError: a field is invalid or the slug is taken (also when another sign-up took
        it at the same moment: the unique key decides).
    """
    name = _clean_text(form.street_name, "street_name", _("街道名称"), 100, True)
    district = _clean_text(form.district, "district", _("所属区县"), 100, True)
    city = _clean_text(form.city, "city", _("所属城市"), 100, False)
    slug = (form.slug or "").strip()
    problem = slug_problem(slug)
    if problem:
        raise ServiceError(problem, "slug")
    clean_name(form.admin_name, "admin_name")
    clean_phone(form.phone)
    check_password_pair(form.password, form.password_confirm)
    if form.privacy_agreed is not None:
        privacy.require_agreement(form.privacy_agreed)
    if slug_taken(session, slug):
        raise ServiceError(_("访问地址“%(slug)s”已被使用", slug=slug), "slug")

    tenant = Tenant(slug=slug, name=name, district=district, city=city)
    session.add(tenant)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ServiceError(_("访问地址“%(slug)s”已被使用", slug=slug), "slug") from exc
    with tenant_scope(tenant.id):
        privacy.ensure_first_notice(session, tenant)
        admin = create_user(
            session,
            phone=form.phone,
            name=form.admin_name,
            password=form.password,
            role=Role.admin,
            language=form.language,
        )
        if form.privacy_agreed:
            privacy.record_consent(session, tenant, admin, 1, privacy.VIA_SIGNUP)
        record(session, "tenant.create", admin.id, "tenant", {"slug": slug})
        notify(
            session,
            admin,
            "welcome",
            _l("欢迎使用联建通，%(street)s已开通", street=name),
            _l("下一步：在“组织架构”中添加社区和网格，再邀请工作人员。"),
            link=f"/{slug}/structure",
        )
        session.flush()
    return tenant, admin


def get_tenant_by_slug(session: Session, slug: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise NotFound(_("街道不存在"))
    return tenant


def set_status(session: Session, tenant: Tenant, status: TenantStatus, operator_id: int) -> None:
    if tenant.status == status:
        return
    before = tenant.status
    tenant.status = status
    with tenant_scope(tenant.id):
        record(
            session,
            "tenant.status",
            operator_id,
            "tenant",
            {"from": before, "to": str(status)},
            actor_kind="operator",
        )
        session.flush()


__all__ = [
    "StreetSignup",
    "TenantStatus",
    "available_suggestion",
    "get_tenant_by_slug",
    "open_street",
    "set_status",
    "slug_taken",
]
