"""Candidates for a need (候选单位与资源), ranked, each with the reasons it is there.

A unit scores for the tags it shares with the need (its own tags and those of its available
resources), for sitting in the need's community, for projects it delivered, and loses a little
for projects it is working on now. The weights are named here, the reasons are short phrases a
person reads on the need's page ("标签匹配：医疗义诊", "同一社区", "已完成 3 个项目",
"在办 2 个项目"). Units are looked up in the street's scope: another street's never appears.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tenants.alliance.models import Need, Project, ProjectPartner, ProjectStatus, Resource
from tenants.orgs.models import Organisation, OrgKind
from tenants.orgs.records import tag_set

#: points for each tag the unit (or one of its available resources) shares with the need
TAG_WEIGHT = 10
#: points for a unit in the need's community (less than one shared tag: skills come first)
SAME_COMMUNITY_WEIGHT = 4
#: points for each project the unit delivered, counted up to DELIVERY_CAP projects
DELIVERY_WEIGHT = 2
DELIVERY_CAP = 5
#: points taken off for each project the unit is working on now (planned or in progress),
#: counted up to LOAD_CAP: a busy unit with the right skill still beats one without it
LOAD_WEIGHT = 1
LOAD_CAP = 5
#: candidates shown at most
CANDIDATES_MAX = 20


@dataclass
class Candidate:
    unit: Organisation
    score: int
    reasons: list[str]
    #: the unit's available resources, those sharing the most tags with the need first
    resources: list[Resource] = field(default_factory=list)
    shared_tags: list[str] = field(default_factory=list)


def score(
    need_tags: list[str],
    unit_tags: set[str],
    same_community: bool,
    done: int,
    load: int,
) -> tuple[int, list[str], list[str]]:
    """(score, reasons, shared tags) of one unit for one need: the whole rule, no database."""
    shared = [tag for tag in need_tags if tag in unit_tags]
    points = TAG_WEIGHT * len(shared)
    reasons = []
    if shared:
        reasons.append(_("标签匹配：%(tags)s", tags="、".join(shared)))
    if same_community:
        points += SAME_COMMUNITY_WEIGHT
        reasons.append(_("同一社区"))
    if done:
        points += DELIVERY_WEIGHT * min(done, DELIVERY_CAP)
        reasons.append(_("已完成 %(n)d 个项目", n=done))
    if load:
        points -= LOAD_WEIGHT * min(load, LOAD_CAP)
        reasons.append(_("在办 %(n)d 个项目", n=load))
    return points, reasons, shared


def candidates(session: Session, need: Need, limit: int = CANDIDATES_MAX) -> list[Candidate]:
    """The active alliance units that fit ``need``, best first; three statements.

    A unit is a candidate when it shares a tag with the need or sits in its community; ties go
    to the unit with fewer projects on hand, then by name.
    """
    units = session.scalars(
        select(Organisation).where(
            Organisation.kind == OrgKind.alliance, Organisation.is_active.is_(True)
        )
    ).all()
    if not units:
        return []
    resources: dict[int, list[Resource]] = defaultdict(list)
    for resource in session.scalars(
        select(Resource).where(Resource.is_available.is_(True)).order_by(Resource.id)
    ):
        resources[resource.organisation_id].append(resource)
    done: dict[int, int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    for org_id, status, n in session.execute(
        select(ProjectPartner.organisation_id, Project.status, func.count())
        .join(Project, Project.id == ProjectPartner.project_id)
        .where(
            Project.status.in_(
                (ProjectStatus.done, ProjectStatus.planned, ProjectStatus.in_progress)
            )
        )
        .group_by(ProjectPartner.organisation_id, Project.status)
    ):
        if status == ProjectStatus.done:
            done[org_id] += n
        else:
            load[org_id] += n
    need_tags = [tag for tag in need.tags.split("、") if tag]
    wanted = set(need_tags)
    found = []
    for unit in units:
        own = resources.get(unit.id, [])
        unit_tags = tag_set(unit.tags).union(*(tag_set(r.tags) for r in own))
        same = need.community_id is not None and unit.community_id == need.community_id
        points, reasons, shared = score(need_tags, unit_tags, same, done[unit.id], load[unit.id])
        if not shared and not same:
            continue
        ranked = sorted(own, key=lambda r: -len(tag_set(r.tags) & wanted))
        found.append(Candidate(unit, points, reasons, ranked, shared))
    found.sort(key=lambda c: (-c.score, load[c.unit.id], c.unit.name))
    return found[:limit]
