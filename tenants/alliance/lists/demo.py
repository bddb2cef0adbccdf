"""The lists' part of the demo street: needs in two communities, resources of the demo units,
projects in every status, three party members' reports and a few vanguard posts.

It runs in the ``data`` phase and finds the units by kind (another seeder makes them): with no
alliance unit it adds needs, reports and posts, but no resources or projects. Idempotent: a need,
resource, post or project whose title exists is left alone; a member with a report keeps it.
Every name is invented.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.streets.models import Tenant
from tenants.alliance.lists import members, services
from tenants.alliance.models import MemberReport, Need, Post, Project, Resource
from tenants.orgs.models import Organisation, OrgKind
from tenants.structure.models import Community

ADMIN = "13900000001"

#: (title, community, tags, description)
NEEDS = [
    ("老旧小区楼道照明维修", "朝阳社区", "维修、环境整治", "3 号楼、5 号楼楼道灯长期不亮，老人夜间出行不便。"),
    ("独居老人义诊与健康讲座", "朝阳社区", "医疗义诊、助老", "每季度一次，测血压血糖、讲慢病用药。"),
    ("青少年暑期课业辅导", "清泉社区", "教育辅导", "双职工家庭孩子暑期无人看护，需要辅导老师和场地。"),
    ("居民法律咨询进社区", "清泉社区", "法律咨询、政策宣讲", "婚姻家事、物业纠纷咨询较多。"),
    ("社区垃圾分类宣传", "朝阳社区", "环境整治、政策宣讲", "新小区分类投放正确率不高。"),
    ("社区活动室桌椅更新", "清泉社区", "物资", "活动室桌椅老化，需要 20 套桌椅。"),
]  # fmt: skip
#: (kind, title, tags, description): each demo unit offers these in turn
RESOURCES = [
    ("venue", "多功能会议室", "场地、政策宣讲", "可容纳 60 人，周末可借用。"),
    ("skills", "党员医生义诊队", "医疗义诊、助老", "每月可出诊一次。"),
    ("people", "青年志愿服务队", "教育辅导、环境整治", "20 名青年员工，可参加周末服务。"),
    ("skills", "律师咨询", "法律咨询", "每月两个半天到社区坐诊。"),
    ("goods", "办公桌椅捐赠", "物资", "更换下来的桌椅约 30 套。"),
    ("funds", "共建专项资金", "维修、环境整治", "每年 2 万元，用于社区微更新。"),
    ("skills", "电工维修小组", "维修", "持证电工 5 名。"),
]  # fmt: skip
#: (title, the need it takes up, status, outcome, people served)
PROJECTS = [
    ("楼道灯亮化工程", "老旧小区楼道照明维修", "done", "更换楼道灯 46 盏，加装声控开关。", 320),
    ("银龄健康守护", "独居老人义诊与健康讲座", "in_progress", "", None),
    ("清泉暑期学堂", "青少年暑期课业辅导", "planned", "", None),
    ("法律明白人进社区", "居民法律咨询进社区", "dropped", "律所人员调整，改由下一年度安排。", None),
]  # fmt: skip
#: (phone, community, specialties, availability, confirmed)
REPORTS = [
    ("13900000005", "朝阳社区", "政策宣讲、维修", "周末", True),
    ("13900000101", "朝阳社区", "医疗义诊", "工作日晚上", True),
    ("13900000103", "清泉社区", "法律咨询、教育辅导", "周六上午", False),
]
#: (title, community or None for the whole street, specialties, slots, description)
POSTS = [
    ("楼栋政策宣讲员", "朝阳社区", "政策宣讲", 3, "向楼栋居民宣讲惠民政策，每月一次。"),
    ("社区健康顾问", None, "医疗义诊", 2, "为居民解答健康问题，参与义诊活动。"),
    ("小区维修能手", "朝阳社区", "维修", 2, "帮助独居老人处理小家电和水电小故障。"),
    ("青少年课业辅导员", "清泉社区", "教育辅导", 4, "周末为双职工家庭孩子辅导功课。"),
]  # fmt: skip


def load_demo(session: Session, tenant: Tenant) -> None:
    """Add the missing demo rows of the lists (inside the street's scope)."""
    admin = session.scalar(select(User).where(User.phone == ADMIN, User.role == Role.admin))
    if admin is None:
        return
    communities = {c.name: c.id for c in session.scalars(select(Community))}
    units = list(
        session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrgKind.alliance)
            .order_by(Organisation.name)
        )
    )
    needs = _needs(session, admin, communities)
    resources = _resources(session, units)
    _projects(session, admin, needs, units, resources)
    _reports(session, admin, tenant, communities, units)
    _posts(session, admin, communities)
    session.flush()


