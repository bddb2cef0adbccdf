"""Popular-merchant voting (最受欢迎商户评选): rounds, candidates, votes and results.

A round has a start, an end, N (votes per person) and its candidate merchants. Candidates are
added and the rules changed only until the round opens. A registered resident (a volunteer
account) votes for up to N candidates, once each, while the round is open; the database holds
all three rules in one transaction (:func:`cast_vote`):

1. the resident's :class:`Ballot` (made with ``insert_ignoring_conflict``) moves by one only
   ``WHERE used < N`` and while the round is open at the database's ``now()``;
2. the :class:`Vote` insert, whose unique key refuses a second vote for the same merchant;
3. the candidate's count, ``votes + 1``.

Any refusal raises :class:`ServiceError` and the view rolls the whole vote back. Staff see live
results; residents see them once the round has closed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select, update
from sqlalchemy.orm import Session

from saas.audit.services import record
from saas.cache import forget_street, remember, viewer_key
from saas.db import guarded_update, insert_ignoring_conflict, utcnow
from saas.errors import NotFound, ServiceError
from saas.forms import parse_id
from saas.listing import count_rows, one_page
from tenants.merchants.models import Ballot, Candidate, Circle, Merchant, Vote, VotingRound
from tenants.orgs.models import Organisation, OrgKind

TITLE_MAX = 100
VOTES_MIN, VOTES_MAX = 1, 20
PAGE = 20
PANEL_KEY = "merchants-voting"


class RoundState(enum.StrEnum):
    upcoming = "upcoming"  # 未开始
    open = "open"  # 投票中
    closed = "closed"  # 已结束


STATE_LABELS = {
    RoundState.upcoming: _l("未开始"),
    RoundState.open: _l("投票中"),
    RoundState.closed: _l("已结束"),
}


def _by_id(session: Session, model, row_id: int | None):
    """The street's row of ``model`` with this id, or None (another street's is None too)."""
    if row_id is None:
        return None
    return session.scalar(select(model).where(model.id == row_id))


def state_of(vround: VotingRound, now: datetime | None = None) -> RoundState:
    """Where the round stands by the clock (for showing it; the vote asks the database)."""
    now = now or utcnow()
    if now < vround.starts_at:
        return RoundState.upcoming
    if now < vround.ends_at:
        return RoundState.open
    return RoundState.closed


# --- rounds (office) -----------------------------------------------------------------------------


@dataclass
class RoundData:
    title: str | None
    circle_id: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    votes_per_person: int | None


def _checked(session: Session, data: RoundData) -> dict:
    title = (data.title or "").strip()
    if not title:
        raise ServiceError(_("请填写评选名称"), "title")
    if len(title) > TITLE_MAX:
        raise ServiceError(_("评选名称最多 %(n)d 个字", n=TITLE_MAX), "title")
    if data.circle_id is not None and _by_id(session, Circle, data.circle_id) is None:
        raise ServiceError(_("请选择本街道的商圈"), "circle")
    if data.starts_at is None:
        raise ServiceError(_("请填写开始时间"), "starts_at")
    if data.ends_at is None:
        raise ServiceError(_("请填写结束时间"), "ends_at")
    if data.ends_at <= data.starts_at:
        raise ServiceError(_("结束时间应晚于开始时间"), "ends_at")
    n = data.votes_per_person
    if n is None or not VOTES_MIN <= n <= VOTES_MAX:
        raise ServiceError(
            _("每人可投 %(a)d–%(b)d 个商户", a=VOTES_MIN, b=VOTES_MAX), "votes_per_person"
        )
    return {
        "title": title,
        "circle_id": data.circle_id,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "votes_per_person": n,
    }


def create_round(session: Session, actor, data: RoundData) -> VotingRound:
    vround = VotingRound(**_checked(session, data), created_by=actor.id)
    session.add(vround)
    session.flush()
    record(session, "merchants.vote_round_create", actor.id, f"vote_round:{vround.id}")
    forget_street(PANEL_KEY, actor.tenant_id)
    return vround


def update_round(session: Session, actor, vround: VotingRound, data: RoundData) -> None:
    """Change the rules of a round that has not opened yet (the database's clock decides).

    :raise ServiceError: the round has opened: its rules no longer change
    """
    values = _checked(session, data)
    if not guarded_update(session, vround, VotingRound.starts_at > func.now(), **values):
        raise ServiceError(_("本轮评选已开始，规则不能再修改"))
    record(session, "merchants.vote_round_update", actor.id, f"vote_round:{vround.id}")
    forget_street(PANEL_KEY, actor.tenant_id)


def get_round_or_404(session: Session, round_id: int | None) -> VotingRound:
    """:raise NotFound: no such round in this street"""
    round_id = parse_id(round_id)
    vround = _by_id(session, VotingRound, round_id) if round_id else None
    if vround is None:
        raise NotFound(_("评选不存在"))
    return vround


@dataclass
class RoundRow:
    round: VotingRound
    candidates: int
    votes: int
    voters: int

    @property
    def state(self) -> RoundState:
        return state_of(self.round)


def _state_filter(stmt, state: str):
    now = utcnow()
    if state == RoundState.upcoming:
        return stmt.where(VotingRound.starts_at > now)
    if state == RoundState.open:
        return stmt.where(VotingRound.starts_at <= now, VotingRound.ends_at > now)
    if state == RoundState.closed:
        return stmt.where(VotingRound.ends_at <= now)
    return stmt


def list_rounds(
    session: Session, state: str = "", page: int = 1, size: int = PAGE
) -> tuple[list[RoundRow], int]:
    """A page of rounds, newest first, with their candidates, votes and voters (two statements)."""
    candidates = (
        select(func.count(Candidate.id))
        .where(Candidate.round_id == VotingRound.id)
        .scalar_subquery()
    )
    votes = (
        select(func.coalesce(func.sum(Candidate.votes), 0))
        .where(Candidate.round_id == VotingRound.id)
        .scalar_subquery()
    )
    voters = (
        select(func.count(Ballot.id))
        .where(Ballot.round_id == VotingRound.id, Ballot.used > 0)
        .scalar_subquery()
    )
    stmt = _state_filter(select(VotingRound), state)
    total = count_rows(session, stmt)
    rows = session.execute(
        one_page(
            stmt.add_columns(candidates, votes, voters).order_by(
                VotingRound.starts_at.desc(), VotingRound.id.desc()
            ),
            page,
            size,
        )
    ).all()
    return [RoundRow(r, c or 0, v or 0, p or 0) for r, c, v, p in rows], total


def circles(session: Session) -> list[Circle]:
    return list(session.scalars(select(Circle).order_by(Circle.name)))


def circle_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Circle.id, Circle.name)).all())


# --- candidates ----------------------------------------------------------------------------------


def _not_started(vround: VotingRound) -> None:
    if state_of(vround) != RoundState.upcoming:
        raise ServiceError(_("本轮评选已开始，候选名单和规则不能再修改"))


def eligible_merchants(session: Session, vround: VotingRound) -> list[Organisation]:
    """The street's merchants (with a profile) that could still be added: of the round's circle
    if it has one, not yet candidates."""
    stmt = (
        select(Organisation)
        .join(Merchant, Merchant.organisation_id == Organisation.id)
        .where(
            Organisation.kind == OrgKind.merchant,
            Organisation.is_active.is_(True),
            ~exists().where(
                Candidate.round_id == vround.id, Candidate.organisation_id == Organisation.id
            ),
        )
        .order_by(Organisation.name)
    )
    if vround.circle_id is not None:
        stmt = stmt.where(Merchant.circle_id == vround.circle_id)
    return list(session.scalars(stmt))


def add_candidate(
    session: Session, actor, vround: VotingRound, organisation_id: int | None
) -> Candidate:
    """Put a merchant on the round's list, until the round opens.

    :raise ServiceError: the round has opened; not one of this street's merchants (another
        street's, an alliance unit, an organisation without a merchant profile); another circle's
        merchant for a circle's round; already a candidate
    """
    _not_started(vround)
    found = (
        session.execute(
            select(Organisation.id, Merchant.circle_id)
            .join(Merchant, Merchant.organisation_id == Organisation.id)
            .where(Organisation.id == organisation_id, Organisation.kind == OrgKind.merchant)
        ).first()
        if organisation_id
        else None
    )
    if found is None:
        raise ServiceError(_("请选择本街道的商户"), "organisation")
    if vround.circle_id is not None and found.circle_id != vround.circle_id:
        raise ServiceError(_("该商户不属于本轮评选的商圈"), "organisation")
    candidate_id = insert_ignoring_conflict(
        session,
        Candidate,
        {"tenant_id": vround.tenant_id, "round_id": vround.id, "organisation_id": found.id},
        ["tenant_id", "round_id", "organisation_id"],
    )
    if candidate_id is None:
        raise ServiceError(_("该商户已在候选名单中"), "organisation")
    record(
        session,
        "merchants.vote_candidate_add",
        actor.id,
        f"vote_round:{vround.id}",
        {"organisation_id": found.id},
    )
    return _by_id(session, Candidate, candidate_id)


def remove_candidate(
    session: Session, actor, vround: VotingRound, candidate_id: int | None
) -> None:
    """:raise NotFound: not a candidate of this round; ServiceError: the round has opened"""
    candidate_id = parse_id(candidate_id)
    candidate = _by_id(session, Candidate, candidate_id) if candidate_id else None
    if candidate is None or candidate.round_id != vround.id:
        raise NotFound(_("候选商户不存在"))
    _not_started(vround)
    session.delete(candidate)
    session.flush()
    record(
        session,
        "merchants.vote_candidate_remove",
        actor.id,
        f"vote_round:{vround.id}",
        {"organisation_id": candidate.organisation_id},
    )


@dataclass
class CandidateRow:
    candidate: Candidate
    name: str
    category: str
    is_model: bool
    rank: int = 0
    #: the candidate's share of all votes of the round, in per cent (one decimal)
    share: float = 0.0


def candidates_of(session: Session, vround: VotingRound) -> list[CandidateRow]:
    """The round's candidates, most votes first, ranked (equal votes, equal rank): one statement."""
    rows = session.execute(
        select(Candidate, Organisation.name, Merchant.category, Merchant.is_model)
        .join(Organisation, Organisation.id == Candidate.organisation_id)
        .outerjoin(Merchant, Merchant.organisation_id == Candidate.organisation_id)
        .where(Candidate.round_id == vround.id)
        .order_by(Candidate.votes.desc(), Organisation.name, Candidate.id)
    ).all()
    result = [
        CandidateRow(c, name, category or "", bool(model)) for c, name, category, model in rows
    ]
    total = sum(r.candidate.votes for r in result)
    previous, rank = None, 0
    for i, row in enumerate(result, start=1):
        if row.candidate.votes != previous:
            rank, previous = i, row.candidate.votes
        row.rank = rank
        row.share = round(row.candidate.votes * 100 / total, 1) if total else 0.0
    return result


def candidates_by_name(session: Session, vround: VotingRound) -> list[CandidateRow]:
    """The candidates as a resident sees them while voting: by name, no counts."""
    return sorted(candidates_of(session, vround), key=lambda r: (r.name, r.candidate.id))


def voters_of(session: Session, vround: VotingRound) -> int:
    return (
        session.scalar(
            select(func.count(Ballot.id)).where(Ballot.round_id == vround.id, Ballot.used > 0)
        )
        or 0
    )


# --- voting (residents) --------------------------------------------------------------------------


def _now_state(session: Session, vround: VotingRound) -> str:
    """Where the round stands by the database's clock (what the vote's guard uses)."""
    return session.scalar(
        select(
            case(
                (VotingRound.starts_at > func.now(), RoundState.upcoming.value),
                (VotingRound.ends_at <= func.now(), RoundState.closed.value),
                else_=RoundState.open.value,
            )
        ).where(VotingRound.id == vround.id)
    )


def cast_vote(session: Session, voter, vround: VotingRound, organisation_id: int | None) -> None:
    """One vote of ``voter`` for the candidate ``organisation_id``, held by the database.

    The caller commits; after a :class:`ServiceError` it must roll back (the ballot may have
    moved before the refusal).

    :raise NotFound: no such organisation in this street
    :raise ServiceError: not a candidate of this round; the round has not opened or has closed;
        the voter has used their N votes; the voter has voted for this merchant already
    """
    candidate_id = (
        session.scalar(
            select(Candidate.id).where(
                Candidate.round_id == vround.id, Candidate.organisation_id == organisation_id
            )
        )
        if organisation_id
        else None
    )
    if candidate_id is None:
        if organisation_id is None or _by_id(session, Organisation, organisation_id) is None:
            raise NotFound(_("商户不存在"))  # another street's merchant is nobody here
        raise ServiceError(_("该商户不在本轮候选名单中"))
    insert_ignoring_conflict(
        session,
        Ballot,
        {"tenant_id": vround.tenant_id, "round_id": vround.id, "user_id": voter.id, "used": 0},
        ["tenant_id", "round_id", "user_id"],
    )
    is_open = exists().where(
        VotingRound.id == vround.id,
        VotingRound.starts_at <= func.now(),
        VotingRound.ends_at > func.now(),
    )
    moved = session.execute(
        update(Ballot)
        .where(
            Ballot.round_id == vround.id,
            Ballot.user_id == voter.id,
            Ballot.used < vround.votes_per_person,
            is_open,
        )
        .values(used=Ballot.used + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not moved:
        raise ServiceError(_refusal(session, voter, vround, organisation_id))
    vote_id = insert_ignoring_conflict(
        session,
        Vote,
        {
            "tenant_id": vround.tenant_id,
            "round_id": vround.id,
            "user_id": voter.id,
            "organisation_id": organisation_id,
            "created_at": utcnow(),
        },
        ["tenant_id", "round_id", "user_id", "organisation_id"],
    )
    if vote_id is None:
        raise ServiceError(_("您已为该商户投过票"))
    session.execute(
        update(Candidate)
        .where(Candidate.id == candidate_id)
        .values(votes=Candidate.votes + 1)
        .execution_options(synchronize_session=False)
    )
    forget_street(PANEL_KEY, vround.tenant_id)


def _refusal(session: Session, voter, vround: VotingRound, organisation_id: int) -> str:
    """Why the ballot did not move, in words (the guard said no; this only names the reason)."""
    state = _now_state(session, vround)
    if state == RoundState.closed:
        return _("本轮评选已结束")
    if state == RoundState.upcoming:
        return _("本轮评选尚未开始")
    voted = session.scalar(
        select(Vote.id).where(
            Vote.round_id == vround.id,
            Vote.user_id == voter.id,
            Vote.organisation_id == organisation_id,
        )
    )
    if voted:
        return _("您已为该商户投过票")
    return _("每人最多投 %(n)d 个商户，您已投满", n=vround.votes_per_person)


@dataclass
class MyBallot:
    #: the merchants (organisation ids) the resident has voted for
    voted: set[int]
    used: int
    left: int


def my_ballot(session: Session, voter, vround: VotingRound) -> MyBallot:
    voted = set(
        session.scalars(
            select(Vote.organisation_id).where(Vote.round_id == vround.id, Vote.user_id == voter.id)
        )
    )
    return MyBallot(voted, len(voted), max(0, vround.votes_per_person - len(voted)))


def rounds_for_residents(session: Session, closed_shown: int = 5) -> list[VotingRound]:
    """What residents see on the voting page: the open rounds, the upcoming ones, and the last
    ``closed_shown`` closed ones (their results); open first, then upcoming, then closed."""
    now = utcnow()
    live = session.scalars(
        select(VotingRound).where(VotingRound.ends_at > now).order_by(VotingRound.starts_at)
    ).all()
    closed = session.scalars(
        select(VotingRound)
        .where(VotingRound.ends_at <= now)
        .order_by(VotingRound.ends_at.desc())
        .limit(closed_shown)
    ).all()
    order = {RoundState.open: 0, RoundState.upcoming: 1}
    return sorted(live, key=lambda r: order[state_of(r, now)]) + list(closed)


# --- dashboard -----------------------------------------------------------------------------------


def panel_data(session: Session, user) -> dict:
    """The open rounds with their votes and voters (cached for the figures' interval; a vote in
    this process drops the cache)."""

    def compute() -> dict:
        rows, _total = list_rounds(session, RoundState.open, 1, 5)
        return {
            "rounds": [
                {
                    "id": r.round.id,
                    "title": r.round.title,
                    "ends_at": r.round.ends_at,
                    "candidates": r.candidates,
                    "votes": r.votes,
                    "voters": r.voters,
                }
                for r in rows
            ]
        }

    return remember(viewer_key(PANEL_KEY, user), compute)


def round_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The audit log's names of its round targets, in one statement."""
    return dict(
        session.execute(
            select(VotingRound.id, VotingRound.title).where(VotingRound.id.in_(ids))
        ).all()
    )
