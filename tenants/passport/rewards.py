"""Rewards (爱心超市 / 商户兑换): the catalogue, redeeming, cancelling, hand-over.

Neither stock nor balance goes below zero, however many press at once: stock moves only by guarded
UPDATEs, points only through the ledger's ``post_entry``. Pictures are checked by their content and
kept under the instance folder with a random name.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from saas.auth.models import Role, User
from saas.db import guarded_update, utcnow
from saas.errors import Forbidden, NotFound, ServiceError
from saas.notify.services import notify
from saas.streets.models import Tenant
from saas.text import fold
from tenants.passport.ledger import _lock_passport, post_entry
from tenants.passport.models import EntryKind, Passport, Redemption, RedemptionStatus, Reward
from tenants.passport.signals import acts_for_provider
from tenants.structure.models import Community

#: no 0/O, 1/I/L: read aloud at a counter
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
NAME_MAX = 100
DESCRIPTION_MAX = 2000
PRICE_MAX = 100_000
STOCK_MAX = 100_000
LIMIT_MAX = 100_000
#: how many rows a page shows at most (catalogue, my redemptions, the manage table)
LIST_MAX = 200


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class OutOfStock(ServiceError):
    pass


# --- pictures (rewards and wish photos share these) ----------------------------------------------

PICTURE_MAX_BYTES = 2 * 1024 * 1024
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg|webp)")


def sniff_image(data: bytes) -> str | None:
    """``png``, ``jpg`` or ``webp`` from the file's first bytes; None for anything else.

    The name and the browser's content type are the sender's word; the bytes are not.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def read_picture(upload: FileStorage | None, field: str) -> tuple[bytes, str] | None:
    """The checked bytes and kind of an uploaded picture, None when no file was chosen.

    :raise ServiceError: not a PNG, JPEG or WebP image, or larger than 2 MB
    """
    if upload is None or not isinstance(upload, FileStorage) or not upload.filename:
        return None
    data = upload.stream.read(PICTURE_MAX_BYTES + 1)
    if not data:
        return None
    if len(data) > PICTURE_MAX_BYTES:
        raise ServiceError(_("图片不能超过 2 MB"), field)
    kind = sniff_image(data)
    if kind is None:
        raise ServiceError(_("请上传 PNG、JPEG 或 WebP 格式的图片"), field)
    return data, kind


def upload_dir(tenant_id: int) -> Path:
    """``<instance>/uploads/<tenant_id>/`` (``UPLOAD_DIR`` overrides the ``uploads`` folder)."""
    root = current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads"
    return Path(root) / str(int(tenant_id))


def store_picture(tenant_id: int, picture: tuple[bytes, str]) -> str:
    """Write a checked picture under a random name; returns the name to keep on the row."""
    data, kind = picture
    folder = upload_dir(tenant_id)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{kind}"
    (folder / name).write_bytes(data)
    return name


def picture_path(tenant_id: int, name: str) -> tuple[Path, str] | None:
    """The file and content type of a stored picture, None if there is none (or it is gone)."""
    if not name or not _STORED_NAME.fullmatch(name):
        return None
    path = upload_dir(tenant_id) / name
    if not path.is_file():
        return None
    return path, MIMETYPES[name.rsplit(".", 1)[1]]


def remove_picture(tenant_id: int, name: str) -> None:
    """Delete a replaced picture (after the commit that stopped pointing at it)."""
    found = picture_path(tenant_id, name)
    if found is not None:
        found[0].unlink(missing_ok=True)


# --- the catalogue -------------------------------------------------------------------------------


@dataclass
class RewardInput:
    """What the catalogue form gives, already typed by the form."""

    name: str
    description: str
    price: int
    per_person_limit: int | None
    #: "community" (a community's 爱心超市) or "merchant" (an org account)
    provider_kind: str
    community_id: int | None
    provider_id: int | None
    is_active: bool
    #: only when creating; later the stock changes by restocking
    stock: int = 0


