"""Cross-street isolation, walked over the app's whole URL map.

Every route under /<tenant>/ that takes an id is requested by street B's admin with street A's
ids: the answer is 404 and nothing of A's shows or changes. Every route of street A requested with
B's session gets A's login page (the cookie is worthless there), never A's data. A route added next
month is covered without anyone remembering to add it; a route whose id argument this test does
not know fails until it is taught here.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saas.audit.models import AuditEntry
from saas.auth.models import User
from saas.exports.models import ExportJob  # exports built by a job
from saas.extensions import db
from saas.imports.models import ImportIssue, ImportJob  # imports
from saas.notify.models import Notification
from saas.rights.models import DeletionRequest  # rights: deletion requests
from tenants.alliance.models import (
    Agreement,
    Meeting,
    MeetingInvite,
    MemberReport,
    Need,
    Post,
    PostClaim,
    Project,
    Resolution,
    Resource,
)
from tenants.campaigns.jobs_models import (  # campaigns, area "jobs"
    Booth,
    Employer,
    JobMatch,
    JobPosition,
    JobSeeker,
)
from tenants.campaigns.models import Campaign, Outline, Target  # campaigns, area "campaigns"
from tenants.campaigns.relief_models import Household  # campaigns, area "relief"
from tenants.events.models import Attendance, Event, Registration
from tenants.grid import models as grid_figures  # grid, area "figures"
from tenants.grid import models as visits_models  # grid, area "visits"
from tenants.grid.models import (
    GridItem,  # grid, base
    ItemPhoto,  # grid, area "report"
)
from tenants.merchants.models import (  # merchants, area "voting"
    Candidate,
    Circle,
    MemberDay,
    Merchant,
    Offer,
    Statement,
    VotingRound,
)
from tenants.orgs.models import Organisation
from tenants.passport.models import Passport, PointEntry, PointLot, Redemption, Reward
from tenants.structure.models import Building, Community, Grid
from tenants.wishes.models import Wish
from tests.conftest import PASSWORD, both_backends, login

#: URL argument → the model whose id it carries
ID_ARGS = {
    "community_id": Community,
    "grid_id": Grid,
    "building_id": Building,
    "user_id": User,
    "notification_id": Notification,
    "entry_id": AuditEntry,
    "event_id": Event,
    "registration_id": Registration,
    "attendance_id": Attendance,
    "passport_id": Passport,
    "point_entry_id": PointEntry,
    "lot_id": PointLot,
    "reward_id": Reward,
    "redemption_id": Redemption,
    "wish_id": Wish,
    # alliance units
    "organisation_id": Organisation,
    "agreement_id": Agreement,
    # alliance, meetings area
    "meeting_id": Meeting,
    "resolution_id": Resolution,
    # alliance, area "lists"
    "report_id": MemberReport,
    "post_id": Post,
    "need_id": Need,
    "resource_id": Resource,
    "project_id": Project,
    # merchants, area "directory" (merchants are organisation records: organisation_id above)
    "circle_id": Circle,
    # merchants, area "voting"
    "round_id": VotingRound,
    "candidate_id": Candidate,
    # merchants, area "memberday": member days, offers, statements
    "member_day_id": MemberDay,
    "offer_id": Offer,
    "statement_id": Statement,
    # end of area "memberday"
    # campaigns, area "campaigns": campaigns, their targets and outlines
    "campaign_id": Campaign,
    "target_id": Target,
    "outline_id": Outline,
    # end of campaigns, area "campaigns"
    # campaigns, area "relief": households in difficulty (三库一单)
    "household_id": Household,
    # end of campaigns, area "relief"
    # campaigns, area "jobs": the jobs registry and job fairs' booths
    "employer_id": Employer,
    "position_id": JobPosition,
    "seeker_id": JobSeeker,
    "match_id": JobMatch,
    "booth_id": Booth,
    # end of campaigns, area "jobs"
    # grid, base: grid items
    "item_id": GridItem,
    # end of grid, base
    # grid, area "report": photos of grid items
    "photo_id": ItemPhoto,
    # end of grid, area "report"
    # grid, area "visits": visit groups and the residents in them
    "group_id": visits_models.VisitGroup,
    "subject_id": visits_models.VisitSubject,
    # end of grid, area "visits"
    # grid, area "figures": the street's levels, categories and departments
    "level_id": grid_figures.ItemLevel,
    "category_id": grid_figures.ItemCategory,
    "department_id": grid_figures.Department,
    # end of grid, area "figures"
    # exports built by a job (saas.exports)
    "export_id": ExportJob,
    # end of exports
    # rights: a person's deletion request (注销申请)
    "request_id": DeletionRequest,
    # end of rights
    # imports: an uploaded file and its problems
    "batch_id": ImportJob,
    # end of imports
}
#: arguments that are not ids, with a value to fill in
OTHER_ARGS = {
    "tenant": None,
    "action": "rename",
    "filename": "app.css",
    "code": "en",
    "tenant_id": 1,  # platform pages only: operators act on streets by id
    "token": "forged-token",  # signed check-in links: another street's is as good as forged
    "month": "2026-11",  # alliance monthly reports: /…/report/<month>.xlsx
    "importer": "volunteers",  # imports: what is imported (a declared key, not an id)
}
SECRET = "甲街道机密"
PUBLIC_COMMUNITY = "甲街道公开社区"


def tenant_rules(app):
    return [r for r in app.url_map.iter_rules() if "tenant" in r.arguments]


def _seed_street_a(app, scoped, street, make_user):
    user_id, _ = make_user(street, name=SECRET)
    with scoped(street) as session:
        # community names are public (the join page lists them); everything else is not
        community = Community(name=PUBLIC_COMMUNITY)
        session.add(community)
        session.flush()
        grid = Grid(community_id=community.id, name=SECRET + "网格")
        session.add(grid)
        session.flush()
        building = Building(grid_id=grid.id, name=SECRET + "楼")
        session.add(building)
        from saas.notify.services import notify

        user = session.scalar(select(User).where(User.id == user_id))
        note = notify(session, user, "welcome", SECRET + "通知")
        session.flush()
        entry = session.scalar(select(AuditEntry).limit(1))
        # rights: a refused deletion request, its reason the secret
        deletion = DeletionRequest(user_id=user_id, status="refused", reason=SECRET + "原因")
        session.add(deletion)
        session.flush()
        # end of rights
        ids = _seed_module_rows(session, community.id, user_id) | {
            DeletionRequest: deletion.id,
            Community: community.id,
            Grid: grid.id,
            Building: building.id,
            User: user_id,
            Notification: note.id,
            AuditEntry: entry.id,
        }
        ids |= _seed_exports(session, user_id)  # exports built by a job
        session.commit()
    return ids


# --- exports built by a job (saas.exports) ---
def _seed_exports(session, user_id: int) -> dict:
    """A ready export of street A's user, its file on disk, the secret in its name and file."""
    from datetime import timedelta

    from saas.db import utcnow
    from saas.exports.services import export_dir

    export = ExportJob(owner_id=user_id, path="/alpha/passports/export.xlsx",
                        query="q=" + SECRET, filename=SECRET + ".xlsx", rows=1, status="ready",
                        expires_at=utcnow() + timedelta(days=7))  # fmt: skip
    session.add(export)
    session.flush()
    export.stored_path = f"{export.tenant_id}/{export.id}.xlsx"
    path = export_dir() / export.stored_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SECRET)
    return {ExportJob: export.id}


