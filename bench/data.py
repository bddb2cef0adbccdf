"""Bulk data for the benchmark: streets × volunteers × ledger entries, loaded with COPY.

Street k (1-based) has 2,000 volunteers in 5 communities, 20 upcoming events, one registration per
volunteer, a passport each with 10 ledger entries and one open lot: 20,000 entries a street, so
100 streets are 2 million. ``load(conn, first, last)`` adds streets first..last, so the same
database grows from 1× to 10× to 100× between measurements.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

VOLUNTEERS = 2000
ENTRIES = 10
COMMUNITIES = 5
EVENTS = 20
#: alliance units a street works with (the demo's 130), each with its account and an agreement
UNITS = 130
#: merchants a street's business circles hold (the issue's 200), in CIRCLES circles
MERCHANTS, CIRCLES = 200, 2
TOKEN = "benchtoken"  # every bench account's auth_token (its session cookies carry it)
# a scrypt hash of "bench-pass" with cheap parameters: nobody logs in, cookies are made directly
PASSWORD_HASH = "scrypt:1024:8:1$bench$" + "0" * 128


#: the columns a generated account is written with (volunteers, staff, grid workers)
USER_COLUMNS = [
    "tenant_id",
    "id",
    "phone",
    "name",
    "password_hash",
    "role",
    "is_party_member",
    "is_grid_worker",
    "community_id",
    "is_enabled",
    "auth_token",
    "password_changed_at",
    "created_at",
]


def street_slug(k: int) -> str:
    return f"bench-{k:03d}"


def _ids(k: int, table: int) -> int:
    """A block of ids per street and table, far from anything the app generates."""
    return 9_000_000_000_000 + k * 100_000_000 + table * 10_000_000


def load(conn, first: int, last: int) -> None:
    """Streets ``first``..``last``, each committed on its own: a failure at street 900 keeps the
    899 before it (a thousand streets take about twenty minutes to load)."""
    now = datetime.now(UTC)
    for k in range(first, last + 1):
        with conn.cursor() as cur:
            cur.execute(
                "INSERT INTO tenants (id, slug, name, district, city, status, settings, created_at)"
                " VALUES (%s, %s, %s, '基准区', '基准市', 'active', %s, %s)"
                " ON CONFLICT DO NOTHING",
                (100_000 + k, street_slug(k), f"基准街道{k}", json.dumps({}), now),
            )
            _street(cur, 100_000 + k, k, now)
            _units(cur, 100_000 + k, k, now)
            _merchants(cur, 100_000 + k, k, now)
            _grid(cur, 100_000 + k, k, now)
        conn.commit()


def bench_phone(k: int, i: int) -> str:
    """Volunteer ``i`` of street ``k``: 11 digits whatever ``k`` (a phone is unique per street,
    so streets 1 and 1001 may share numbers, as two real streets may)."""
    return f"13{k % 1000:03d}{i:06d}"


def _spread(i: int) -> int:
    """This year's hours, spread over 0–199 so that ranks differ as in a real community."""
    return (i * 7919) % 200


