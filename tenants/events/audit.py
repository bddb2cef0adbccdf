"""How the audit log shows what the events engine writes to it (its module declaration)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from saas.modules import AuditAction, AuditTarget
from tenants.events.models import Event


def _event_titles(session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(Event.id, Event.title).where(Event.id.in_(ids))).all())


def _event_url(event_id: int, _detail: dict) -> str:
    return url_for("events.event_detail", event_id=event_id)


def _attendance_url(attendance_id: int, detail: dict) -> str | None:
    event_id = detail.get("event_id")
    if not isinstance(event_id, int):
        return None
    return url_for("events.event_detail", event_id=event_id) + f"#attendance-{attendance_id}"


ACTIONS = (
    AuditAction("event.cancel", _l("取消活动")),
    AuditAction("event.checkin_reset", _l("重置签到码")),
    AuditAction("attendance.correct", _l("修改服务时长")),
    AuditAction("attendance.enter", _l("补录服务时长")),
    AuditAction("attendance.correct_confirmed", _l("更正已确认时长")),
)
TARGETS = (
    AuditTarget("event", _l("活动"), _event_url, _event_titles),
    AuditTarget("attendance", _l("签到记录"), _attendance_url),
)