# --- end of exports ---


def _seed_module_rows(session, community_id: int, user_id: int) -> dict:
    """One row of every module's tables in street A, each carrying the secret where it has text."""
    from datetime import timedelta

    from saas.db import utcnow

    event = Event(
        title=SECRET + "活动",
        community_id=community_id,
        starts_at=utcnow() + timedelta(days=1),
        ends_at=utcnow() + timedelta(days=1, hours=2),
        status="published",
        capacity=10,
    )
    reward = Reward(name=SECRET + "奖品", price=10, stock=5)
    wish = Wish(title=SECRET + "心愿", community_id=community_id, wisher_id=user_id)
    passport = Passport(user_id=user_id, number="SECRET-000001", balance=10)
    session.add_all([event, reward, wish, passport])
    session.flush()
    registration = Registration(event_id=event.id, user_id=user_id)
    attendance = Attendance(event_id=event.id, user_id=user_id, checked_in_at=utcnow())
    point_entry = PointEntry(
        passport_id=passport.id,
        delta=10,
        kind="earn",
        source_key="seed",
        balance_after=10,
        reason=SECRET,
    )
    redemption = Redemption(
        reward_id=reward.id, passport_id=passport.id, code="SECRET01", points=10
    )
    session.add_all([registration, attendance, point_entry, redemption])
    session.flush()
    lot = PointLot(passport_id=passport.id, entry_id=point_entry.id, points=10, remaining=10)
    session.add(lot)
    session.flush()
    # alliance units: a unit and its agreement (with an attachment name, so its route is reached)
    unit = Organisation(
        kind="alliance", name=SECRET + "共建单位", contact_name=SECRET, community_id=community_id
    )
    session.add(unit)
    session.flush()
    agreement = Agreement(
        organisation_id=unit.id,
        signed_on=utcnow().date(),
        starts_on=utcnow().date(),
        ends_on=utcnow().date() + timedelta(days=365),
        summary=SECRET + "协议",
        attachment="0" * 32 + ".pdf",
        attachment_name=SECRET + ".pdf",
    )
    session.add(agreement)
    # alliance, meetings area: a meeting the unit is invited to, a resolution it owns
    meeting = Meeting(title=SECRET + "会议", starts_at=utcnow(), minutes=SECRET + "纪要")
    session.add(meeting)
    session.flush()
    invite = MeetingInvite(meeting_id=meeting.id, organisation_id=unit.id, attended=True)
    resolution = Resolution(
        meeting_id=meeting.id,
        text=SECRET + "决议",
        owner_organisation_id=unit.id,
        due_on=utcnow().date(),
    )
    session.add_all([invite, resolution])
    session.flush()
    # merchant alliance, area "home": a merchant co-hosting the event, the user its party member
    from tenants.merchants.home_models import MerchantMember
    from tenants.merchants.models import EventHost

    merchant = Organisation(
        kind="merchant", name="甲街道联合主办商户", contact_name=SECRET
    )  # names are public
    session.add(merchant)
    session.flush()
    session.add_all(
        [
            EventHost(event_id=event.id, organisation_id=merchant.id),
            MerchantMember(organisation_id=merchant.id, user_id=user_id),
        ]
    )
    session.flush()
    # end of merchant alliance, area "home"
    lists = _seed_alliance_lists(session, community_id, user_id)
    lists |= _seed_merchant_directory(session, community_id)
    lists |= _seed_merchant_voting(session, user_id)  # merchants, area "voting"
    memberday = _seed_merchants_memberday(session, event.id, reward.id)
    campaigns = _seed_campaigns(session)  # campaigns, area "campaigns"
    memberday |= _seed_campaigns_relief(session, community_id, user_id)  # campaigns, "relief"
    # the event is the 相亲结缘 campaign's (an event belongs to one campaign)
    campaigns |= _seed_campaigns_dashboard(session, event.id, user_id)
    campaigns |= _seed_grid(session, community_id, user_id)  # grid, base
    campaigns |= _seed_grid_map(session, community_id)  # grid, area "map"
    campaigns |= _seed_grid_report(session, campaigns[GridItem])  # grid, area "report"
    campaigns |= _seed_grid_visits(session, community_id, user_id)  # grid, area "visits"
    campaigns |= _seed_grid_figures(session, user_id)  # grid, area "figures"
    campaigns |= _seed_imports(session, user_id)  # imports
    memberday |= _seed_campaigns_jobs(session, community_id, user_id)  # campaigns, area "jobs"
    # passport, area "service records out" (issue 13, operator)
    memberday |= _seed_service_records(session, user_id)
    memberday |= _seed_daily_figures(session, community_id)  # figures (reports)
    return (
        lists
        | memberday
        | campaigns
        | {
            Event: event.id,
            Registration: registration.id,
            Attendance: attendance.id,
            Passport: passport.id,
            PointEntry: point_entry.id,
            PointLot: lot.id,
            Reward: reward.id,
            Redemption: redemption.id,
            Wish: wish.id,
            Organisation: unit.id,
            Agreement: agreement.id,
            Meeting: meeting.id,
            MeetingInvite: invite.id,
            Resolution: resolution.id,
        }
    )


