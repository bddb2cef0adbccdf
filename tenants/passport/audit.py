"""How the audit log shows what the passport writes to it (its module declaration)."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from saas.modules import AuditAction, AuditTarget


def _passport_url(_passport_id: int, detail: dict) -> str | None:
    # the list found by the passport's number is the page that shows one passport
    number = detail.get("number")
    return url_for("passport.passports", q=number) if isinstance(number, str) else None


ACTIONS = (
    AuditAction("points.adjust", _l("调整积分")),
    AuditAction("service_identity.set", _l("登记证件号码")),
    AuditAction("service_records.export", _l("导出志愿服务记录")),
)
TARGETS = (AuditTarget("passport", _l("志愿护照"), _passport_url),)