def _copy(cur, table: str, columns: list[str], rows) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _street(cur, tid: int, k: int, now: datetime) -> None:
    community_ids = [_ids(k, 1) + c for c in range(COMMUNITIES)]
    _copy(
        cur,
        "communities",
        ["tenant_id", "id", "name", "position", "created_at"],
        ((tid, cid, f"社区{c}", c, now) for c, cid in enumerate(community_ids)),
    )
    user_ids = [_ids(k, 2) + i for i in range(VOLUNTEERS)]
    _copy(
        cur,
        "users",
        USER_COLUMNS,
        (
            (
                tid,
                uid,
                bench_phone(k, i),
                f"志愿者{i}",
                PASSWORD_HASH,
                "volunteer",
                i % 5 == 0,
                False,
                community_ids[i % COMMUNITIES],
                True,
                TOKEN,
                now,
                now,
            )
            for i, uid in enumerate(user_ids)
        ),
    )
    event_ids = [_ids(k, 3) + e for e in range(EVENTS)]
    _copy(
        cur,
        "events",
        [
            "tenant_id",
            "id",
            "title",
            "description",
            "kind",
            "place",
            "starts_at",
            "ends_at",
            "waitlist_enabled",
            "audience",
            "points_mode",
            "status",
            "seats_taken",
            "waitlist_seq",
            "checkin_secret",
            "created_at",
        ],
        (
            (
                tid,
                eid,
                f"志愿活动{e}",
                "",
                "volunteer",
                "社区广场",
                now + timedelta(days=e + 1),
                now + timedelta(days=e + 1, hours=2),
                True,
                "volunteers",
                "per_hour",
                "published",
                VOLUNTEERS // EVENTS,
                0,
                "0" * 32,
                now,
            )
            for e, eid in enumerate(event_ids)
        ),
    )
    _copy(
        cur,
        "registrations",
        [
            "tenant_id",
            "id",
            "event_id",
            "user_id",
            "headcount",
            "member_names",
            "status",
            "created_at",
        ],
        (
            (tid, _ids(k, 4) + i, event_ids[i % EVENTS], uid, 1, "", "registered", now)
            for i, uid in enumerate(user_ids)
        ),
    )
    passport_ids = [_ids(k, 5) + i for i in range(VOLUNTEERS)]
    _copy(
        cur,
        "passports",
        [
            "tenant_id",
            "id",
            "user_id",
            "community_id",
            "number",
            "balance",
            "hours_total",
            "hours_year",
            "hours_year_of",
            "created_at",
        ],
        (
            (
                tid,
                pid,
                user_ids[i],
                community_ids[i % COMMUNITIES],
                f"B{k:03d}-{i:06d}",
                10 * ENTRIES,
                2 * ENTRIES + _spread(i),
                _spread(i),
                now.year,
                now,
            )
            for i, pid in enumerate(passport_ids)
        ),
    )
    entry_base = _ids(k, 6)
    _copy(
        cur,
        "point_entries",
        [
            "tenant_id",
            "id",
            "passport_id",
            "delta",
            "kind",
            "reason",
            "source_key",
            "balance_after",
            "created_at",
        ],
        (
            (
                tid,
                entry_base + i * ENTRIES + n,
                pid,
                10,
                "earn",
                f"志愿活动{n}",
                f"bench:{pid}:{n}",
                10 * (n + 1),
                now - timedelta(days=ENTRIES - n),
            )
            for i, pid in enumerate(passport_ids)
            for n in range(ENTRIES)
        ),
    )
    expires = datetime(now.year + 1, 12, 31, tzinfo=UTC)
    _copy(
        cur,
        "point_lots",
        [
            "tenant_id",
            "id",
            "passport_id",
            "entry_id",
            "points",
            "remaining",
            "expires_at",
            "created_at",
        ],
        (
            (
                tid,
                _ids(k, 7) + i,
                pid,
                entry_base + i * ENTRIES,
                10 * ENTRIES,
                10 * ENTRIES,
                expires,
                now,
            )
            for i, pid in enumerate(passport_ids)
        ),
    )


# --- the party alliance's units (area "home"): records, accounts, agreements, sign-ups --------------


def _unit_ids(k: int, offset: int) -> int:
    """Ids of the alliance's bench rows: one block (table 8), a thousand per kind of row."""
    return _ids(k, 8) + offset * 1000


def unit_phone(k: int, u: int) -> str:
    """Unit ``u``'s account: beyond the volunteers' numbers of street ``k``."""
    return f"13{k % 1000:03d}{900_000 + u:06d}"