# --- figures (saas.figures): one kept day of a figure, its key carrying the secret; the reports
# have no id in their URLs ---
def _seed_daily_figures(session, community_id: int) -> dict:
    from datetime import date

    from saas.figures.models import DailyFigure

    day = DailyFigure(
        key=SECRET + ".figure", day=date(2026, 3, 1), community_id=community_id, value=7
    )
    session.add(day)
    session.flush()
    return {DailyFigure: day.id}


# --- end of figures ---


# --- campaigns, area "dashboard" ---
def _seed_campaigns_dashboard(session, event_id: int, user_id: int) -> dict:
    """A 相亲结缘 campaign holding the event, with the user's profile for it (staff only)."""
    from datetime import date

    from tenants.campaigns.models import CampaignEvent, SignupProfile, Target

    campaign = Campaign(
        year=2025,
        season="summer",
        theme="matchmaking",
        name=SECRET + "相亲结缘",
        description=SECRET,
        starts_on=date(2025, 4, 1),
        ends_on=date(2025, 6, 30),
    )
    session.add(campaign)
    session.flush()
    session.add_all(
        [
            Target(campaign_id=campaign.id, name=SECRET + "指标", target_value=5,
                   source="computed", kpi="registrations"),
            CampaignEvent(campaign_id=campaign.id, event_id=event_id),
            SignupProfile(event_id=event_id, user_id=user_id, gender="female",
                          occupation=SECRET, about=SECRET + "自我介绍"),
        ]
    )  # fmt: skip
    session.flush()
    return {Campaign: campaign.id}


