"""The lists' part of the dashboard: the to-do of reports waiting, and the 项目 panel (projects
by status, cached as the other panels' figures are; staff limited to a community see theirs)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from saas.auth.models import User
from saas.cache import remember, viewer_key
from tenants.alliance.lists import members, services
from tenants.alliance.models import ProjectStatus

PANEL = "alliance-projects"


def pending_reports(session: Session, user: User) -> int:
    return members.count_pending_reports(session, user)


def projects_panel(session: Session, user: User) -> dict:
    counts = remember(viewer_key(PANEL, user), lambda: services.projects_by_status(session, user))
    return {
        "counts": [
            (s.value, services.PROJECT_LABELS[s], counts.get(s.value, 0)) for s in ProjectStatus
        ],
        "total": sum(counts.values()),
    }