def _needs(session: Session, admin: User, communities: dict) -> dict[str, Need]:
    existing = {n.title: n for n in session.scalars(select(Need))}
    for title, community, tags, text in NEEDS:
        if title in existing or community not in communities:
            continue
        existing[title] = services.post_need(
            session, admin, services.NeedInput(title, text, communities[community], tags)
        )
    return existing


def _resources(session: Session, units: list[Organisation]) -> dict[int, list[Resource]]:
    found: dict[int, list[Resource]] = {}
    for resource in session.scalars(select(Resource)):
        found.setdefault(resource.organisation_id, []).append(resource)
    for i, unit in enumerate(units):
        if unit.id in found:
            continue
        offers = [RESOURCES[(2 * i) % len(RESOURCES)], RESOURCES[(2 * i + 1) % len(RESOURCES)]]
        found[unit.id] = []
        for kind, title, tags, text in offers:
            resource = Resource(
                organisation_id=unit.id, kind=kind, title=title, tags=tags, description=text
            )
            session.add(resource)
            found[unit.id].append(resource)
    session.flush()
    return found


def _projects(session, admin, needs: dict, units: list, resources: dict) -> None:
    if not units:
        return
    done = set(session.scalars(select(Project.title)))
    for i, (title, need_title, status, outcome, served) in enumerate(PROJECTS):
        need = needs.get(need_title)
        if title in done or need is None or need.status != "open":
            continue
        unit = units[i % len(units)]
        offered = resources.get(unit.id) or [None]
        project = services.form_project(
            session,
            admin,
            need,
            services.ProjectInput(
                title=title,
                owner_id=admin.id,
                due_on=date.today() + timedelta(days=30 * (i + 1)),
                partners=[(unit.id, offered[0].id if offered[0] else None)],
            ),
        )
        path = {
            "planned": [],
            "in_progress": ["in_progress"],
            "done": ["in_progress", "done"],
            "dropped": ["dropped"],
        }[status]
        for step in path:
            last = step == path[-1]
            services.move_project(
                session,
                admin,
                project,
                step,
                outcome if last else "",
                served if last and step == "done" else None,
            )


def _reports(session, admin, tenant, communities: dict, units: list) -> None:
    phones = [r[0] for r in REPORTS]
    people = {u.phone: u for u in session.scalars(select(User).where(User.phone.in_(phones)))}
    reported = set(session.scalars(select(MemberReport.user_id)))
    for i, (phone, community, specialties, availability, confirmed) in enumerate(REPORTS):
        member = people.get(phone)
        if member is None or member.id in reported or community not in communities:
            continue
        if not members.can_report(member):
            continue
        unit = units[i % len(units)] if units and i != 2 else None
        report = members.submit_report(
            session,
            member,
            members.ReportInput(
                community_id=communities[community],
                organisation_id=unit.id if unit else None,
                work_unit="" if unit else "区人民医院",
                specialties=specialties.split("、"),
                other_specialties="",
                availability=availability,
            ),
        )
        if confirmed:
            members.confirm_report(session, admin, tenant, report)


def _posts(session, admin, communities: dict) -> None:
    existing = set(session.scalars(select(Post.title)))
    for title, community, specialties, slots, text in POSTS:
        if title in existing or (community and community not in communities):
            continue
        members.publish_post(
            session,
            admin,
            members.PostInput(
                title, text, communities[community] if community else None, specialties, slots
            ),
        )
