"""The demo street's seasonal campaigns (一季一品): this year's four from the template, each with
its targets and outlines, its activities on the events engine, and the two registries, after the
reference street's figures (../shared/domain/000: 230 job seekers, 800 positions, 100 hires; 92
households graded A/B/C, 48,000 元 of student aid to 27 students).

A season whose days are over is closed, the season of today is launched, a later one is still in
preparation (in December: spring, summer and autumn closed, winter launched). Its activities
before today are finished, with sign-ups and attendance of the demo volunteers (confirmed, with
their hours on the passports; campaign activities earn no points here, so no ledger line is
owed), the later ones published. The generated volunteers take part (``DEMO_SCALE`` above 0);
the fixed demo logins keep the events module's hand-written history.

Jobs (spring): about 40 employers (the first dozen are the demo alliance units), positions
totalling about 800 openings, 230 job seekers (invented names and phones), matches with about 300
interviews and 100 hires, employers' booths at the job fair.
Relief (winter): 92 households across the demo communities and grids (invented names; ID numbers
that pass cn.ric's checksum but are invented, kept only as the registry keeps them: a keyed hash
and a mask), money, goods and services given, visits with the next one due (some overdue).

Fixed size whatever ``DEMO_SCALE`` (these are one street's figures, not its population), every
row made in Python and written many to a statement (``bulk_insert``). Idempotent: made once per
year, when none of the year's campaigns exists.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, case, select, update
from sqlalchemy.orm import Session
from stdnum.cn import ric

from saas.auth.models import Role, User
from saas.db import new_id
from saas.demo import bulk_insert
from saas.streets.models import Tenant
from saas.ui import street_today, street_zone
from tenants.campaigns.jobs_models import (
    AgeBand,
    Booth,
    Employer,
    JobMatch,
    JobPosition,
    JobSeeker,
    MatchStatus,
)
from tenants.campaigns.models import (
    Campaign,
    CampaignEvent,
    CampaignStatus,
    Outline,
    Target,
    TargetEntry,
    TargetSource,
)
from tenants.campaigns.relief import id_number_hash, mask_id_number
from tenants.campaigns.relief_models import Assistance, Household, Visit
from tenants.campaigns.template import TEMPLATE, season_dates
from tenants.events.models import (
    Attendance,
    Audience,
    Event,
    EventKind,
    EventStatus,
    HoursSource,
    PointsMode,
    Registration,
    RegistrationStatus,
    new_checkin_secret,
)
from tenants.orgs.models import Organisation, OrgKind
from tenants.passport.models import Passport
from tenants.people.demo import GIVEN, SURNAMES, fixed_phones
from tenants.structure.models import Community, Grid

ADMIN_PHONE = "13900000001"
STAFF_PHONE = "13900000002"

#: season → its activities: title, month, day, start hour, hours, capacity, description
ACTIVITIES = {
    "spring": [
        ("党建联盟益企招聘会", 2, 22, 9, 4, 300, "联盟单位和辖区企业设摊招聘，现场登记求职。"),
        ("助企用工 暖心送岗", 3, 8, 9, 3, 60, "网格员入户送岗位信息，帮助适龄人员对接企业。"),
        ("求职技能提升培训", 3, 22, 14, 2, 40, "简历写作、面试技巧和电工、育婴员技能介绍。"),
    ],
    "summer": [
        ("青年户外徒步交友", 4, 19, 8, 4, 40, "沿滨河绿道徒步，边走边聊。"),
        ("全城热恋·社区交友会", 5, 20, 14, 3, 60, "面向辖区企业单身青年的线下交友活动。"),
        ("端午包粽子联谊会", 6, 7, 9, 3, 40, "一起包粽子、做香囊，认识新朋友。"),
        ("企业白领联谊会", 6, 21, 19, 2, 50, "联合企业服务中心举办的白领交流会。"),
    ],
    "autumn": [
        ("太极拳班", 7, 5, 8, 2, 30, "老年教育教学班：每周六上午，专业老师授课。"),
        ("形体舞班", 8, 2, 15, 2, 30, "老年教育教学班：舒展身心，结识舞友。"),
        ("合唱班", 8, 16, 15, 2, 40, "老年教育教学班：红歌和经典老歌。"),
        ("重阳节敬老活动", 9, 28, 9, 3, 80, "为辖区高龄老人举办集体生日会。"),
    ],
    "winter": [
        ("助学金发放仪式", 11, 8, 10, 2, 60, "为困难学生发放助学金，联盟单位代表出席。"),
        ("困难家庭走访慰问", 12, 6, 9, 4, 30, "党员干部结对走访 A、B、C 类困难家庭。"),
        ("新春送温暖志愿服务", 12, 27, 9, 3, 40, "为困难家庭送年货、写春联、打扫卫生。"),
    ],
}

_COMPANY_PLACES = "东方华夏金桥海川云帆恒信瑞丰博远嘉禾鸿运天成启明晨光宏达百川立信同心致远锦程润泽"
_COMPANY_TRADES = ("电子科技有限公司", "食品有限公司", "物流有限公司", "精密机械有限公司",
                   "家政服务有限公司", "餐饮管理有限公司", "服装有限公司", "新材料有限公司",
                   "汽车配件有限公司", "日化有限公司", "环保科技有限公司")  # fmt: skip
#: title, pay range (元/月), requirements
_POSITIONS = (
    ("普工", 4200, 5500, "18–50 岁，能适应两班倒"),
    ("操作工", 4500, 6000, "初中及以上学历，身体健康"),
    ("仓库管理员", 4000, 5000, "会使用电脑，细心负责"),
    ("质检员", 4500, 5800, "有质检经验者优先"),
    ("叉车司机", 5500, 7000, "持叉车证"),
    ("电工", 6000, 8000, "持低压电工证"),
    ("保洁员", 2800, 3500, "60 岁以下，就近优先"),
    ("厨师", 5000, 7000, "一年以上经验"),
    ("客服专员", 4000, 5500, "普通话标准"),
    ("销售代表", 4000, 9000, "底薪加提成"),
    ("育婴员", 5000, 7000, "持育婴员证"),
    ("会计", 5000, 7000, "持初级会计证"),
)
_SKILLS = ("电工", "驾驶", "电脑操作", "烹饪", "育婴", "仓储", "销售", "缝纫", "会计", "普工")
#: about a fifth of the households are students' (27 students helped, 48,000 元 of aid)
STUDENT_HOUSEHOLDS = 27
STUDENT_AID = Decimal(48000)
HOUSEHOLDS = 92
#: how often a household of each grade is visited (days)
VISIT_EVERY = {"A": 30, "B": 60, "C": 90}
_REASONS = ("dibao", "disability", "illness", "unemployed", "elderly", "other")
#: ID numbers' region codes (invented people, real codes valid for every birth year since
#: 1950, so the numbers pass cn.ric)
_REGIONS = ("110101", "110102", "310101")
#: the relief area's HMAC purpose (tenants/campaigns/relief.py, built at the same time): the
#: demo's keys are the ones the registry computes, so a typed ID number finds its demo household


def load_demo(session: Session, tenant: Tenant) -> None:
    today = street_today()
    year = today.year
    if session.scalar(select(Campaign.id).where(Campaign.year == year).limit(1)):
        return
    rng = random.Random(f"campaigns-demo-{year}")
    admin_id = session.scalar(select(User.id).where(User.phone == ADMIN_PHONE))
    staff_id = session.scalar(select(User.id).where(User.phone == STAFF_PHONE)) or admin_id
    campaigns = _campaigns(session, tenant, year, today, admin_id, staff_id)
    _activities(session, tenant, campaigns, today, rng, staff_id)
    spring = campaigns.get("spring")
    if spring is not None and spring["starts_on"] <= today:
        _jobs(session, tenant, spring, today, rng, staff_id)
    winter = campaigns["winter"]
    _relief(session, tenant, winter, today, rng, staff_id)
    session.flush()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=street_zone()).astimezone(UTC)


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    )


def _phones(rng: random.Random, prefixes: tuple[str, ...], count: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(rng.choice(prefixes) + f"{rng.randrange(10**8):08d}")
    return sorted(seen, key=lambda _p: rng.random())


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))


# --- campaigns, targets, outlines ----------------------------------------------------------------


def _campaigns(session, tenant, year, today, admin_id, staff_id) -> dict[str, dict]:
    campaigns, targets, outlines, entries = {}, [], [], []
    for plan in TEMPLATE:
        starts_on, ends_on = season_dates(year, plan.season)
        if ends_on < today:
            status = CampaignStatus.closed
        elif starts_on <= today:
            status = CampaignStatus.launched
        else:
            status = CampaignStatus.draft
        row = {
            "tenant_id": tenant.id,
            "id": new_id(),
            "year": year,
            "season": str(plan.season),
            "theme": str(plan.theme),
            "custom_theme": "",
            "name": plan.name,
            "description": plan.description,
            "starts_on": starts_on,
            "ends_on": ends_on,
            "owner_id": staff_id,
            "status": status,
            "launched_at": _at(starts_on - timedelta(days=7), 10)
            if status != CampaignStatus.draft
            else None,
            "closed_at": _at(ends_on + timedelta(days=1), 10)
            if status == CampaignStatus.closed
            else None,
            "created_by": admin_id,
            "created_at": _at(date(year, 1, 1) - timedelta(days=20), 10),
        }
        campaigns[str(plan.season)] = row
        for position, target in enumerate(plan.targets):
            target_id = new_id()
            targets.append(
                {
                    "tenant_id": tenant.id,
                    "id": target_id,
                    "campaign_id": row["id"],
                    "name": target.name,
                    "unit": target.unit,
                    "target_value": Decimal(target.value),
                    "source": TargetSource.computed if target.kpi else TargetSource.entered,
                    "kpi": target.kpi,
                    "position": position,
                    "reached_at": None,
                    "created_at": row["created_at"],
                }
            )
            if target.kpi is None and starts_on <= today:
                # entered by staff: the students helped, in two dated entries
                for day, value, note in (
                    (min(today, starts_on + timedelta(days=38)), 15, "第一批助学金发放"),
                    (min(today, starts_on + timedelta(days=60)), 12, "第二批助学金发放"),
                ):
                    entries.append(
                        {
                            "tenant_id": tenant.id,
                            "id": new_id(),
                            "target_id": target_id,
                            "entered_on": day,
                            "value": Decimal(value),
                            "note": note,
                            "entered_by": staff_id,
                            "created_at": _at(day, 17),
                        }
                    )
        for position, outline in enumerate(plan.outlines):
            outlines.append(
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "campaign_id": row["id"],
                    "title": outline.title,
                    "description": outline.description,
                    "month": outline.month,
                    "position": position,
                }
            )
    bulk_insert(session, Campaign, campaigns.values())
    bulk_insert(session, Target, targets)
    bulk_insert(session, TargetEntry, entries)
    bulk_insert(session, Outline, outlines)
    return campaigns


# --- activities on the events engine --------------------------------------------------------------


def _activities(session, tenant, campaigns, today, rng, staff_id) -> None:
    # the generated volunteers (the fixed demo logins keep their hand-written history)
    volunteers = session.scalars(
        select(User.id)
        .where(User.role == Role.volunteer, User.phone.not_in(sorted(fixed_phones())))
        .order_by(User.phone)
    ).all()
    outline_ids = dict(
        session.execute(
            select(Outline.title, Outline.id).where(
                Outline.campaign_id.in_([c["id"] for c in campaigns.values()])
            )
        ).all()
    )
    now = datetime.now(UTC)
    events, links, registrations, attendances = [], [], [], []
    hours_of: dict[int, Decimal] = {}
    for season, plans in ACTIVITIES.items():
        campaign = campaigns[season]
        if campaign["status"] == CampaignStatus.draft:
            continue
        for title, month, day, hour, hours, capacity, text in plans:
            starts = _at(date(campaign["year"], month, day), hour)
            ends = starts + timedelta(hours=hours)
            past = ends < now
            event_id = new_id()
            wanted = min(len(volunteers), round(capacity * rng.uniform(0.4, 0.8)))
            signed = rng.sample(list(volunteers), wanted) if past else volunteers[: wanted // 3]
            events.append(
                {
                    "tenant_id": tenant.id,
                    "id": event_id,
                    "title": title,
                    "description": text,
                    "kind": EventKind.campaign,
                    "community_id": None,
                    "place": "街道党群服务中心",
                    "starts_at": starts,
                    "ends_at": ends,
                    "capacity": capacity,
                    "waitlist_enabled": True,
                    "audience": Audience.public,
                    # campaign activities earn no points in the demo (see the docstring)
                    "points_mode": PointsMode.fixed,
                    "points_value": 0,
                    "status": EventStatus.finished if past else EventStatus.published,
                    "seats_taken": len(signed),
                    "waitlist_seq": 0,
                    "checkin_secret": new_checkin_secret(),
                    "created_by": staff_id,
                    "created_at": starts - timedelta(days=20),
                    "published_at": starts - timedelta(days=14),
                    "reminded_at": starts - timedelta(days=1) if past else None,
                }
            )
            links.append(
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "campaign_id": campaign["id"],
                    "event_id": event_id,
                    "outline_id": outline_ids.get(title),
                    "is_job_fair": title == "党建联盟益企招聘会",
                }
            )
            for user_id in signed:
                registrations.append(
                    {
                        "tenant_id": tenant.id,
                        "id": new_id(),
                        "event_id": event_id,
                        "user_id": user_id,
                        "headcount": 1,
                        "status": RegistrationStatus.registered,
                        "created_at": starts - timedelta(hours=rng.randint(20, 240)),
                    }
                )
                if not past or rng.random() < 0.1:  # not yet held, or did not come
                    continue
                arrived = starts + timedelta(minutes=rng.randint(0, 10))
                worked = Decimal(hours)
                hours_of[user_id] = hours_of.get(user_id, Decimal(0)) + worked
                attendances.append(
                    {
                        "tenant_id": tenant.id,
                        "id": new_id(),
                        "event_id": event_id,
                        "user_id": user_id,
                        "checked_in_at": arrived,
                        "checked_out_at": arrived + timedelta(hours=hours),
                        "hours": worked,
                        "source": HoursSource.recorded,
                        "confirmed_at": ends + timedelta(hours=3),
                        "confirmed_by": staff_id,
                        "created_at": arrived,
                    }
                )
    bulk_insert(session, Event, events)
    bulk_insert(session, CampaignEvent, links)
    bulk_insert(session, Registration, registrations)
    bulk_insert(session, Attendance, attendances)
    _add_hours(session, tenant.id, hours_of, today.year)


def _add_hours(session: Session, tenant_id: int, hours_of: dict[int, Decimal], year: int) -> None:
    """The confirmed hours on the volunteers' passports, as the passport's receiver adds them
    (all of this year's): one statement for all of them."""
    if not hours_of:
        return
    table = Passport.__table__
    hours = bindparam("hours", type_=table.c.hours_total.type)
    session.connection().execute(
        update(table)
        .where(table.c.tenant_id == tenant_id, table.c.user_id == bindparam("uid"))
        .values(
            hours_total=table.c.hours_total + hours,
            hours_year=case(
                (table.c.hours_year_of == year, table.c.hours_year + hours),
                (table.c.hours_year_of < year, hours),
                else_=table.c.hours_year,
            ),
            hours_year_of=case((table.c.hours_year_of < year, year), else_=table.c.hours_year_of),
        ),
        [{"uid": uid, "hours": value} for uid, value in hours_of.items()],
    )


# --- the jobs registry ---------------------------------------------------------------------------


def _jobs(session, tenant, spring, today, rng, staff_id) -> None:
    last = min(today, spring["ends_on"])
    communities = session.scalars(select(Community.id).order_by(Community.position)).all()
    units = session.execute(
        select(Organisation.id, Organisation.name, Organisation.community_id)
        .where(Organisation.kind == OrgKind.alliance)
        .order_by(Organisation.created_at, Organisation.id)
        .limit(12)
    ).all()
    taken = set(session.scalars(select(Employer.name)))
    linked = set(session.scalars(select(Employer.organisation_id)))
    employers = []
    for unit in units:
        if unit.name in taken or unit.id in linked:
            continue
        employers.append((unit.id, unit.name, unit.community_id))
    taken |= {unit.name for unit in units} | set(
        session.scalars(select(Organisation.name).where(Organisation.kind == OrgKind.alliance))
    )
    places = [_COMPANY_PLACES[i : i + 2] for i in range(0, len(_COMPANY_PLACES), 2)]
    names = [place + trade for trade in _COMPANY_TRADES for place in places]
    rng.shuffle(names)
    for name in names:
        if len(employers) >= 40:
            break
        if name not in taken:
            employers.append((None, name, rng.choice(communities) if communities else None))
            taken.add(name)
    employer_rows = [
        {
            "tenant_id": tenant.id,
            "id": new_id(),
            "organisation_id": organisation_id,
            "name": name,
            "contact_name": _name(rng),
            "contact_phone": phone,
            "community_id": community_id,
            "created_at": _at(spring["starts_on"], 9),
        }
        for (organisation_id, name, community_id), phone in zip(
            employers, _phones(rng, ("133", "153", "173"), len(employers)), strict=True
        )
    ]
    # positions: 2–4 per employer, about 800 openings in all
    positions = []
    for employer in employer_rows:
        for _ in range(rng.randint(2, 4)):
            title, pay_min, pay_max, needs = rng.choice(_POSITIONS)
            positions.append(
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "campaign_id": spring["id"],
                    "employer_id": employer["id"],
                    "title": title,
                    "openings": rng.randint(2, 12),
                    "pay_min": pay_min,
                    "pay_max": pay_max,
                    "requirements": needs,
                    "status": "open",
                    "created_by": staff_id,
                    "created_at": _at(_day_between(rng, spring["starts_on"], last), 10),
                }
            )
    total = sum(p["openings"] for p in positions)
    for position in positions:  # scaled to about 800
        position["openings"] = max(1, round(position["openings"] * 800 / total))
    seekers = [
        {
            "tenant_id": tenant.id,
            "id": new_id(),
            "campaign_id": spring["id"],
            "user_id": None,
            "name": _name(rng),
            "phone": phone,
            "age_band": rng.choices(list(AgeBand), (3, 5, 4, 3, 1))[0],
            "skills": "、".join(rng.sample(_SKILLS, rng.randint(1, 2))),
            "wanted": rng.choice(_POSITIONS)[0],
            "community_id": rng.choice(communities) if communities else None,
            "created_by": staff_id,
            "created_at": _at(_day_between(rng, spring["starts_on"], last), rng.randint(9, 16)),
        }
        for phone in _phones(rng, ("134", "154", "178"), 230)
    ]
    # matches: 100 hired, 200 more interviewed (60 of them declined after), 60 only put forward
    matches = []
    order = rng.sample(range(len(seekers)), len(seekers))
    plan = (
        [MatchStatus.hired] * 100
        + [MatchStatus.interview] * 140
        + [MatchStatus.declined] * 60
        + [MatchStatus.matched] * 60
    )
    for i, status in enumerate(plan):
        seeker = seekers[order[i % len(order)]]
        position = positions[(i * 7) % len(positions)]
        put_forward = max(seeker["created_at"], position["created_at"]) + timedelta(days=2)
        interview = put_forward + timedelta(days=rng.randint(2, 6))
        hired_on = (interview + timedelta(days=rng.randint(3, 10))).date()
        if hired_on > today:
            hired_on = today
        matches.append(
            {
                "tenant_id": tenant.id,
                "id": new_id(),
                "seeker_id": seeker["id"],
                "position_id": position["id"],
                "status": status,
                "interview_at": None if status == MatchStatus.matched else interview,
                "hired_on": hired_on if status == MatchStatus.hired else None,
                "note": "",
                "created_by": staff_id,
                "created_at": put_forward,
                "updated_at": interview if status != MatchStatus.matched else None,
            }
        )
    bulk_insert(session, Employer, employer_rows)
    bulk_insert(session, JobPosition, positions)
    bulk_insert(session, JobSeeker, seekers)
    bulk_insert(session, JobMatch, _unique(matches))
    fair = session.scalar(
        select(CampaignEvent.event_id).where(
            CampaignEvent.campaign_id == spring["id"], CampaignEvent.is_job_fair.is_(True)
        )
    )
    if fair is not None:
        bulk_insert(
            session,
            Booth,
            (
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "event_id": fair,
                    "employer_id": employer["id"],
                    "label": f"{'ABC'[i // 10]}{i % 10 + 1}",
                }
                for i, employer in enumerate(employer_rows[:30])
            ),
        )


