"""The party alliance's figures (saas.figures): units, the three lists, members reporting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.figures.declare import FLOW, LEVEL, Figure, flow_of, level_of
from tenants.alliance.models import MemberReport, Need, Project, Resource
from tenants.orgs.models import Organisation, OrgKind

_units = level_of(
    Organisation.created_at,
    Organisation.community_id,
    Organisation.kind == OrgKind.alliance,
    Organisation.is_active.is_(True),
)
_needs = flow_of(Need.created_at, Need.community_id)
_resources = flow_of(Resource.created_at, None)
_projects = flow_of(Project.created_at, None)
_projects_finished = flow_of(Project.finished_at, None)
_reports = flow_of(MemberReport.created_at, MemberReport.community_id)


FIGURES = (
    Figure(
        "alliance.units",
        _l("共建单位"),
        _l("家"),
        _l("期末在册（启用）的共建单位数（按加入日期累计）。"),
        LEVEL,
        _units,
    ),
    Figure(
        "alliance.needs",
        _l("新增需求"),
        _l("项"),
        _l("本期登记的社区需求项数。"),
        FLOW,
        _needs,
        chart=True,
    ),
    Figure(
        "alliance.resources",
        _l("新增资源"),
        _l("项"),
        _l("本期共建单位登记的资源项数。"),
        FLOW,
        _resources,
        per_community=False,
        chart=True,
    ),
    Figure(
        "alliance.projects",
        _l("新立项目"),
        _l("个"),
        _l("本期新立的共建项目个数。"),
        FLOW,
        _projects,
        per_community=False,
        chart=True,
    ),
    Figure(
        "alliance.projects_finished",
        _l("完成项目"),
        _l("个"),
        _l("本期完成的共建项目个数。"),
        FLOW,
        _projects_finished,
        per_community=False,
    ),
    Figure(
        "alliance.member_reports",
        _l("在职党员报到"),
        _l("人次"),
        _l("本期在职党员向社区报到的人次。"),
        FLOW,
        _reports,
    ),
)