def manages_all(actor: User) -> bool:
    """The admin, and staff not limited to one community, manage every item."""
    return actor.is_office and actor.limited_to_community is None


def can_manage(actor: User, reward: Reward) -> bool:
    if not actor.is_office:
        return False
    return manages_all(actor) or (
        reward.community_id is not None and reward.community_id == actor.community_id
    )


def provides_itself(actor: User, data: RewardInput) -> bool:
    """An org account adding an item it provides itself (a merchant's member-day voucher)."""
    return (
        actor.role == Role.org
        and data.provider_kind == "merchant"
        and (data.provider_id == actor.id)
    )


def can_verify(session: Session, actor: User, reward: Reward) -> bool:
    """Office staff who manage the item, or the merchant who provides it: its own account, or
    another account acting for the same merchant (``acts_for_provider``)."""
    if actor.role == Role.org:
        if reward.provider_id is None:
            return False
        if reward.provider_id == actor.id:
            return True
        answers = acts_for_provider.send(actor, session=session, provider_id=reward.provider_id)
        return any(value is True for _receiver, value in answers)
    return can_manage(actor, reward)


def get_reward_or_404(session: Session, reward_id: int) -> Reward:
    """:raise NotFound: no such reward in this street (another street's id is the same answer)."""
    reward = session.scalar(select(Reward).where(Reward.id == reward_id))
    if reward is None:
        raise NotFound(_("奖品不存在"))
    return reward


def merchant_choices(session: Session) -> list[User]:
    """The street's org accounts that can provide rewards (商户 / 共建单位)."""
    stmt = select(User).where(User.role == Role.org, User.is_enabled.is_(True))
    return list(session.scalars(stmt.order_by(User.name, User.id).limit(500)))


def _clean(session: Session, actor: User, data: RewardInput) -> RewardInput:
    name = " ".join((data.name or "").split())
    if not name:
        raise ServiceError(_("请填写名称"), "name")
    if len(name) > NAME_MAX:
        raise ServiceError(_("名称不能超过 %(n)d 个字", n=NAME_MAX), "name")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        raise ServiceError(_("说明不能超过 %(n)d 个字", n=DESCRIPTION_MAX), "description")
    if not isinstance(data.price, int) or not 1 <= data.price <= PRICE_MAX:
        raise ServiceError(_("所需积分须为 1–%(n)d 的整数", n=PRICE_MAX), "price")
    if not isinstance(data.stock, int) or not 0 <= data.stock <= STOCK_MAX:
        raise ServiceError(_("库存须为 0–%(n)d 的整数", n=STOCK_MAX), "stock")
    limit = data.per_person_limit
    if limit is not None and not 1 <= limit <= LIMIT_MAX:
        raise ServiceError(_("每人限兑须为 1–%(n)d 的整数，不限请留空", n=LIMIT_MAX), "limit")
    community_id = provider_id = None
    if data.provider_kind == "merchant":
        if not manages_all(actor) and not provides_itself(actor, data):
            raise ServiceError(_("您只能管理本社区爱心超市的奖品"), "provider_kind")
        merchant = None
        if data.provider_id is not None:
            merchant = session.scalar(
                select(User).where(
                    User.id == data.provider_id, User.role == Role.org, User.is_enabled.is_(True)
                )
            )
        if merchant is None:
            raise ServiceError(_("请选择本街道的商户或单位账号"), "merchant")
        provider_id = merchant.id
    elif data.provider_kind == "community":
        found = None
        if data.community_id is not None:
            found = session.scalar(
                select(Community.id).where(
                    Community.id == data.community_id, Community.archived_at.is_(None)
                )
            )
        if found is None:
            raise ServiceError(_("请选择本街道的社区"), "community")
        if not manages_all(actor) and found != actor.community_id:
            raise ServiceError(_("您只能管理本社区爱心超市的奖品"), "community")
        community_id = found
    else:
        raise ServiceError(_("请选择提供方"), "provider_kind")
    return RewardInput(
        name=name,
        description=description,
        price=data.price,
        per_person_limit=limit,
        provider_kind=data.provider_kind,
        community_id=community_id,
        provider_id=provider_id,
        is_active=bool(data.is_active),
        stock=data.stock,
    )


