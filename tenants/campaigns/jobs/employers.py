"""Employers (用工企业): an organisation record of the street (an alliance unit or a merchant) or
a company known by name only, with a contact. They stay from year to year; their positions belong
to a campaign.

A community's staff see and register the employers of their community and the street's own (no
community); the contact's phone is shown whole to the admin only (``saas.xlsx.shown_phone``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import User
from saas.errors import NotFound, ServiceError
from saas.listing import contains_pattern, count_rows, one_page
from tenants.campaigns.jobs.common import (
    PAGE,
    clean_community,
    clean_phone,
    clean_text,
    require_office,
)
from tenants.campaigns.jobs_models import Employer, JobPosition, PositionStatus
from tenants.orgs.models import Organisation, OrgKind
from tenants.orgs.records import acting_organisation
from tenants.structure.models import Community

NAME_MAX, CONTACT_MAX = 80, 40
ORG_KIND_LABELS = {OrgKind.alliance: "共建单位", OrgKind.merchant: "商户"}


def _visible(viewer: User):
    """A community's staff: their community's employers and the street's own; others: all."""
    limited = viewer.limited_to_community
    if limited is None:
        return True
    return or_(Employer.community_id == limited, Employer.community_id.is_(None))


def get_employer_or_404(session: Session, viewer: User, employer_id: int) -> Employer:
    """:raise NotFound: no such employer in this street, or one a community's staff may not see"""
    employer = None
    if viewer.is_office:
        employer = session.scalar(
            select(Employer).where(Employer.id == employer_id, _visible(viewer))
        )
    if employer is None:
        raise NotFound(_("用工企业不存在"))
    return employer


def employer_by_id(session: Session, employer_id: int) -> Employer | None:
    return session.scalar(select(Employer).where(Employer.id == employer_id))


def employer_choices(session: Session, viewer: User) -> list[tuple[int, str]]:
    """The employers ``viewer`` may pick (a position's form, the filters), by name."""
    return list(
        session.execute(
            select(Employer.id, Employer.name)
            .where(_visible(viewer))
            .order_by(Employer.name, Employer.id)
        )
    )


def organisation_choices(session: Session) -> list[tuple[int, str, str]]:
    """The street's active organisation records, (id, name, kind), alliance units first."""
    return list(
        session.execute(
            select(Organisation.id, Organisation.name, Organisation.kind)
            .where(Organisation.is_active.is_(True))
            .order_by(Organisation.kind, Organisation.name, Organisation.id)
        )
    )


# --- the office's list -------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerFilters:
    #: "org": organisation records only, "name": companies by name only
    source: str = ""
    q: str = ""

    def args(self) -> dict[str, str]:
        return {"source": self.source, "q": self.q}


@dataclass(frozen=True)
class EmployerRow:
    employer: Employer
    community: str | None
    org_kind: str | None
    #: positions open now (any campaign) and their openings
    open_positions: int
    openings: int


def _list_statement(viewer: User, filters: EmployerFilters) -> Select:
    counts = (
        select(
            JobPosition.employer_id,
            func.count().label("positions"),
            func.sum(JobPosition.openings).label("openings"),
        )
        .where(JobPosition.status == PositionStatus.open)
        .group_by(JobPosition.employer_id)
        .subquery("counts")
    )
    stmt = (
        select(Employer, Community.name, Organisation.kind, counts.c.positions, counts.c.openings)
        .outerjoin(Community, Community.id == Employer.community_id)
        .outerjoin(Organisation, Organisation.id == Employer.organisation_id)
        .outerjoin(counts, counts.c.employer_id == Employer.id)
        .where(_visible(viewer))
    )
    if filters.source == "org":
        stmt = stmt.where(Employer.organisation_id.is_not(None))
    elif filters.source == "name":
        stmt = stmt.where(Employer.organisation_id.is_(None))
    pattern = contains_pattern(filters.q)
    if pattern:
        stmt = stmt.where(or_(Employer.name.like(pattern), Employer.contact_name.like(pattern)))
    return stmt


def list_employers(
    session: Session, viewer: User, filters: EmployerFilters, page: int = 1, size: int = PAGE
) -> tuple[list[EmployerRow], int]:
    """One page of the employers ``viewer`` may see, by name, and how many match (two
    statements)."""
    stmt = _list_statement(viewer, filters)
    total = count_rows(session, stmt)
    rows = session.execute(one_page(stmt.order_by(Employer.name, Employer.id), page, size))
    return [EmployerRow(e, c, k, n or 0, o or 0) for e, c, k, n, o in rows], total


# --- creating and editing ------------------------------------------------------------------------


@dataclass
class EmployerInput:
    #: an organisation record of the street; None: a company by name
    organisation_id: int | None = None
    name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    community_id: int | None = None


def _taken(name: str) -> str:
    return _("已有同名的用工企业：%(name)s", name=name)


def _check_unique(session: Session, values: dict, employer_id: int | None) -> None:
    others = Employer.id != employer_id if employer_id else True
    if session.scalar(select(Employer.id).where(Employer.name == values["name"], others)):
        raise ServiceError(_taken(values["name"]), "name")
    organisation_id = values["organisation_id"]
    if organisation_id is not None and session.scalar(
        select(Employer.id).where(Employer.organisation_id == organisation_id, others)
    ):
        raise ServiceError(_("这个单位已经登记为用工企业"), "organisation")


def _clean(session: Session, actor: User, values: EmployerInput) -> dict:
    organisation = None
    if values.organisation_id is not None:
        organisation = session.scalar(
            select(Organisation).where(Organisation.id == values.organisation_id)
        )
        if organisation is None:  # another street's id, or none at all
            raise ServiceError(_("请选择本街道的共建单位或商户"), "organisation")
    name = clean_text(values.name, NAME_MAX, "name")
    if organisation is not None and not name:
        name = organisation.name[:NAME_MAX]
    if not name:
        raise ServiceError(_("请填写企业名称，或选择本街道的单位"), "name")
    community_id = values.community_id
    if community_id is None and organisation is not None:
        community_id = organisation.community_id
    return {
        "organisation_id": organisation.id if organisation else None,
        "name": name,
        "contact_name": clean_text(values.contact_name, CONTACT_MAX, "contact_name"),
        "contact_phone": clean_phone(values.contact_phone, "contact_phone"),
        "community_id": clean_community(session, actor, community_id),
    }


def save_employer(
    session: Session, actor: User, values: EmployerInput, employer: Employer | None = None
) -> Employer:
    """Register an employer (``employer`` None) or change one; audit-logged.

    :raise Forbidden: not an office account
    :raise ServiceError: with its field: no name; a name another employer has, or an organisation
        already registered (also when two saves race); an organisation not of the street; a phone
        that is not a mainland mobile; another community (for a community's staff)
    """
    require_office(actor)
    cleaned = _clean(session, actor, values)
    employer_id = employer.id if employer else None
    _check_unique(session, cleaned, employer_id)
    creating = employer is None
    if creating:
        employer = Employer(**cleaned)
        changed = []
    else:
        changed = sorted(k for k, v in cleaned.items() if getattr(employer, k) != v)
        for key, value in cleaned.items():
            setattr(employer, key, value)
    try:
        with session.begin_nested():
            session.add(employer)
            session.flush()
    except IntegrityError as exc:  # the same name saved by someone else at this moment
        raise ServiceError(_taken(cleaned["name"]), "name") from exc
    if creating or changed:
        action = "campaigns.job_employer_create" if creating else "campaigns.job_employer_update"
        record(session, action, actor.id, f"job_employer:{employer.id}",
               {} if creating else {"fields": ",".join(changed)})  # fmt: skip
    return employer


def employer_input(employer: Employer) -> EmployerInput:
    return EmployerInput(
        organisation_id=employer.organisation_id,
        name=employer.name,
        contact_name=employer.contact_name,
        contact_phone=employer.contact_phone,
        community_id=employer.community_id,
    )


def employer_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its employer targets, in one statement."""
    return dict(
        session.execute(select(Employer.id, Employer.name).where(Employer.id.in_(ids))).all()
    )


# --- the employer an org account acts for --------------------------------------------------------


def employer_of(session: Session, user: User) -> Employer | None:
    """The employer record of the organisation an org account acts for, read once per request;
    None for other accounts and organisations that are no employer."""
    organisation = acting_organisation(session, user)
    if organisation is None:
        return None
    cache = g.setdefault("_job_employer_of", {}) if has_app_context() else {}
    if organisation.id not in cache:
        cache[organisation.id] = session.scalar(
            select(Employer).where(Employer.organisation_id == organisation.id)
        )
    return cache[organisation.id]


def is_employer(user) -> bool:
    """For the declaration's ``visible``: is this signed-in account an employer's?"""
    if getattr(user, "role", None) != "org":
        return False
    from saas.extensions import db

    return employer_of(db.session, user) is not None