def _unique(matches: list[dict]) -> list[dict]:
    """One match per seeker and position (the table's key)."""
    seen, kept = set(), []
    for match in matches:
        key = (match["seeker_id"], match["position_id"])
        if key not in seen:
            seen.add(key)
            kept.append(match)
    return kept


# --- the relief registry -------------------------------------------------------------------------


def demo_id_number(rng: random.Random) -> str:
    """An invented 18-character ID number that passes cn.ric (region, birth date, check digit)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 50 * 365))
    body = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{rng.randint(100, 999)}"
    return body + ric.calc_check_digit(body + "0")


def _relief(session, tenant, winter, today, rng, staff_id) -> None:
    if session.scalar(select(Household.id).limit(1)):
        return  # the registry outlives a year's campaign: made once
    grids = session.execute(select(Grid.id, Grid.community_id).order_by(Grid.position)).all()
    if not grids:
        return
    first = winter["starts_on"] if winter["starts_on"] <= today else today - timedelta(days=80)
    households, numbers = [], set()
    grades = ["A"] * 18 + ["B"] * 34 + ["C"] * 40
    rng.shuffle(grades)
    phones = _phones(rng, ("135", "155", "181"), HOUSEHOLDS)
    for i in range(HOUSEHOLDS):
        number = demo_id_number(rng)
        while number in numbers:
            number = demo_id_number(rng)
        numbers.add(number)
        grid_id, community_id = grids[i % len(grids)]
        households.append(
            {
                "tenant_id": tenant.id,
                "id": new_id(),
                "head_name": _name(rng),
                "id_number_hash": id_number_hash(tenant.id, number),
                "id_number_masked": mask_id_number(number),
                "phone": phones[i],
                "grade": grades[i],
                "reason": "student" if i < STUDENT_HOUSEHOLDS else rng.choice(_REASONS),
                "size": rng.randint(1, 6),
                "community_id": community_id,
                "grid_id": grid_id,
                "address": f"{rng.randint(1, 8)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室",
                "note": "",
                "status": "active",
                "next_visit_on": None,
                "visit_reminded_for": None,
                "created_by": staff_id,
                "created_at": _at(first - timedelta(days=rng.randint(30, 300)), 10),
            }
        )
    givers = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind == OrgKind.alliance)
        .order_by(Organisation.created_at, Organisation.id)
        .limit(8)
    ).all()
    assistance, visits = [], []

    def give(household, kind, amount, text, day):
        giver = rng.choice(givers) if givers and rng.random() < 0.6 else None
        assistance.append(
            {
                "tenant_id": tenant.id,
                "id": new_id(),
                "household_id": household["id"],
                "kind": kind,
                "amount": amount,
                "description": text,
                "given_on": day,
                "giver_org_id": giver.id if giver else None,
                "giver_name": giver.name if giver else "街道",
                "recorded_by": staff_id,
                "created_at": _at(day, 16),
            }
        )

    # student aid: 48,000 元 to the 27 students' households (20 × 2,000, 7 × 1,142.86 …)
    shares = [Decimal(2000)] * 20
    rest = STUDENT_AID - sum(shares)
    shares += [(rest / 7).quantize(Decimal("0.01"))] * 6
    shares.append(STUDENT_AID - sum(shares))
    for household, amount in zip(households[:STUDENT_HOUSEHOLDS], shares, strict=True):
        give(
            household,
            "money",
            amount,
            "助学金",
            _day_between(rng, first, min(today, first + timedelta(days=40))),
        )
    for household in households:
        if rng.random() < 0.7:
            give(household, "goods", Decimal(rng.choice((200, 300, 500, 800))),
                 rng.choice(("米面油", "棉被冬衣", "年货礼包")), _day_between(rng, first, today))  # fmt: skip
        if household["grade"] == "A" or rng.random() < 0.25:
            give(household, "service", Decimal(rng.choice((0, 100, 150))),
                 rng.choice(("上门保洁", "代购药品", "心理疏导", "家电维修")),
                 _day_between(rng, first, today))  # fmt: skip
        # visits: the latest one sets when the next is due; about one in eight is overdue
        every = VISIT_EVERY[household["grade"]]
        overdue = rng.random() < 0.125
        latest = today - timedelta(
            days=every + rng.randint(3, 20) if overdue else rng.randint(0, every - 5)
        )
        day = latest - timedelta(days=every * rng.randint(1, 2))
        for visited in sorted({day, latest}):
            visits.append(
                {
                    "tenant_id": tenant.id,
                    "id": new_id(),
                    "household_id": household["id"],
                    "visited_on": visited,
                    "visitor_id": staff_id,
                    "found": rng.choice(("生活基本稳定", "老人身体欠佳，需常去看看", "孩子学习有进步",
                                         "取暖需要帮助", "已对接就业岗位")),
                    "next_due": visited + timedelta(days=every),
                    "created_at": _at(visited, 17),
                }
            )  # fmt: skip
        household["next_visit_on"] = latest + timedelta(days=every)
    bulk_insert(session, Household, households)
    bulk_insert(session, Assistance, assistance)
    bulk_insert(session, Visit, visits)