# --- end of campaigns, area "dashboard" ---


def _seed_alliance_lists(session, community_id: int, user_id: int) -> dict:
    """The alliance's members and three lists (area "lists"), each row carrying the secret."""
    from tenants.alliance.models import ProjectPartner

    unit = Organisation(kind="alliance", name=SECRET + "共建单位(lists)", tags="医疗义诊")
    post = Post(title=SECRET + "岗位", community_id=community_id, slots=2, claimed=1)
    need = Need(title=SECRET + "需求", community_id=community_id, tags="医疗义诊")
    session.add_all([unit, post, need])
    session.flush()
    report = MemberReport(
        user_id=user_id,
        community_id=community_id,
        work_unit=SECRET + "单位",
        specialties="医疗义诊",
        availability=SECRET,
        status="confirmed",
    )
    claim = PostClaim(post_id=post.id, user_id=user_id)
    resource = Resource(
        organisation_id=unit.id, kind="skills", title=SECRET + "资源", tags="医疗义诊"
    )
    project = Project(title=SECRET + "项目", need_id=need.id, owner_id=user_id)
    session.add_all([report, claim, resource, project])
    session.flush()
    session.add(ProjectPartner(project_id=project.id, organisation_id=unit.id))
    session.flush()
    return {
        MemberReport: report.id,
        Post: post.id,
        PostClaim: claim.id,
        Need: need.id,
        Resource: resource.id,
        Project: project.id,
    }


# --- merchants, area "directory" -----------------------------------------------------------------
def _seed_merchant_directory(session, community_id: int) -> dict:
    """A circle and a model merchant. Their names, pledge and hours are public (the directory
    shows them to anyone); the secret sits in what only the office sees: the circle's area and
    the merchant's contact."""
    circle = Circle(name="甲街道商圈", area=SECRET + "商圈范围", community_id=community_id)
    merchant = Organisation(
        kind="merchant", name="甲街道商户", contact_name=SECRET, contact_phone="13800000000",
        credit_code="91110000600037341L", community_id=community_id,
    )  # fmt: skip
    session.add_all([circle, merchant])
    session.flush()
    session.add(Merchant(organisation_id=merchant.id, circle_id=circle.id, category="food",
                         is_model=True, pledge="公开承诺"))  # fmt: skip
    session.flush()
    return {Circle: circle.id}


# --- end of merchants, area "directory" ------------------------------------------------------------


