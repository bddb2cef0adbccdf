"""The four-theme template (一季一品，四季如花) a street's year starts from: each season's
theme, name, dates, typical targets and activity outlines, after the reference street's figures
(../shared/domain/000: 230 job seekers, 800 positions, 100 hires; 3 classes and 50 childcare
places; 92 households graded A/B/C)."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from flask_babel import lazy_gettext as _l

from tenants.campaigns.models import Season, Theme

#: the seasons in the year's order; each is a quarter, so a year's campaigns stay in its year
SEASONS = (Season.spring, Season.summer, Season.autumn, Season.winter)
SEASON_LABELS = {
    Season.spring: _l("春"),
    Season.summer: _l("夏"),
    Season.autumn: _l("秋"),
    Season.winter: _l("冬"),
}
THEME_LABELS = {
    Theme.jobs: _l("助企帮招"),
    Theme.matchmaking: _l("相亲结缘"),
    Theme.care: _l("养老托育"),
    Theme.relief: _l("纾困解难"),
    Theme.custom: _l("自定主题"),
}
_QUARTERS = {
    Season.spring: ((1, 1), (3, 31)),
    Season.summer: ((4, 1), (6, 30)),
    Season.autumn: ((7, 1), (9, 30)),
    Season.winter: ((10, 1), (12, 31)),
}


def season_dates(year: int, season: str) -> tuple[date, date]:
    """The season's default first and last day in ``year``."""
    (m1, d1), (m2, d2) = _QUARTERS[Season(season)]
    return date(year, m1, d1), date(year, m2, d2)


class TargetPlan(NamedTuple):
    name: str
    kpi: str | None  # None: entered by staff
    value: int
    unit: str


class OutlinePlan(NamedTuple):
    title: str
    month: int
    description: str = ""


class SeasonPlan(NamedTuple):
    season: Season
    theme: Theme
    name: str
    description: str
    targets: tuple[TargetPlan, ...]
    outlines: tuple[OutlinePlan, ...]


# Chinese source strings; the names are the street's data once created, so they are not
# translated (a street writes its own campaigns in its own words).
TEMPLATE = (
    SeasonPlan(
        Season.spring,
        Theme.jobs,
        "春·助企帮招",
        "在村（社区）设立助企招工窗口，建立适龄人员、求职人员和企业用工台账，"
        "举办党建联盟益企招聘会，帮助辖区居民就业、企业招工。",
        (
            TargetPlan("求职登记", "job_seekers", 230, "人"),
            TargetPlan("企业用工岗位", "job_openings", 800, "个"),
            TargetPlan("推荐面试", "job_interviews", 300, "人次"),
            TargetPlan("成功入职", "job_hires", 100, "人"),
        ),
        (
            OutlinePlan("党建联盟益企招聘会", 2, "联盟单位和辖区企业设摊招聘，现场登记求职。"),
            OutlinePlan("助企用工 暖心送岗", 3, "网格员入户送岗位信息，帮助适龄人员对接企业。"),
        ),
    ),
    SeasonPlan(
        Season.summer,
        Theme.matchmaking,
        "夏·相亲结缘",
        "了解辖区企业青年职工的交友需求，联合妇联、企业服务中心举办线下交友活动。",
        (
            TargetPlan("举办交友活动", "events_held", 4, "场"),
            TargetPlan("参与青年", "participants", 200, "人次"),
        ),
        (
            OutlinePlan("全城热恋·社区交友会", 5, "面向辖区企业单身青年的线下交友活动。"),
            OutlinePlan("企业白领联谊会", 6),
        ),
    ),
    SeasonPlan(
        Season.autumn,
        Theme.care,
        "秋·养老托育",
        "开设老年教育教学班，建设幼儿托育托位、老年食堂和助餐点，做好“一老一小”服务。",
        (
            TargetPlan("开设教学班", "events_held", 3, "个"),
            TargetPlan("参与老人", "participants", 150, "人次"),
            TargetPlan("托育托位", "places_offered", 50, "个"),
        ),
        (
            OutlinePlan("太极拳班", 7),
            OutlinePlan("形体舞班", 8),
            OutlinePlan("合唱班", 8),
            OutlinePlan("重阳节敬老活动", 9, "为辖区高龄老人举办集体生日会。"),
        ),
    ),
    SeasonPlan(
        Season.winter,
        Theme.relief,
        "冬·纾困解难",
        "建立辖区困难群体“三库一单”，按困难程度分为 A、B、C 三类，走访慰问，精准帮扶。",
        (
            TargetPlan("帮扶困难家庭", "relief_households", 92, "户"),
            TargetPlan("帮扶金额", "relief_amount", 200000, "元"),
            TargetPlan("走访慰问", "relief_visits", 184, "次"),
            TargetPlan("资助困难学生", None, 27, "名"),
        ),
        (
            OutlinePlan("困难家庭走访慰问", 12, "党员干部结对走访 A、B、C 类困难家庭。"),
            OutlinePlan("助学金发放", 11, "为困难学生发放助学金。"),
        ),
    ),
)
