"""A street's privacy notice (隐私政策) and who agreed to which version of it (PIPL consent).

Each street has its own notice, public at /<slug>/privacy. Its admin publishes changes; each is a
new version, the old ones kept. ``tenants.privacy_version`` names the version in force: the row is
cached per process (``saas.streets.cache``), and the session keeps the version its person last
agreed to (``SESSION_KEY``, read from the consents at sign-in), so the check on every signed-in
request (``saas.web``) costs no query. Someone behind is shown the notice again before anything
else (``auth.privacy_agree``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.auth.models import Role, User
from saas.db import insert_ignoring_conflict, new_id, utcnow
from saas.errors import Forbidden, ServiceError
from saas.streets.cache import fresh_for_update
from saas.streets.models import PrivacyConsent, PrivacyNotice, Tenant

#: where the session keeps the version its signed-in person has agreed to (0: none)
SESSION_KEY = "privacy_v"
#: longer than any notice needs; keeps a pasted book out of every consent page
MAX_LENGTH = 20_000

#: where a consent was given (PrivacyConsent.via)
VIA_JOIN, VIA_SIGNUP, VIA_LOGIN, VIA_PUBLISH = "join", "signup", "login", "publish"

#: version 1 of every new street's notice: the street's own words until its admin edits them.
#: Plain text, a blank line between paragraphs; no names, so it fits any street. (Copied into
#: the migration that gave existing streets their first notice: change it here for new ones.)
DEFAULT_NOTICE = """\
本隐私政策说明本街道办事处（以下简称“我们”）在“联建通”平台上如何收集、使用、保存和保护您的个人信息，以及您享有的权利。请您在注册或继续使用前仔细阅读。

一、我们收集的信息
注册和使用时，我们收集您的手机号码、姓名、所在社区；您自愿填写的党员身份、电子邮箱；以及您参加志愿服务、活动报名、签到签退、服务时长、积分和兑换、微心愿、事项上报等使用记录。为保障账号安全，我们还会记录登录时间和操作日志。

二、我们如何使用这些信息
上述信息仅用于：核实身份和管理账号；组织志愿服务和社区活动，记录服务时长和积分；向您发送活动提醒、审核结果等通知（站内信、短信或电子邮件）；统计本街道的服务情况（统计结果不显示个人身份）。未经您同意，我们不会将您的信息用于其他目的。

三、信息的保存和保护
您的信息保存在中华人民共和国境内，仅本街道有权限的工作人员可以查看；手机号码对其他人员脱敏显示。我们采取访问控制、加密传输、操作留痕等措施保护您的信息。账号注销或不再需要时，我们将在法律法规要求的期限届满后删除或匿名化处理您的信息。

四、信息的共享
我们不会出售您的个人信息。为发送短信，我们会将手机号码和短信内容提供给短信服务商；法律法规另有规定或有权机关依法要求的除外，我们不会向其他第三方提供您的个人信息。

五、您的权利
您可以查阅、复制、更正您的个人信息，可以撤回同意、注销账号并要求删除您的个人信息。请通过本街道办事处的联系方式提出，我们将在十五个工作日内答复。撤回同意不影响撤回前基于您的同意已进行的处理。

六、未成年人
不满十四周岁的未成年人，应在父母或其他监护人的同意和指导下注册和使用。

七、本政策的更新
本政策更新后，版本号将随之增加。您再次登录时，我们会请您阅读并同意新版本后继续使用。
"""


@dataclass(frozen=True)
class NoticeText:
    """What a page shows of a notice version."""

    version: int
    body: str
    #: None for a street's first version that nobody has had to store yet
    published_at: datetime | None


def paragraphs(body: str) -> list[list[str]]:
    """Plain text as paragraphs of lines: a blank line starts a paragraph, a newline a line.

    The template prints each line as text (escaped) with a ``<br>`` between lines, so no markup
    the admin types ever reaches a page as markup.
    """
    result: list[list[str]] = []
    current: list[str] = []
    for line in body.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            result.append(current)
            current = []
    if current:
        result.append(current)
    return result


def _normal(text: str) -> str:
    """Line ends as ``\n``, no trailing spaces, no blank lines around: what a textarea sends
    back for the same text, so re-saving it publishes nothing."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def _clean_body(raw: str | None) -> str:
    body = _normal(raw or "")
    if not body.strip():
        raise ServiceError(_("请填写隐私政策内容"), "body")
    if len(body) > MAX_LENGTH:
        raise ServiceError(_("隐私政策不能超过 %(n)d 个字", n=MAX_LENGTH), "body")
    return body


