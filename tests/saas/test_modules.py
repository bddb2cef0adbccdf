"""The module registry: each module declares what it adds; the navigation, the dashboard, the
scheduler, the CLI and the demo street read the declarations, and nothing else names a module."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from saas.auth.models import User
from saas.modules import check, installed, periodic_jobs
from saas.streets.models import Tenant
from tenants import MODULES
from tenants.events.models import Attendance, HoursSource
from tenants.passport.models import Redemption, RedemptionStatus, Reward
from tenants.passport.services import passport_for
from tenants.wishes.models import Wish
from tests.saas.sample_module.module import SEEN
from tests.tenants.factories import add_community, make_event, signed_in

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = "tests.saas.sample_module"


def links(html: str) -> list[str]:
    """The navigation's link texts, in order."""
    nav = html.split('<nav class="menu-items">', 1)[1].split("</nav>", 1)[0]
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<a [^>]*>([^<]+)</a>", nav)]


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_declarations_are_consistent(app):
    assert check(app) == []
    # the platform's own declaration, then the one list's, in its order (a module named as its
    # package is named, so the list is the whole of what a new module adds here)
    names = [m.name for m in installed(app)]
    assert names == ["platform"] + [path.rsplit(".", 1)[1] for path in MODULES]


def test_every_periodic_job_comes_from_a_declaration(app):
    # the scheduler's jobs are the declarations' (the platform's own five among them), each
    # declared once: a module adds its jobs to its declaration and nowhere else
    declared = [job.name for module in installed(app) for job in module.periodic]
    assert len(declared) == len(set(declared))
    assert set(periodic_jobs(app)) == set(declared)
    assert {
        "notify-sweep",
        "audit-purge",
        "event-reminders",
        "checkin-autoclose",
        "points-expiry",
    } <= set(declared)


def test_each_role_sees_its_own_menu(app, make_street, make_user, scoped):
    street = make_street("alpha")
    community = add_community(scoped, street, "朝阳社区")
    _sid, staff = make_user(street, "staff", community_id=community)
    _vid, volunteer = make_user(street, "volunteer")
    _oid, org = make_user(street, "org")

    admin_links = links(page(signed_in(app, "alpha", street.admin_phone), "/alpha/dashboard"))
    assert admin_links[:3] == ["工作台", "活动管理", "志愿护照"]
    assert {"组织架构", "积分设置", "操作日志", "发送失败的通知", "人员账号"} <= set(admin_links)
    assert "我的志愿护照" not in admin_links

    staff_links = links(page(signed_in(app, "alpha", staff), "/alpha/dashboard"))
    assert "活动管理" in staff_links and "人员账号" in staff_links
    assert not {"组织架构", "积分设置", "操作日志"} & set(staff_links)

    volunteer_links = links(page(signed_in(app, "alpha", volunteer), "/alpha/me"))
    assert volunteer_links[:4] == ["活动报名", "我的志愿护照", "爱心超市", "微心愿"]
    assert "核销兑换码" not in volunteer_links and "工作台" not in volunteer_links

    org_links = links(page(signed_in(app, "alpha", org), "/alpha/org"))
    assert "核销兑换码" in org_links and "单位首页" in org_links
    assert "我的志愿护照" not in org_links

    guest_links = links(page(app.test_client(), "/alpha/login"))
    # modules' public pages (the merchant directory) may come before the account group
    account = guest_links.index("登录")
    assert guest_links[account : account + 2] == ["登录", "志愿者注册"]
    assert "商户名录" in guest_links and "工作台" not in guest_links


def test_the_current_page_is_marked(app, make_street):
    street = make_street("alpha")
    html = page(signed_in(app, "alpha", street.admin_phone), "/alpha/events")
    assert re.search(r'<a href="/alpha/events" aria-current="page"[^>]*>活动管理</a>', html)
    # once in the ☰ drop-down and once in the sidebar: the same template, one shown by width
    menu = html.split('<nav class="menu-items">', 1)[1].split("</nav>", 1)[0]
    assert menu.count('aria-current="page"') == 1
    assert html.count('aria-current="page"') == 2