def _units(cur, tid: int, k: int, now: datetime) -> None:
    """``UNITS`` alliance units, each with an org account, an agreement (in force, ending soon or
    ended, as in a real street), a sign-up for one of the street's events with two named
    volunteers."""
    community_ids = [_ids(k, 1) + c for c in range(COMMUNITIES)]
    org_ids = [_unit_ids(k, 0) + u for u in range(UNITS)]
    user_ids = [_unit_ids(k, 1) + u for u in range(UNITS)]
    tags = ("医疗义诊、法律咨询", "政策宣讲", "环境整治、维修", "教育辅导")
    _copy(
        cur,
        "organisations",
        [
            "tenant_id",
            "id",
            "kind",
            "name",
            "org_type",
            "party_org",
            "party_members",
            "contact_name",
            "contact_phone",
            "address",
            "community_id",
            "tags",
            "is_active",
            "created_at",
        ],
        (
            (
                tid,
                oid,
                "alliance",
                f"共建单位{u}",
                "state_owned",
                f"共建单位{u}党支部",
                10 + u % 40,
                f"联系人{u}",
                unit_phone(k, u),
                "基准路1号",
                community_ids[u % COMMUNITIES],
                tags[u % len(tags)],
                True,
                now,
            )
            for u, oid in enumerate(org_ids)
        ),
    )
    _copy(
        cur,
        "users",
        USER_COLUMNS,
        (
            (
                tid,
                uid,
                unit_phone(k, u),
                f"共建单位{u}",
                PASSWORD_HASH,
                "org",
                False,
                False,
                None,
                True,
                TOKEN,
                now,
                now,
            )
            for u, uid in enumerate(user_ids)
        ),
    )
    _copy(
        cur,
        "org_accounts",
        ["tenant_id", "id", "user_id", "organisation_id", "created_at"],
        ((tid, _unit_ids(k, 2) + u, uid, org_ids[u], now) for u, uid in enumerate(user_ids)),
    )
    today = date.today()
    _copy(
        cur,
        "alliance_agreements",
        [
            "tenant_id",
            "id",
            "organisation_id",
            "signed_on",
            "starts_on",
            "ends_on",
            "summary",
            "attachment",
            "attachment_name",
            "created_at",
        ],
        (
            (
                tid,
                _unit_ids(k, 3) + u,
                oid,
                ends - timedelta(days=366),
                ends - timedelta(days=365),
                ends,
                "共建共享，服务社区",
                "",
                "",
                now,
            )
            for u, oid in enumerate(org_ids)
            # most in force, one in ten ending within the month, one in ten ended
            for ends in [
                today + timedelta(days=(-20 if u % 10 == 0 else 20 if u % 10 == 1 else 200))
            ]
        ),
    )
    event_ids = [_ids(k, 3) + e for e in range(EVENTS)]
    registration_ids = [_unit_ids(k, 4) + u for u in range(UNITS)]
    _copy(
        cur,
        "registrations",
        [
            "tenant_id",
            "id",
            "event_id",
            "user_id",
            "headcount",
            "member_names",
            "status",
            "created_at",
        ],
        (
            (tid, rid, event_ids[u % EVENTS], user_ids[u], 5, "单位职工", "registered", now)
            for u, rid in enumerate(registration_ids)
        ),
    )
    volunteer_ids = [_ids(k, 2) + i for i in range(VOLUNTEERS)]
    _copy(
        cur,
        "alliance_unit_members",
        ["tenant_id", "id", "registration_id", "organisation_id", "user_id"],
        (
            (tid, _unit_ids(k, 5) + 2 * u + m, rid, org_ids[u], volunteer_ids[(2 * u + m) * 7])
            for u, rid in enumerate(registration_ids)
            for m in range(2)
        ),
    )


# --- the merchant alliance's directory: circles, merchants (organisation records and profiles) -----

#: the fixed list of categories (tenants.merchants.directory.CATEGORIES)
_CATEGORIES = ("food", "grocery", "beauty", "repair", "pharmacy", "education", "services", "other")


def _merchant_ids(k: int, offset: int) -> int:
    """Ids of the merchants' bench rows: one block (table 9), a thousand per kind of row."""
    return _ids(k, 9) + offset * 1000


