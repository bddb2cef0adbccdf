"""Candidates for a need: the order a person would expect, each with its reasons, and never a
unit of another street."""

from __future__ import annotations

from sqlalchemy import select

from tenants.alliance.lists.ranking import candidates, score
from tenants.alliance.models import Need, Project, ProjectPartner, Resource
from tests.tenants.alliance.factories import make_unit
from tests.tenants.factories import add_community, signed_in


def _need(scoped, street, community, tags) -> int:
    with scoped(street) as session:
        need = Need(title="独居老人义诊", community_id=community, tags=tags)
        session.add(need)
        session.commit()
        return need.id


def _projects(scoped, street, unit_id, status, n):
    with scoped(street) as session:
        for i in range(n):
            project = Project(title=f"{status}{i}", status=status)
            session.add(project)
            session.flush()
            session.add(ProjectPartner(project_id=project.id, organisation_id=unit_id))
        session.commit()


def _ranked(scoped, street, need_id):
    with scoped(street) as session:
        need = session.scalar(select(Need).where(Need.id == need_id))
        return [(c.unit.name, c.reasons) for c in candidates(session, need)]


def test_the_score_rule_alone():
    points, reasons, shared = score(["医疗义诊", "助老"], {"医疗义诊"}, True, 3, 2)
    assert shared == ["医疗义诊"]
    assert reasons == ["标签匹配：医疗义诊", "同一社区", "已完成 3 个项目", "在办 2 个项目"]
    assert points == 10 + 4 + 2 * 3 - 1 * 2


def test_candidates_come_in_the_order_a_person_expects(scoped, street, community):
    other = add_community(scoped, street, "清泉社区")
    need = _need(scoped, street, community, "医疗义诊、助老")
    # two matching tags (one through a resource), same community: the obvious first
    best = make_unit(scoped, street, "区人民医院", tags="医疗义诊", community_id=community)
    with scoped(street) as session:
        session.add(Resource(organisation_id=best, kind="skills", title="助老服务队", tags="助老"))
        session.commit()
    # one tag, delivered before, in another community
    proven = make_unit(scoped, street, "社区卫生服务中心", tags="医疗义诊", community_id=other)
    _projects(scoped, street, proven, "done", 2)
    # one tag, but busy with three projects now
    busy = make_unit(scoped, street, "民营诊所", tags="医疗义诊", community_id=other)
    _projects(scoped, street, busy, "in_progress", 3)
    # only the same community
    neighbour = make_unit(scoped, street, "朝阳物业", tags="维修", community_id=community)
    # nothing in common: not a candidate; nor an inactive unit that would match
    make_unit(scoped, street, "区法院", tags="法律咨询", community_id=other)
    make_unit(scoped, street, "已退出的医院", tags="医疗义诊", is_active=False)
    # a merchant is not an alliance unit
    make_unit(scoped, street, "药店", kind="merchant", tags="医疗义诊")

    ranked = _ranked(scoped, street, need)
    assert [name for name, _r in ranked] == [
        "区人民医院",
        "社区卫生服务中心",
        "民营诊所",
        "朝阳物业",
    ]
    reasons = dict(ranked)
    assert reasons["区人民医院"] == ["标签匹配：医疗义诊、助老", "同一社区"]
    assert reasons["社区卫生服务中心"] == ["标签匹配：医疗义诊", "已完成 2 个项目"]
    assert reasons["民营诊所"] == ["标签匹配：医疗义诊", "在办 3 个项目"]
    assert reasons["朝阳物业"] == ["同一社区"]
    assert best and busy and neighbour


def test_a_unit_of_another_street_never_appears(app, make_street, scoped, street, community):
    bravo = make_street("bravo")
    make_unit(scoped, bravo, "乙街道医院", tags="医疗义诊")
    make_unit(scoped, street, "甲街道医院", tags="医疗义诊")
    need = _need(scoped, street, community, "医疗义诊")
    assert [name for name, _r in _ranked(scoped, street, need)] == ["甲街道医院"]
    page = signed_in(app, "alpha", street.admin_phone).get(f"/alpha/alliance/needs/{need}")
    text = page.get_data(as_text=True)
    assert "甲街道医院" in text and "乙街道医院" not in text and "标签匹配：医疗义诊" in text