# --- merchants, area "voting" ---
def _seed_merchant_voting(session, user_id: int) -> dict:
    """An open round with a merchant candidate and a vote for it, carrying the secret."""
    from datetime import timedelta

    from saas.db import utcnow
    from tenants.merchants.models import Ballot, Merchant, Vote

    # merchant names are public (the directory lists them): the secret is in its contact
    shop = Organisation(kind="merchant", name="甲街道评选商户", contact_name=SECRET)
    vround = VotingRound(
        title=SECRET + "评选",
        starts_at=utcnow() - timedelta(hours=1),
        ends_at=utcnow() + timedelta(days=7),
        votes_per_person=3,
    )
    session.add_all([shop, vround])
    session.flush()
    candidate = Candidate(round_id=vround.id, organisation_id=shop.id, votes=1)
    session.add_all(
        [
            Merchant(organisation_id=shop.id, category="餐饮", pledge=SECRET + "承诺"),
            candidate,
            Ballot(round_id=vround.id, user_id=user_id, used=1),
            Vote(round_id=vround.id, user_id=user_id, organisation_id=shop.id),
        ]
    )
    session.flush()
    return {VotingRound: vround.id, Candidate: candidate.id}


# --- end of merchants, area "voting" ---


# --- campaigns, area "relief" ----------------------------------------------------------------------
def _seed_campaigns_relief(session, community_id: int, user_id: int) -> dict:
    """A household in difficulty with an assistance record and a visit, each carrying the
    secret where it has text."""
    from datetime import date
    from decimal import Decimal

    from tenants.campaigns.relief_models import Assistance, Visit

    household = Household(
        head_name=SECRET + "户主", id_number_hash="0" * 64, id_number_masked="1101**********0016",
        phone="13900000000", grade="A", reason="dibao", size=2, community_id=community_id,
        address=SECRET + "住址", note=SECRET,
    )  # fmt: skip
    session.add(household)
    session.flush()
    session.add_all([
        Assistance(household_id=household.id, kind="money", amount=Decimal("100"),
                   description=SECRET + "帮扶", given_on=date(2025, 12, 1), giver_name=SECRET),
        Visit(household_id=household.id, visited_on=date(2025, 12, 2), visitor_id=user_id,
              found=SECRET + "走访"),
    ])  # fmt: skip
    session.flush()
    return {Household: household.id}


# --- end of campaigns, area "relief" ---------------------------------------------------------------
# --- passport, area "service records out" (issue 13, operator) -----------------------------------
def _seed_service_records(session, user_id: int) -> dict:
    """A volunteer's ID document, its mask carrying the secret."""
    from tenants.passport.records_models import ServiceIdentity

    identity = ServiceIdentity(user_id=user_id, number_hash="1" * 64, number_masked=SECRET,
                               entered_by=user_id)  # fmt: skip
    session.add(identity)
    session.flush()
    return {ServiceIdentity: identity.id}


# --- end of passport, area "service records out" ------------------------------------------------
# --- campaigns, area "jobs" ----------------------------------------------------------------------
def _seed_campaigns_jobs(session, community_id: int, user_id: int) -> dict:
    """A jobs campaign (a draft of 2001, so no other area's campaign of this year's seasons
    collides with it, and nothing of it is public) with an employer, a position, a seeker, a match
    and a job fair with a booth, each carrying the secret."""
    from datetime import date, timedelta

    from saas.db import utcnow
    from tenants.campaigns.models import CampaignEvent

    campaign = Campaign(year=2001, season="spring", theme="jobs", name=SECRET + "助企帮招",
                        starts_on=date(2001, 1, 1), ends_on=date(2001, 3, 31))  # fmt: skip
    employer = Employer(name=SECRET + "用工企业", contact_name=SECRET, contact_phone="13900000000",
                        community_id=community_id)  # fmt: skip
    fair = Event(title=SECRET + "招聘会", starts_at=utcnow() + timedelta(days=3),
                 ends_at=utcnow() + timedelta(days=3, hours=2), status="published")  # fmt: skip
    session.add_all([campaign, employer, fair])
    session.flush()
    position = JobPosition(campaign_id=campaign.id, employer_id=employer.id,
                           title=SECRET + "岗位", openings=3, requirements=SECRET)  # fmt: skip
    seeker = JobSeeker(campaign_id=campaign.id, user_id=user_id, name=SECRET + "求职者",
                       phone="13700000000", age_band="25_34", community_id=community_id)  # fmt: skip
    link = CampaignEvent(campaign_id=campaign.id, event_id=fair.id, is_job_fair=True)
    session.add_all([position, seeker, link])
    session.flush()
    match = JobMatch(seeker_id=seeker.id, position_id=position.id, note=SECRET)
    booth = Booth(event_id=fair.id, employer_id=employer.id, label="A1")
    session.add_all([match, booth])
    session.flush()
    return {Campaign: campaign.id, Employer: employer.id, JobPosition: position.id,
            JobSeeker: seeker.id, JobMatch: match.id, Booth: booth.id}  # fmt: skip


