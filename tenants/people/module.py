"""The people module (人员账号): accounts the admin makes, and volunteers' self-registration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from saas.modules import GUEST, OFFICE, DemoSeeder, MenuEntry, Module
from tenants.people.demo import load_demo
from tenants.people.figures import FIGURES

MODULE = Module(
    name="people",
    label=_l("人员账号"),
    summary=_l("管理员为工作人员和单位开设账号，志愿者用手机号自行注册。"),
    blueprints=("tenants.people.views:bp",),
    menu=(
        MenuEntry("people.accounts_list", _l("人员账号"), "settings", OFFICE, 20, icon="人"),
        MenuEntry("people.join", _l("志愿者注册"), "account", GUEST, 20, icon="注"),
    ),
    demo=(DemoSeeder(load_demo, "settings"),),
    figures=FIGURES,
)