def _merchants(cur, tid: int, k: int, now: datetime) -> None:
    """``CIRCLES`` business circles and ``MERCHANTS`` merchants (one in six a model merchant
    with its pledge, a few paused or gone), as the public directory reads them."""
    community_ids = [_ids(k, 1) + c for c in range(COMMUNITIES)]
    circle_ids = [_merchant_ids(k, 0) + c for c in range(CIRCLES)]
    org_ids = [_merchant_ids(k, 1) + m for m in range(MERCHANTS)]
    _copy(
        cur,
        "merchant_circles",
        ["tenant_id", "id", "name", "area", "community_id", "member_day", "created_at"],
        (
            (tid, cid, f"商圈{c}", "基准路", community_ids[c % COMMUNITIES], 27, now)
            for c, cid in enumerate(circle_ids)
        ),
    )
    _copy(
        cur,
        "organisations",
        [
            "tenant_id",
            "id",
            "kind",
            "name",
            "org_type",
            "party_org",
            "party_members",
            "contact_name",
            "contact_phone",
            "address",
            "community_id",
            "tags",
            "is_active",
            "created_at",
        ],  # fmt: skip
        (
            (
                tid,
                oid,
                "merchant",
                f"商户{m}",
                "",
                "",
                0,
                f"店长{m}",
                f"15{k % 1000:03d}{m:06d}",
                f"基准路{m}号",
                community_ids[m % COMMUNITIES],
                "早餐、送货上门" if m % 4 == 0 else "",
                m % 50 != 49,
                now,
            )  # fmt: skip
            for m, oid in enumerate(org_ids)
        ),
    )
    statuses = {49: "left", 23: "paused"}
    _copy(
        cur,
        "merchant_profiles",
        [
            "tenant_id",
            "id",
            "organisation_id",
            "circle_id",
            "category",
            "opening_hours",
            "is_model",
            "pledge",
            "status",
            "created_at",
        ],  # fmt: skip
        (
            (
                tid,
                _merchant_ids(k, 2) + m,
                oid,
                circle_ids[m % CIRCLES],
                _CATEGORIES[m % len(_CATEGORIES)],
                "每天 8:00–21:00",
                m % 6 == 0,
                "明码标价，诚信经营，服务居民。" if m % 6 == 0 else "",
                statuses.get(m % 50, "open"),
                now,
            )  # fmt: skip
            for m, oid in enumerate(org_ids)
        ),
    )


# --- grid governance: grids, their workers, the street's lists, a quarter of grid items --------------

#: grids a community has, and the grid items a street had over the last quarter (the issue's 400)
GRIDS, ITEMS = 4, 400
#: the street's levels (name, deadline hours) and categories (name, level), as a street keeps them
_LEVELS = (("紧急", 24), ("较急", 72), ("一般", 120))
_GRID_CATEGORIES = (
    ("环境卫生", 2),
    ("公共设施", 1),
    ("邻里纠纷", 2),
    ("安全隐患", 0),
    ("困难老人", 1),
)
_DEPARTMENTS = ("城管办", "综治中心", "社区事务办")
#: a community's items, in eightieths: the open statuses first, then rejected; the rest closed
_MIX = (("reported", 2), ("accepted", 2), ("assigned", 2), ("in_progress", 3), ("done", 2),
        ("checked", 1), ("rejected", 1))  # fmt: skip
#: the steps of the loop an item of each status has been through (a rejected one: the report only)
_REACHED = {"reported": 0, "rejected": 0, "accepted": 1, "assigned": 2, "in_progress": 3,
            "done": 4, "checked": 5, "closed": 6}  # fmt: skip


def _grid_ids(k: int, offset: int) -> int:
    """Ids of the grid's bench rows: table 0's block (free until now), ten thousand a kind."""
    return _ids(k, 0) + offset * 10_000


def worker_phone(k: int, w: int) -> str:
    """Grid worker ``w``'s account: beyond the volunteers' numbers, below the units'."""
    return f"13{k % 1000:03d}{800_000 + w:06d}"