# --- end of campaigns, area "jobs" ---------------------------------------------------------------


def _seed_merchants_memberday(session, event_id: int, reward_id: int) -> dict:
    """Merchants, area "memberday": a circle's member day, a merchant's voucher offer on it and
    its statement, each carrying the secret where it has text."""
    from datetime import date

    # circle and merchant names are public (the directory lists them): the secret is elsewhere
    circle = Circle(name="甲街道商圈(会员日)", area=SECRET)
    shop = Organisation(kind="merchant", name="甲街道商户(会员日)", contact_name=SECRET)
    session.add_all([circle, shop])
    session.flush()
    member_day = MemberDay(circle_id=circle.id, day=date(2030, 1, 27), event_id=event_id)
    session.add(member_day)
    session.flush()
    offer = Offer(member_day_id=member_day.id, organisation_id=shop.id, kind="voucher",
                  text=SECRET + "兑换券", reward_id=reward_id)  # fmt: skip
    statement = Statement(organisation_id=shop.id, month=date(2029, 12, 1), vouchers=1, points=10)
    session.add_all([offer, statement])
    session.flush()
    return {MemberDay: member_day.id, Offer: offer.id, Statement: statement.id}


# --- grid, base -------------------------------------------------------------------------------
def _seed_grid(session, community_id: int, user_id: int) -> dict:
    """A grid item with its level, category and first step, each carrying the secret."""
    from tenants.grid.models import ItemCategory, ItemLevel, ItemStep

    level = ItemLevel(name=SECRET + "一般", deadline_hours=120)
    session.add(level)
    session.flush()
    category = ItemCategory(name=SECRET + "类别", level_id=level.id)
    session.add(category)
    session.flush()
    item = GridItem(number="WG20300101-0001", category_id=category.id, description=SECRET + "事项",
                    community_id=community_id, reporter_id=user_id, reporter_role="resident",
                    place=SECRET)  # fmt: skip
    session.add(item)
    session.flush()
    session.add(ItemStep(item_id=item.id, kind="report", actor_id=user_id, status="reported",
                         note=SECRET))  # fmt: skip
    session.flush()
    return {GridItem: item.id}


# --- end of grid, base ---------------------------------------------------------------------------


# --- grid, area "map": the community's plan (a stored picture) and its grid's pin --------------
def _seed_grid_map(session, community_id: int) -> dict:
    """A plan with a stored image and the grid's pin (their routes take community_id). The
    plan's file carries no text: the secret is in the grid's name the map draws, and in the
    stored picture's bytes."""
    from tenants.grid.models import GridMap, GridPin
    from tenants.grid.photos import store

    grid = session.scalar(select(Grid).where(Grid.community_id == community_id))
    key = store().put(grid.tenant_id, SECRET.encode())
    session.add(GridMap(community_id=community_id, image_key=key, width=800, height=600))
    session.add(GridPin(grid_id=grid.id, x=5000, y=5000))
    session.flush()
    return {}


# --- end of grid, area "map" ---------------------------------------------------------------------
# --- grid, area "report" ---
def _seed_grid_report(session, item_id: int) -> dict:
    """A photo of the grid item (its key names no file: B's answer is a 404 before the store)."""
    photo = ItemPhoto(item_id=item_id, key="0" * 32 + ".jpg", size=1)
    session.add(photo)
    session.flush()
    return {ItemPhoto: photo.id}