def ensure_first_notice(session: Session, tenant: Tenant) -> None:
    """Store version 1 (the default text) for the street in scope if it has none yet.

    A street opened by sign-up gets it at once; one made otherwise (the demo seed) gets it the
    first time a consent or a new version needs a row to refer to.
    """
    insert_ignoring_conflict(
        session,
        PrivacyNotice,
        {
            "tenant_id": tenant.id,
            "id": new_id(),
            "version": 1,
            "body": DEFAULT_NOTICE,
            "published_at": utcnow(),
        },
        ["tenant_id", "version"],
    )


def notice_text(session: Session, tenant: Tenant, version: int | None = None) -> NoticeText | None:
    """The street's notice: the version in force, or ``version``; None if there is no such one."""
    wanted = tenant.privacy_version if version is None else version
    row = session.scalar(select(PrivacyNotice).where(PrivacyNotice.version == wanted))
    if row is not None:
        return NoticeText(row.version, row.body, row.published_at)
    if wanted == 1:
        return NoticeText(1, DEFAULT_NOTICE, None)
    return None


def versions(session: Session) -> list[NoticeText]:
    """Every stored version of the street's notice, newest first (bodies included: a few)."""
    rows = session.scalars(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()))
    return [NoticeText(r.version, r.body, r.published_at) for r in rows]


def publish(session: Session, actor: User, tenant: Tenant, raw_body: str | None) -> int | None:
    """Publish a new version of the street's notice; everyone else is asked to agree to it again.

    Returns the new version, or None when the text is the one in force (nothing to publish).

    :raise Forbidden: the actor is not the street's admin
    :raise ServiceError: empty or too long (field ``body``); another admin published at the same
        moment
    """
    if actor.role != Role.admin:
        raise Forbidden(_("只有街道管理员可以修改隐私政策"))
    body = _clean_body(raw_body)
    fresh_for_update(session, tenant)  # two admins publishing queue here; never a cached version
    current = notice_text(session, tenant)
    if current is not None and _normal(current.body) == body:
        return None
    ensure_first_notice(session, tenant)
    version = tenant.privacy_version + 1
    session.add(PrivacyNotice(version=version, body=body, published_by=actor.id))
    tenant.privacy_version = version
    try:
        session.flush()
    except IntegrityError as exc:  # SQLite has no row lock: the unique version decides
        session.rollback()
        raise ServiceError(_("隐私政策刚被他人修改，请刷新后重试"), "body") from exc
    record(session, "privacy.publish", actor.id, "tenant", {"version": version})
    # whoever publishes a text has read it: they are not sent to agree to their own words
    record_consent(session, tenant, actor, version, VIA_PUBLISH)
    return version


def agreed_version(session: Session, user: User) -> int:
    """The newest version of the notice ``user`` has agreed to; 0 for none."""
    found = session.scalar(
        select(func.max(PrivacyConsent.version)).where(PrivacyConsent.user_id == user.id)
    )
    return found or 0


def record_consent(session: Session, tenant: Tenant, user: User, version: int, via: str) -> None:
    """``user`` agreed to ``version`` of the street's notice (once: agreeing again is a no-op).

    :raise ServiceError: no such version (a page older than the street's first notice row)
    """
    if version == 1:
        ensure_first_notice(session, tenant)
    exists = session.scalar(select(PrivacyNotice.id).where(PrivacyNotice.version == version))
    if exists is None:
        raise ServiceError(_("隐私政策已更新，请重新阅读"))
    insert_ignoring_conflict(
        session,
        PrivacyConsent,
        {
            "tenant_id": tenant.id,
            "id": new_id(),
            "user_id": user.id,
            "version": version,
            "via": via,
            "agreed_at": utcnow(),
        },
        ["tenant_id", "user_id", "version"],
    )


def require_agreement(agreed: bool | None) -> None:
    """:raise ServiceError: the "I have read and agree" box was left empty (field
    ``agree_privacy``)."""
    if not agreed:
        raise ServiceError(_("请阅读并勾选同意《隐私政策》"), "agree_privacy")
