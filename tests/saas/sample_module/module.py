"""The sample module's declaration: a page, a menu group and entry, a to-do, a panel, a periodic
job, a command and a receiver — everything a real module declares."""

from __future__ import annotations

import click

from saas.modules import (
    OFFICE,
    PHONE,
    DemoSeeder,
    MenuEntry,
    MenuGroup,
    Module,
    Panel,
    PeriodicJob,
    Todo,
)

#: what the receiver and the demo seeder saw (the test reads it back)
SEEN: list = []


def three(session, user) -> int:
    return 3


def nothing(session, user) -> int:
    return 0


def panel_data(session, user) -> dict:
    return {"greeting": f"sample panel for {user.role}"}


def seed(session, tenant) -> list[str]:
    SEEN.append(("seeded", tenant.slug))
    return ["sample 13900009999"]


def tick() -> None:
    SEEN.append("tick")


@click.command("sample-hello")
def hello() -> None:
    click.echo("hello from the sample module")


MODULE = Module(
    name="sample",
    label="样例",
    summary="样例模块的一句话介绍。",
    blueprints=("tests.saas.sample_module.views:bp",),
    menu_groups=(MenuGroup("sample", "样例分组", 500),),
    menu=(
        MenuEntry("sample.page", "样例页面", "sample", OFFICE, icon="样"),
        MenuEntry("sample.page", "样例手机页", "sample", PHONE, icon="样"),
        MenuEntry(
            "sample.page", "只给党员", "sample", PHONE, 20, visible=lambda u: u.is_party_member
        ),
    ),
    todos=(
        Todo("sample-three", "%(n)d 件样例待办", three, "sample.page", args={"tab": "x"}),
        Todo("sample-none", "%(n)d 件不显示的待办", nothing, "sample.page"),
    ),
    panels=(Panel("sample-panel", "sample/_panel.html", panel_data, OFFICE, 1),),
    periodic=(PeriodicJob("sample-tick", "tests.saas.sample_module.module:tick", 120),),
    demo=(DemoSeeder(seed),),
    commands=("tests.saas.sample_module.module:hello",),
    receivers=("tests.saas.sample_module.receivers",),
)