def _item_status(m: int) -> str:
    """The status of a community's ``m``-th item: the mix spread over the quarter, not bunched."""
    r = (m * 17) % 80
    for status, share in _MIX:
        if r < share:
            return status
        r -= share
    return "closed"


def _grid(cur, tid: int, k: int, now: datetime) -> None:
    """What the grid worker's home reads: ``GRIDS`` grids a community, one grid-worker staff
    account a community (limited to it) holding its grids, the street's levels, categories and
    departments, and ``ITEMS`` items over the last quarter (most closed; about one in seven open,
    recent, some past their deadline), half reported by the grid's worker, half by residents, each
    with its first step."""
    community_ids = [_ids(k, 1) + c for c in range(COMMUNITIES)]
    level_ids = [_grid_ids(k, 0) + n for n in range(len(_LEVELS))]
    category_ids = [_grid_ids(k, 1) + n for n in range(len(_GRID_CATEGORIES))]
    department_ids = [_grid_ids(k, 2) + n for n in range(len(_DEPARTMENTS))]
    grid_ids = [_grid_ids(k, 3) + n for n in range(COMMUNITIES * GRIDS)]
    worker_ids = [_grid_ids(k, 4) + c for c in range(COMMUNITIES)]
    _copy(
        cur,
        "grid_item_levels",
        ["tenant_id", "id", "name", "deadline_hours", "position"],
        (
            (tid, lid, name, hours, n)
            for n, (lid, (name, hours)) in enumerate(zip(level_ids, _LEVELS, strict=True))
        ),
    )
    _copy(
        cur,
        "grid_item_categories",
        ["tenant_id", "id", "name", "level_id", "position"],
        (
            (tid, cid, name, level_ids[level], n)
            for n, (cid, (name, level)) in enumerate(
                zip(category_ids, _GRID_CATEGORIES, strict=True)
            )
        ),
    )
    _copy(
        cur,
        "grid_departments",
        ["tenant_id", "id", "name", "position"],
        (
            (tid, did, name, n)
            for n, (did, name) in enumerate(zip(department_ids, _DEPARTMENTS, strict=True))
        ),
    )
    _copy(
        cur,
        "users",
        USER_COLUMNS,
        (
            (
                tid,
                wid,
                worker_phone(k, c),
                f"网格员{c}",
                PASSWORD_HASH,
                "staff",
                c % 2 == 0,
                True,
                community_ids[c],
                True,
                TOKEN,
                now,
                now,
            )
            for c, wid in enumerate(worker_ids)
        ),  # fmt: skip
    )
    _copy(
        cur,
        "grids",
        ["tenant_id", "id", "community_id", "name", "worker_id", "position", "created_at"],
        (
            (
                tid,
                gid,
                community_ids[n // GRIDS],
                f"第{n % GRIDS + 1}网格",
                worker_ids[n // GRIDS],
                n % GRIDS,
                now,
            )
            for n, gid in enumerate(grid_ids)
        ),  # fmt: skip
    )
    items, steps, per_day = [], [], {}
    for n in range(ITEMS):
        c, m = n % COMMUNITIES, n // COMMUNITIES
        status = _item_status(m)
        category = (m * 3 + c) % len(_GRID_CATEGORIES)
        hours = _LEVELS[_GRID_CATEGORIES[category][1]][1]
        if status in ("closed", "rejected"):  # 14 to 90 days ago
            created = now - timedelta(days=14, hours=(n * 7919) % (76 * 24))
        else:  # 30 hours to 12 days ago: the day's steps are behind it
            created = now - timedelta(hours=30 + (n * 131) % (11 * 24))
        day = created.date()
        per_day[day] = per_day.get(day, 0) + 1
        by_worker = m % 2 == 0
        reporter = worker_ids[c] if by_worker else _ids(k, 2) + ((m * 13) % 400) * COMMUNITIES + c
        reached = _REACHED[status]  # how far along the loop: what it has been through
        accepted = created + timedelta(hours=2) if reached >= 1 else None
        assigned = created + timedelta(hours=4) if reached >= 2 else None
        done = assigned + timedelta(hours=12) if reached >= 4 else None
        checked = done + timedelta(hours=6) if reached >= 5 else None
        closed = checked + timedelta(days=1) if status == "closed" else None
        items.append((
            tid, _grid_ids(k, 5) + n, f"WG{day:%Y%m%d}-{per_day[day]:04d}", category_ids[category],
            f"{_GRID_CATEGORIES[category][0]}：请尽快处理（基准事项{n}）", community_ids[c],
            grid_ids[c * GRIDS + m % GRIDS], f"第{m % GRIDS + 1}网格{m % 9 + 1}号楼下", reporter,
            "grid_worker" if by_worker else "resident", not by_worker and m % 7 == 1, status, "grid",
            "department" if assigned else None, department_ids[m % len(_DEPARTMENTS)] if assigned else None,
            assigned + timedelta(hours=hours) if assigned else None, accepted, assigned, done, checked,
            closed, (True if m % 10 else None) if closed else None, created,
            closed or checked or done or assigned or accepted or created,
        ))  # fmt: skip
        steps.append(
            (
                tid,
                _grid_ids(k, 6) + n,
                _grid_ids(k, 5) + n,
                "report",
                reporter,
                "",
                "reported",
                "",
                created,
            )
        )
    _copy(
        cur,
        "grid_items",
        [
            "tenant_id",
            "id",
            "number",
            "category_id",
            "description",
            "community_id",
            "grid_id",
            "place",
            "reporter_id",
            "reporter_role",
            "anonymous",
            "status",
            "tier",
            "handler_kind",
            "handler_department_id",
            "due_at",
            "accepted_at",
            "assigned_at",
            "done_at",
            "checked_at",
            "closed_at",
            "satisfied",
            "created_at",
            "updated_at",
        ],  # fmt: skip
        items,
    )
    _copy(
        cur,
        "grid_item_steps",
        [
            "tenant_id",
            "id",
            "item_id",
            "kind",
            "actor_id",
            "note",
            "status",
            "detail",
            "created_at",
        ],
        steps,
    )


def sample_grid_workers(conn, streets: int, n: int) -> list[tuple]:
    """(tenant id, slug, user id, None, None) of up to ``n`` grid workers spread over the streets
    (the shape of ``sample_users``, for the same cookies)."""
    rows = []
    per_street = min(max(n // streets, 1), COMMUNITIES)
    for k in range(1, streets + 1):
        for c in range(per_street):
            rows.append((100_000 + k, street_slug(k), _grid_ids(k, 4) + c, None, None))
    return rows


def sample_units(conn, streets: int, n: int) -> list[tuple]:
    """(tenant id, slug, user id, None, None) of ``n`` unit accounts spread over the streets (the
    shape of ``sample_users``, for the same cookies)."""
    rows = []
    per_street = max(n // streets, 1)
    for k in range(1, streets + 1):
        for u in range(0, UNITS, max(UNITS // per_street, 1))[:per_street]:
            rows.append((100_000 + k, street_slug(k), _unit_ids(k, 1) + u, None, None))
    return rows


def sample_users(conn, streets: int, n: int) -> list[tuple[int, str, int, int]]:
    """(tenant id, slug, user id, newest entry id) of ``n`` volunteers spread over the streets."""
    rows = []
    per_street = max(n // streets, 1)
    for k in range(1, streets + 1):
        for i in range(0, VOLUNTEERS, max(VOLUNTEERS // per_street, 1))[:per_street]:
            passport_id = _ids(k, 5) + i
            newest = _ids(k, 6) + i * ENTRIES + ENTRIES - 1
            rows.append((100_000 + k, street_slug(k), _ids(k, 2) + i, passport_id, newest))
    return rows


def event_id(tenant_id: int, e: int = 0) -> int:
    """The id of upcoming event ``e`` of the street whose tenant id is ``tenant_id``."""
    return _ids(tenant_id - 100_000, 3) + e