def create_reward(
    session: Session,
    actor: User,
    data: RewardInput,
    picture: FileStorage | None = None,
) -> Reward:
    """Add an item to the catalogue (office roles; staff of one community: that community's;
    an org account: an item it provides itself, see ``provides_itself``).

    :raise Forbidden: neither office staff nor the item's own provider
    :raise ServiceError: a field is refused (``field`` names it)
    """
    if not actor.is_office and not provides_itself(actor, data):
        raise Forbidden(_("只有工作人员可以管理奖品"))
    clean = _clean(session, actor, data)
    checked = read_picture(picture, "picture_file")
    reward = Reward(
        name=clean.name,
        description=clean.description,
        price=clean.price,
        stock=clean.stock,
        per_person_limit=clean.per_person_limit,
        community_id=clean.community_id,
        provider_id=clean.provider_id,
        is_active=clean.is_active,
        picture=store_picture(actor.tenant_id, checked) if checked else "",
    )
    session.add(reward)
    session.flush()
    return reward


def update_reward(
    session: Session,
    actor: User,
    reward: Reward,
    data: RewardInput,
    picture: FileStorage | None = None,
    remove_picture_too: bool = False,
) -> str:
    """Change an item's details (never its stock: see ``restock``). Returns a replaced picture's
    file name (to delete after commit), or ""."""
    if not can_manage(actor, reward):
        raise Forbidden(_("您不能管理这个奖品"))
    clean = _clean(session, actor, RewardInput(**{**data.__dict__, "stock": 0}))
    checked = read_picture(picture, "picture_file")
    old = ""
    if checked is not None:
        old = reward.picture
        reward.picture = store_picture(actor.tenant_id, checked)
    elif remove_picture_too and reward.picture:
        old, reward.picture = reward.picture, ""
    reward.name = clean.name
    reward.description = clean.description
    reward.price = clean.price
    reward.per_person_limit = clean.per_person_limit
    reward.community_id = clean.community_id
    reward.provider_id = clean.provider_id
    reward.is_active = clean.is_active
    session.flush()
    return old


def restock(session: Session, actor: User, reward: Reward, amount: int) -> int:
    """Add ``amount`` to the stock with one guarded UPDATE; returns the new stock.

    Redemptions take from the same row at the same time, so the stock is never read, added to
    and written back in Python.
    """
    if not can_manage(actor, reward):
        raise Forbidden(_("您不能管理这个奖品"))
    if not isinstance(amount, int) or not 1 <= amount <= STOCK_MAX:
        raise ServiceError(_("补货数量须为 1–%(n)d 的整数", n=STOCK_MAX), "amount")
    stock = session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.stock + amount <= STOCK_MAX)
        .values(stock=Reward.stock + amount)
        .returning(Reward.stock)
        .execution_options(synchronize_session=False)
    ).scalar()
    if stock is None:
        raise ServiceError(_("库存不能超过 %(n)d", n=STOCK_MAX), "amount")
    return stock


@dataclass
class CatalogueItem:
    reward: Reward
    #: the community's 爱心超市 or the merchant's name
    provider: str
    #: how many the viewer holds now (issued or verified), for the per-person limit
    mine: int = 0
    #: issued (waiting for hand-over) and verified, on the manage page
    issued: int = 0
    verified: int = 0