def test_the_dashboard_lists_the_modules_to_dos(app, make_street, make_user, scoped):
    street = make_street("alpha")
    chaoyang = add_community(scoped, street, "朝阳社区")
    qingquan = add_community(scoped, street, "清泉社区")
    volunteer_id, _phone = make_user(street, "volunteer")
    _sid, staff_phone = make_user(street, "staff", community_id=qingquan)
    event_id = make_event(scoped, street, community_id=chaoyang)
    with scoped(street) as session:
        session.add_all(
            [
                Wish(title="换灯泡", category="维修帮助", community_id=chaoyang, status="pending"),
                Wish(title="修水管", category="维修帮助", community_id=chaoyang, status="pending"),
                Wish(
                    title="下象棋", category="陪伴服务", community_id=chaoyang, status="fulfilled"
                ),
                Attendance(
                    event_id=event_id,
                    user_id=volunteer_id,
                    hours=2,
                    source=HoursSource.entered,
                ),
            ]
        )
        reward = Reward(name="环保袋", price=10, stock=5, community_id=chaoyang)
        session.add(reward)
        session.flush()
        holder = session.get(User, (street.id, volunteer_id))
        passport = passport_for(session, holder, session.get(Tenant, street.id))
        session.add(
            Redemption(
                reward_id=reward.id,
                passport_id=passport.id,
                points=10,
                code="AB12CD34",
                status=RedemptionStatus.issued,
            )
        )
        session.commit()

    html = page(signed_in(app, "alpha", street.admin_phone), "/alpha/dashboard")
    assert '<a href="/alpha/events?awaiting=hours">1 条服务时长待确认</a>' in html
    assert '<a href="/alpha/rewards/redemptions?status=issued">1 份兑换待领取</a>' in html
    assert '<a href="/alpha/wishes/review?status=pending">2 个心愿待审核</a>' in html
    assert '<a href="/alpha/wishes/review?status=fulfilled">1 个心愿待确认完成</a>' in html
    assert "通知发送失败" not in html  # a count of 0 is not a to-do
    assert "街道概况" in html  # the structure module's panel

    # staff limited to another community have nothing of 朝阳社区's waiting for them
    html = page(signed_in(app, "alpha", staff_phone), "/alpha/dashboard")
    assert "待审核" not in html and "待确认" not in html and "待领取" not in html
    assert "没有待办事项" in html

    # the link leads to the filtered list: the one event with hours waiting
    events = page(signed_in(app, "alpha", street.admin_phone), "/alpha/events?awaiting=hours")
    assert "社区清洁" in events and "共 1 个活动" in events


def test_the_dashboard_is_for_the_office(app, make_street, make_user):
    street = make_street("alpha")
    _vid, volunteer = make_user(street, "volunteer")
    assert signed_in(app, "alpha", volunteer).get("/alpha/dashboard").status_code == 403


# --- a module added by one line ------------------------------------------------------------------


@pytest.fixture
def with_sample(app_variant):
    return app_variant(MODULES=[*MODULES, SAMPLE])


def test_a_new_module_is_one_line_in_the_list(with_sample, make_street, make_user, scoped):
    app = with_sample
    assert check(app) == []
    street = make_street("alpha")
    _vid, volunteer = make_user(street, "volunteer", is_party_member=False)
    _pid, member = make_user(street, "volunteer", is_party_member=True)

    admin = signed_in(app, "alpha", street.admin_phone)
    html = page(admin, "/alpha/dashboard")
    assert "样例分组" in links(html) or "样例页面" in links(html)
    assert '<a href="/alpha/sample?tab=x">3 件样例待办</a>' in html
    assert "不显示的待办" not in html
    assert "sample panel for admin" in html
    assert html.index("sample panel") < html.index("街道概况")  # panels by their order
    assert "样例页面" in links(page(admin, "/alpha/sample"))

    assert "只给党员" not in links(page(signed_in(app, "alpha", volunteer), "/alpha/me"))
    assert "只给党员" in links(page(signed_in(app, "alpha", member), "/alpha/me"))

    assert periodic_jobs(app)["sample-tick"] == ("tests.saas.sample_module.module:tick", 120)
    result = app.test_cli_runner().invoke(args=["sample-hello"])
    assert result.exit_code == 0 and "hello from the sample module" in result.output


def test_a_new_module_hears_the_events_engine(with_sample, make_street, scoped):
    street = make_street("alpha")
    event_id = make_event(scoped, street, status="draft", title="新活动")
    client = signed_in(with_sample, "alpha", street.admin_phone)
    SEEN.clear()
    assert client.post(f"/alpha/events/{event_id}/publish").status_code in (200, 302)
    assert SEEN == [("published", "新活动")]


def test_a_new_module_seeds_the_demo_street(with_sample):
    from saas.demo import load_demo
    from saas.extensions import db
    from saas.tenancy import all_tenants

    SEEN.clear()
    with with_sample.app_context(), all_tenants():
        created, logins = load_demo(db.session)
        db.session.commit()
    assert created and ("seeded", "demo") in SEEN
    assert "sample 13900009999" in logins and "admin 13900000001" in logins


def test_the_demo_command_prints_the_logins(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "demo street loaded" in result.output
    assert "admin 13900000001" in result.output and "merchant 13900000301" in result.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "demo street already present" in again.output


def test_a_module_declared_twice_is_refused(app_variant):
    with pytest.raises(ValueError, match="declared twice"):
        app_variant(MODULES=[*MODULES, "tenants.wishes"])


# --- the events engine knows no module built on it ----------------------------------------------

#: what tenants/events may import from tenants/: itself and what it stands on
EVENTS_MAY_IMPORT = ("tenants.events", "tenants.structure", "tenants.people")


def _imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def test_the_events_engine_imports_no_module_built_on_it():
    wrong = []
    for path in sorted((ROOT / "tenants" / "events").rglob("*.py")):
        for name in _imports(path):
            if name == "tenants" or (
                name.startswith("tenants.") and not name.startswith(EVENTS_MAY_IMPORT)
            ):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_the_import_check_would_catch_a_lazy_import(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from tenants.passport.ledger import post_entry\n")
    assert "tenants.passport.ledger" in _imports(sneaky)


def test_saas_names_no_module():
    """The platform reads the one list; it never imports a module's package (the app factory
    reads ``tenants.MODULES``, and that is all)."""
    wrong = []
    for path in sorted((ROOT / "saas").rglob("*.py")):
        for name in _imports(path):
            if name.startswith("tenants") and name not in ("tenants", "tenants.MODULES"):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []
