"""What the party alliance holds about a person: their report as an in-service party member."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from saas.modules import PersonalData
from tenants.alliance.models import MemberReport


def report_rows(session, user) -> list[tuple]:
    reports = session.scalars(select(MemberReport).where(MemberReport.user_id == user.id))
    return [(r.work_unit, r.specialties, r.availability, r.status, r.created_at) for r in reports]


def erase(session, user) -> None:
    """The report stays (the community's count of reported members) without what the person
    wrote about themselves."""
    session.execute(
        update(MemberReport)
        .where(MemberReport.user_id == user.id)
        .values(work_unit="", specialties="", availability="")
        .execution_options(synchronize_session=False)
    )


PERSONAL = (
    PersonalData(
        "member_report",
        _l("在职党员报到"),
        (_l("工作单位"), _l("特长"), _l("可服务时间"), _l("状态"), _l("报到时间")),
        report_rows,
        erase,
    ),
)