def provider_names(session: Session, rewards: list[Reward]) -> dict[int, str]:
    """Reward id → who provides it, in two queries whatever the number of rewards."""
    community_ids = {r.community_id for r in rewards if r.community_id}
    merchant_ids = {r.provider_id for r in rewards if r.provider_id}
    communities = (
        dict(
            session.execute(
                select(Community.id, Community.name).where(Community.id.in_(community_ids))
            ).all()
        )
        if community_ids
        else {}
    )
    merchants = (
        dict(session.execute(select(User.id, User.name).where(User.id.in_(merchant_ids))).all())
        if merchant_ids
        else {}
    )
    names = {}
    for r in rewards:
        if r.community_id:
            names[r.id] = _("%(name)s爱心超市", name=communities.get(r.community_id, ""))
        else:
            names[r.id] = merchants.get(r.provider_id, "")
    return names


def catalogue(session: Session, passport_id: int | None) -> list[CatalogueItem]:
    """Active rewards for the phone page, in stock first, each with what the viewer holds."""
    stmt = (
        select(Reward)
        .where(Reward.is_active.is_(True))
        .order_by((Reward.stock > 0).desc(), Reward.price, Reward.id.desc())
        .limit(LIST_MAX)
    )
    rewards = list(session.scalars(stmt))
    names = provider_names(session, rewards)
    held: dict[int, int] = {}
    if passport_id is not None and rewards:
        held = dict(
            session.execute(
                select(Redemption.reward_id, func.count())
                .where(
                    Redemption.passport_id == passport_id,
                    Redemption.status != RedemptionStatus.cancelled,
                )
                .group_by(Redemption.reward_id)
            ).all()
        )
    return [CatalogueItem(r, names.get(r.id, ""), mine=held.get(r.id, 0)) for r in rewards]


def count_awaiting_handover(session: Session, actor: User) -> int:
    """Redemptions of items ``actor`` manages still waiting to be handed over (a to-do)."""
    stmt = (
        select(func.count())
        .select_from(Redemption)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.status == RedemptionStatus.issued)
    )
    if not manages_all(actor):
        stmt = stmt.where(Reward.community_id == actor.community_id)
    return session.scalar(stmt) or 0


def managed_rewards(
    session: Session,
    actor: User,
    status: str = "",
    community_id: int | None = None,
    limit: int = LIST_MAX,
) -> list[CatalogueItem]:
    """The catalogue for the office: every item the actor manages, with hand-over counts.

    :param status: "active", "inactive" or "" for both
    :param community_id: one community's 爱心超市; 0 for merchants' items
    :param limit: the most items read (the page's LIST_MAX; the export asks for its own)
    """
    stmt = select(Reward)
    if not manages_all(actor):
        stmt = stmt.where(Reward.community_id == actor.community_id)
    if status == "active":
        stmt = stmt.where(Reward.is_active.is_(True))
    elif status == "inactive":
        stmt = stmt.where(Reward.is_active.is_(False))
    if community_id == 0:
        stmt = stmt.where(Reward.provider_id.is_not(None))
    elif community_id is not None:
        stmt = stmt.where(Reward.community_id == community_id)
    rewards = list(session.scalars(stmt.order_by(Reward.id.desc()).limit(limit)))
    names = provider_names(session, rewards)
    counts: dict[tuple[int, str], int] = {}
    if rewards:
        rows = session.execute(
            select(Redemption.reward_id, Redemption.status, func.count())
            .where(Redemption.reward_id.in_([r.id for r in rewards]))
            .group_by(Redemption.reward_id, Redemption.status)
        ).all()
        counts = {(reward_id, state): n for reward_id, state, n in rows}
    return [
        CatalogueItem(
            r,
            names.get(r.id, ""),
            issued=counts.get((r.id, RedemptionStatus.issued), 0),
            verified=counts.get((r.id, RedemptionStatus.verified), 0),
        )
        for r in rewards
    ]


#: rows per page of the office's list of redemptions
REDEMPTIONS_PAGE = 50


@dataclass
class RedemptionRow:
    redemption: Redemption
    reward_name: str
    holder: str
    passport_number: str