# --- end of grid, area "report" ---
# --- grid, area "visits" ---------------------------------------------------------------------------
def _seed_grid_visits(session, community_id: int, user_id: int) -> dict:
    """A visit group, a resident in it (on a grid the seeded user works) and a visit, each
    carrying the secret."""
    from datetime import date

    from tenants.grid.models import DutyVisit, VisitGroup, VisitSubject

    grid = Grid(community_id=community_id, name=SECRET + "走访网格", worker_id=user_id)
    session.add(grid)
    group = VisitGroup(name=SECRET + "分组", frequency="monthly")
    session.add(group)
    session.flush()
    subject = VisitSubject(group_id=group.id, name=SECRET + "对象", community_id=community_id,
                           grid_id=grid.id, address=SECRET, phone="13912345678",
                           note=SECRET)  # fmt: skip
    session.add(subject)
    session.flush()
    session.add(DutyVisit(subject_id=subject.id, visitor_id=user_id, visited_on=date(2030, 1, 2),
                          found=SECRET + "走访"))  # fmt: skip
    session.flush()
    return {VisitGroup: group.id, VisitSubject: subject.id}


# --- end of grid, area "visits" --------------------------------------------------------------------
# --- grid, area "figures" ------------------------------------------------------------------------
def _seed_grid_figures(session, user_id: int) -> dict:
    """A level, a category and a department (supervised by and with the seeded account as its
    member), each carrying the secret."""
    from tenants.grid.models import Department, DepartmentMember, ItemCategory, ItemLevel

    level = ItemLevel(name=SECRET + "急", deadline_hours=24)
    session.add(level)
    session.flush()
    category = ItemCategory(name=SECRET + "分类", level_id=level.id)
    department = Department(name=SECRET + "部门", supervisor_id=user_id)
    session.add_all([category, department])
    session.flush()
    session.add(DepartmentMember(department_id=department.id, user_id=user_id))
    session.flush()
    return {ItemLevel: level.id, ItemCategory: category.id, Department: department.id}


# --- end of grid, area "figures" -----------------------------------------------------------------
# --- imports: an uploaded file and one of its problems, carrying the secret ---------------------
def _seed_imports(session, user_id: int) -> dict:
    batch = ImportJob(
        kind="volunteers",
        status="invalid",
        filename=SECRET + ".xlsx",
        stored_path="1/imports/none.xlsx",
        message=SECRET,
        created_by=user_id,
    )
    session.add(batch)
    session.flush()
    session.add(
        ImportIssue(batch_id=batch.id, kind="error", row=2, column="姓名", value=SECRET,
                    message=SECRET)
    )  # fmt: skip
    session.flush()
    return {ImportJob: batch.id}


# --- end of imports ------------------------------------------------------------------------------


# --- campaigns, area "campaigns" ---
def _seed_campaigns(session) -> dict:
    """A launched campaign with a target, an entry and an outline, each carrying the secret
    where it has text (the seeded event is the dashboard area's 相亲结缘 campaign's)."""
    from datetime import date

    from tenants.campaigns.models import TargetEntry

    # a launched campaign's name is public (the residents' jobs page): no secret in it
    campaign = Campaign(year=2030, season="spring", theme="jobs", name="春季",
                        description=SECRET, starts_on=date(2030, 1, 1), ends_on=date(2030, 3, 31),
                        status="launched")  # fmt: skip
    session.add(campaign)
    session.flush()
    target = Target(campaign_id=campaign.id, name=SECRET + "指标", unit="人", target_value=5,
                    source="entered")  # fmt: skip
    outline = Outline(campaign_id=campaign.id, title=SECRET + "安排", description=SECRET)
    session.add_all([target, outline])
    session.flush()
    session.add_all(
        [
            TargetEntry(target_id=target.id, entered_on=date(2030, 1, 2), value=1, note=SECRET),
        ]
    )
    session.flush()
    return {Campaign: campaign.id, Target: target.id, Outline: outline.id}


# --- end of campaigns, area "campaigns" ---


def _url(rule, slug: str, ids: dict) -> str:
    values = {}
    for arg in rule.arguments:
        if arg == "tenant":
            values[arg] = slug
        elif arg in ID_ARGS:
            values[arg] = ids[ID_ARGS[arg]]
        else:
            values[arg] = OTHER_ARGS[arg]
    return rule.build(values, append_unknown=False)[1]


