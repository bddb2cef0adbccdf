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
        [
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
        ],
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
        [
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
        ],
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