def all_redemptions(
    session: Session, actor: User, status: str = "", page: int = 1, size: int = REDEMPTIONS_PAGE
) -> tuple[list[RedemptionRow], int]:
    """Every redemption of the items ``actor`` manages, newest first, one page, and the total.

    Staff limited to one community see their community's 爱心超市 only, as in the catalogue.
    Two statements whatever the page holds: the rows (joined with their reward and holder) and
    the count.

    :param status: a ``RedemptionStatus`` value, or "" for all
    :param size: rows a page holds (the export asks for one page of all it may write)
    """
    stmt = (
        select(Redemption, Reward.name, User.name, Passport.number)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Passport, Passport.id == Redemption.passport_id)
        .join(User, User.id == Passport.user_id)
    )
    if not manages_all(actor):
        stmt = stmt.where(Reward.community_id == actor.community_id)
    if status in RedemptionStatus.__members__:
        stmt = stmt.where(Redemption.status == status)
    total = session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    rows = session.execute(
        stmt.order_by(Redemption.created_at.desc(), Redemption.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    ).all()
    return [RedemptionRow(*row) for row in rows], total


# --- redeeming -----------------------------------------------------------------------------------


def passport_of(session: Session, user: User) -> Passport | None:
    """The user's passport if they have one (looking never issues one)."""
    return session.scalar(select(Passport).where(Passport.user_id == user.id))


def redeem(
    session: Session, user, passport_id: int, reward: Reward, tenant: Tenant | None = None
) -> Redemption:
    """Buy ``reward`` with points; returns the redemption with its hand-over code.

    Order matters: the passport row is locked first (one redemption per passport at a time, so
    the per-person limit holds), then a guarded UPDATE takes one from stock, then the ledger
    entry moves the balance (guarded too). Any refusal raises; the caller rolls back.
    """
    if not reward.is_active:
        raise ServiceError(_("该奖品已下架"))
    _lock_passport(session, passport_id)
    if reward.per_person_limit:
        had = session.scalar(
            select(func.count())
            .select_from(Redemption)
            .where(
                Redemption.reward_id == reward.id,
                Redemption.passport_id == passport_id,
                Redemption.status != RedemptionStatus.cancelled,
            )
        )
        if had >= reward.per_person_limit:
            raise ServiceError(_("每人限兑 %(n)d 件", n=reward.per_person_limit))
    left = session.execute(
        update(Reward)
        .where(Reward.id == reward.id, Reward.stock >= 1)
        .values(stock=Reward.stock - 1)
        .returning(Reward.stock)
        .execution_options(synchronize_session=False)
    ).scalar()
    if left is None:
        raise OutOfStock(_("该奖品已兑完"))
    redemption = Redemption(
        reward_id=reward.id, passport_id=passport_id, code=new_code(), points=reward.price
    )
    session.add(redemption)
    session.flush()
    spent = post_entry(
        session,
        passport_id,
        -reward.price,
        EntryKind.redeem,
        f"redemption:{redemption.id}",
        reason=_("兑换：%(name)s", name=reward.name),
        actor_id=user.id,
    )
    # a cancellation gives the points back with this expiry, not a fresh one
    redemption.lots_expire_at = spent.spent_lots_expire_at
    notify(
        session,
        user,
        "reward.issued",
        _l("兑换码：%(code)s", code=redemption.code),
        _l("凭兑换码领取“%(name)s”。", name=reward.name),
        link=f"/{tenant.slug}/redemptions/{redemption.id}" if tenant is not None else "",
    )
    return redemption


def cancel_redemption(session: Session, user, redemption: Redemption, reward: Reward) -> None:
    """Before hand-over: the points come back (a refund entry) and the stock too."""
    if redemption.status != RedemptionStatus.issued:
        raise ServiceError(_("该兑换已处理，不能取消"))
    if not guarded_update(
        session,
        redemption,
        Redemption.status == RedemptionStatus.issued,
        status=RedemptionStatus.cancelled,
        cancelled_at=utcnow(),
    ):
        raise ServiceError(_("该兑换已处理，不能取消"))
    session.execute(
        update(Reward)
        .where(Reward.id == reward.id)
        .values(stock=Reward.stock + 1)
        .execution_options(synchronize_session=False)
    )
    post_entry(
        session,
        redemption.passport_id,
        redemption.points,
        EntryKind.refund,
        f"refund:{redemption.id}",
        reason=_("取消兑换：%(name)s", name=reward.name),
        actor_id=user.id,
        expires_at=redemption.lots_expire_at,  # if that date has passed, the next run expires it
    )


def get_my_redemption_or_404(
    session: Session, user: User, redemption_id: int
) -> tuple[Redemption, Reward]:
    """One of the user's own redemptions and its reward.

    :raise NotFound: no such redemption in this street, or someone else's
    """
    row = session.execute(
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Passport, Passport.id == Redemption.passport_id)
        .where(Redemption.id == redemption_id, Passport.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound(_("兑换记录不存在"))
    return row[0], row[1]


def my_redemptions(session: Session, user: User) -> list[tuple[Redemption, Reward]]:
    """The user's redemptions, newest first, with their rewards (one query)."""
    stmt = (
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Passport, Passport.id == Redemption.passport_id)
        .where(Passport.user_id == user.id)
        .order_by(Redemption.id.desc())
        .limit(LIST_MAX)
    )
    return [(r, w) for r, w in session.execute(stmt).all()]


# --- hand-over -----------------------------------------------------------------------------------


def normalise_code(raw: str | None) -> str:
    """What was typed or scanned, as stored: upper case, no spaces or dashes; "" if impossible."""
    if not isinstance(raw, str):
        return ""
    code = re.sub(r"[\s\-]", "", fold(raw)).upper()  # NFKC: a code typed in full width too
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


@dataclass
class HandOver:
    redemption: Redemption
    reward: Reward
    volunteer: User


def find_for_hand_over(session: Session, actor: User, raw_code: str | None) -> HandOver:
    """The redemption a code names, for someone allowed to hand its reward over.

    "Doesn't exist", "another street's" and "another provider's" are the same answer.

    :raise ServiceError: ``兑换码无效`` (on the ``code`` field)
    """
    code = normalise_code(raw_code)
    row = None
    if code:
        row = session.execute(
            select(Redemption, Reward, User)
            .join(Reward, Reward.id == Redemption.reward_id)
            .join(Passport, Passport.id == Redemption.passport_id)
            .join(User, User.id == Passport.user_id)
            .where(Redemption.code == code)
        ).first()
    if row is None or not can_verify(session, actor, row[1]):
        raise ServiceError(_("兑换码无效"), "code")
    return HandOver(*row)


def verify_redemption(session: Session, actor: User, tenant: Tenant, found: HandOver) -> None:
    """Hand the reward over: issued → verified, once (a guarded UPDATE), and tell the volunteer.

    :raise ServiceError: already verified or cancelled (also when someone else just did it)
    """
    redemption, reward = found.redemption, found.reward
    if not can_verify(session, actor, reward):
        raise ServiceError(_("兑换码无效"), "code")
    if not guarded_update(
        session,
        redemption,
        Redemption.status == RedemptionStatus.issued,
        status=RedemptionStatus.verified,
        verified_at=utcnow(),
        verified_by=actor.id,
    ):
        state = session.scalar(select(Redemption.status).where(Redemption.id == redemption.id))
        if state == RedemptionStatus.cancelled:
            raise ServiceError(_("该兑换已取消"), "code")
        raise ServiceError(_("该兑换码已核销，不能重复领取"), "code")
    notify(
        session,
        found.volunteer,
        "reward.verified",
        _l("兑换已核销"),
        _l("您已领取“%(name)s”。", name=reward.name),
        link=f"/{tenant.slug}/redemptions/{redemption.id}",
    )
    session.flush()