def test_every_url_argument_is_known(app):
    unknown = {
        (rule.rule, arg)
        for rule in app.url_map.iter_rules()
        for arg in rule.arguments
        if arg not in ID_ARGS and arg not in OTHER_ARGS
    }
    assert unknown == set(), "teach tests/test_isolation.py what these arguments are"


@both_backends
def test_street_b_gets_404_for_every_id_of_street_a(app, client, make_street, make_user, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    ids = _seed_street_a(app, scoped, a, make_user)
    assert login(client, b.slug, b.admin_phone).status_code == 302

    checked = []
    for rule in tenant_rules(app):
        if not set(rule.arguments) & set(ID_ARGS):
            continue
        url = _url(rule, b.slug, ids)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"name": "改名", "role": "staff"})
            body = response.get_data(as_text=True)
            assert response.status_code == 404, f"{method} {url} → {response.status_code}"
            assert SECRET not in body, f"{method} {url} leaked street A's data"
            checked.append((method, rule.rule))
    assert len(checked) >= 6

    with scoped(a) as session:
        assert session.scalar(select(Community.name)) == PUBLIC_COMMUNITY
        assert session.scalar(select(User.is_enabled).where(User.id == ids[User])) is True
        assert session.scalar(select(Notification.read_at)) is None


@both_backends
def test_street_b_session_is_worthless_on_street_a(app, client, make_street, make_user, scoped):
    a, b = make_street("alpha"), make_street("bravo")
    ids = _seed_street_a(app, scoped, a, make_user)
    assert login(client, b.slug, b.admin_phone).status_code == 302

    for rule in tenant_rules(app):
        url = _url(rule, a.slug, ids)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"name": "改名"})
            body = response.get_data(as_text=True)
            assert SECRET not in body, f"{method} {url} leaked street A's data to B's session"
            if response.status_code in (301, 302, 303):
                location = response.headers["Location"]
                assert location.startswith(f"/{a.slug}/login") or location.startswith(
                    f"/{a.slug}/"
                ), f"{method} {url} → {location}"
            else:
                assert response.status_code in (200, 400, 404, 405, 422), f"{method} {url}"
                # a 200 here may only be a public page (login, join, front door)
                if response.status_code == 200:
                    assert rule.endpoint in PUBLIC_ENDPOINTS, f"{method} {url} served B a page of A"

    with scoped(a) as session:
        assert session.scalar(select(Community.name)) == PUBLIC_COMMUNITY


PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.forgot_password",
    "people.join",
    "streets.privacy_notice",
    "streets.street_home",
    # merchants, area "directory": the public merchant directory and a merchant's public page
    "merchants_directory.public_list",
    "merchants_directory.public_merchant",
    # campaigns, area "jobs": the current jobs campaign's open positions, a job fair's page
    "campaigns_jobs.resident_page",
    "campaigns_jobs.fair_public",
}


@pytest.mark.parametrize("path", ["/nosuch/", "/nosuch/login", "/nosuch/structure"])
def test_unknown_street_is_404(client, path):
    assert client.get(path).status_code == 404


def test_login_with_the_same_phone_in_two_streets_is_two_accounts(
    app, client, make_street, make_user, scoped
):
    a, b = make_street("alpha"), make_street("bravo")
    make_user(a, phone="13600000000", name="甲")
    make_user(b, phone="13600000000", name="乙")
    assert login(client, a.slug, "13600000000", PASSWORD).status_code == 302
    assert client.get(f"/{a.slug}/inbox").status_code == 200
    # the same cookie on street B: signed out there
    assert client.get(f"/{b.slug}/inbox").status_code == 302
    with scoped(a) as session:
        assert db.session is not None
        assert session.scalar(select(User.name).where(User.phone == "13600000000")) == "甲"


def test_a_street_admin_session_does_not_open_platform_pages(client, make_street):
    b = make_street("bravo")
    login(client, b.slug, b.admin_phone)
    response = client.get("/platform/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/platform/login")
    response = client.post(f"/platform/streets/{b.id}/status", data={"status": "suspended"})
    assert response.status_code == 302 and "/platform/login" in response.headers["Location"]
