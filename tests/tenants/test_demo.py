"""The demo street at a real street's size (DEMO_SCALE), loaded small: a twentieth of it (100
generated volunteers, a year of events) is enough to see every rule the full one follows."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, or_, select

from saas.auth.models import User
from saas.streets.models import Tenant
from tenants.events.demo import EVENTS
from tenants.events.models import Attendance, Event, Registration, RegistrationStatus
from tenants.passport.models import Passport, PointEntry, PointLot, Redemption, Reward
from tenants.passport.rewards import picture_path, sniff_image
from tenants.people.demo import fixed_phones
from tenants.structure.models import Community, Grid
from tests.conftest import both_backends, login

SCALE = 0.05
TABLES = (User, Community, Grid, Event, Registration, Attendance, Passport, PointEntry, PointLot,
          Redemption, Reward)  # fmt: skip


def _load(app, scale=SCALE) -> int:
    from saas.demo import load_demo
    from saas.extensions import db
    from saas.tenancy import all_tenants

    with app.app_context(), all_tenants():
        load_demo(db.session, scale)
        db.session.commit()
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        db.session.remove()
    return tenant_id


def _counts(session) -> dict[str, int]:
    return {t.__name__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


@both_backends
def test_the_demo_street_loads_twice_without_doubling(app, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        first = _counts(session)
    _load(app)
    with scoped(tenant_id) as session:
        assert _counts(session) == first
    # six communities, 11 grids; 100 generated volunteers besides the fixed accounts
    assert first["Community"] == 6 and first["Grid"] == 11
    # and the rewards' merchant, and the alliance's unit login
    # and the merchant directory's two more merchant logins
    # and the grid module's grid-worker login (13900000006)
    assert first["User"] == 100 + len(fixed_phones()) + 5
    assert first["Event"] > len(EVENTS) + 6 and first["Attendance"] > 50


@both_backends
def test_every_balance_is_its_ledger_and_its_open_lots(app, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        sums = dict(
            session.execute(
                select(PointEntry.passport_id, func.sum(PointEntry.delta)).group_by(
                    PointEntry.passport_id
                )
            ).all()
        )
        lots = dict(
            session.execute(
                select(PointLot.passport_id, func.sum(PointLot.remaining)).group_by(
                    PointLot.passport_id
                )
            ).all()
        )
        passports = session.execute(select(Passport.id, Passport.balance)).all()
        assert len(passports) > 100
        for passport_id, balance in passports:
            assert balance == sums.get(passport_id, 0) == lots.get(passport_id, 0) >= 0
        # no source paid twice, and every generated redemption is in the ledger once
        spent = session.scalar(
            select(func.count()).where(PointEntry.source_key.like("redemption:%"))
        )
        assert spent == session.scalar(select(func.count()).select_from(Redemption)) > 0


def test_the_year_spreads_over_the_year_and_ranks_differ(app, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        first, last = session.execute(
            select(func.min(PointEntry.created_at), func.max(PointEntry.created_at))
        ).one()
        assert last - first >= timedelta(days=300)
        days = session.scalar(select(func.count(func.distinct(func.date(PointEntry.created_at)))))
        assert days > 10  # not every entry in the same minute
        hours = set(session.scalars(select(Passport.hours_total)))
        assert len(hours) >= 8  # ranks differ
        # seats: what each event's counter says is what its sign-ups hold, within capacity
        for event in session.scalars(select(Event)):
            held = session.scalar(
                select(func.count()).where(
                    Registration.event_id == event.id,
                    Registration.status == RegistrationStatus.registered,
                )
            )
            assert event.seats_taken == held <= (event.capacity or held)


def test_generated_volunteers_are_valid_and_the_fixed_logins_keep_their_history(
    app, client, scoped
):
    tenant_id = _load(app)
    fixed = fixed_phones()
    with scoped(tenant_id) as session:
        phones = list(session.scalars(select(User.phone)))
        assert len(phones) == len(set(phones))
        assert all(re.fullmatch(r"1[3-9]\d{9}", p) for p in phones)
        names = list(
            session.scalars(
                select(User.name).where(User.phone.not_in(sorted(fixed)), User.role == "volunteer")
            )
        )
        assert len(names) == 100
        assert all(2 <= len(n) <= 3 for n in names)
        volunteer = session.scalar(select(User).where(User.phone == "13900000005"))
        passport = session.scalar(select(Passport).where(Passport.user_id == volunteer.id))
        assert passport.hours_total == 9  # 3 + 2 + 4 hours of the hand-written events
        titles = set(
            session.scalars(
                select(Event.title)
                .join(Registration, Registration.event_id == Event.id)
                .where(Registration.user_id == volunteer.id)
            )
        )
        assert titles <= {e[0] for e in EVENTS}
        # the points of an attendance carry the time it was confirmed, not the seeding's (at
        # events that earn points: the campaigns' demo activities are set to earn none)
        confirmed = dict(
            session.execute(
                select(Attendance.id, Attendance.confirmed_at)
                .join(Event, Event.id == Attendance.event_id)
                .where(
                    Attendance.confirmed_at.is_not(None),
                    or_(Event.points_value.is_(None), Event.points_value > 0),
                )
            ).all()
        )
        entries = session.execute(
            select(PointEntry.source_key, PointEntry.created_at).where(
                PointEntry.source_key.like("attendance:%")
            )
        ).all()
        assert len(entries) == len(confirmed) > 50
        for key, created_at in entries:
            assert created_at == confirmed[int(key.split(":")[1])]
        generated = next(p for p in phones if p not in fixed)
    response = login(client, "demo", generated, "demo1234")
    assert response.status_code == 302 and response.headers["Location"] == "/demo/me"


def test_every_demo_reward_has_a_picture_of_its_own(app, client, scoped):
    tenant_id = _load(app)
    with scoped(tenant_id) as session:
        rewards = session.scalars(select(Reward)).all()
        assert len(rewards) > 5
        files = [picture_path(tenant_id, r.picture) for r in rewards]
    assert all(found is not None for found in files)
    contents = {found[0].read_bytes() for found in files}
    assert all(sniff_image(data) == "png" for data in contents)
    assert len(contents) > 11  # drawn per reward, not one placeholder
    login(client, "demo", "13900000005", "demo1234")
    client.post("/demo/privacy/agree", data={"version": "1"})
    page = client.get(f"/demo/rewards/{rewards[0].id}/picture")
    assert page.status_code == 200 and page.mimetype == "image/png"


def test_the_command_takes_a_scale(app, scoped):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--scale", "0.01"])
    assert result.exit_code == 0, result.output
    with scoped(_load(app, 0)) as session:  # and a smaller one later adds nothing
        volunteers = session.scalar(
            select(func.count()).where(User.role == "volunteer", User.phone.not_in(fixed_phones()))
        )
        assert volunteers == 20
