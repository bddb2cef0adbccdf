"""What a module adds to the product, declared once in its own package.

Each package of ``tenants/`` has a ``module.py`` holding ``MODULE = Module(...)``: its tables, its
blueprints, its menu entries per role, its dashboard to-dos and panels, its periodic jobs, its demo
seeders, its CLI commands and its signal receivers. ``tenants/__init__.py`` lists the packages once,
in order. :func:`init_app` loads that list when the app is made and keeps it on the app; the
layout's navigation (:func:`menu_for`), the dashboard (:func:`todos_for`, :func:`panels_for`), the
scheduler (:func:`periodic_jobs`), the CLI, ``flask seed-demo`` and the notification settings read
it from there. Nothing in
``saas`` names a module.

This follows how Indico's modules and pretix's apps contribute to the product through signals,
but as plain data: one declaration a reader can see whole, checked when the app starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from saas.figures.declare import Figure
from saas.notify.kinds import NotificationKind
from saas.notify.kinds import register as register_kinds

if TYPE_CHECKING:
    from saas.imports.spec import Importer

#: the roles a menu entry, to-do or panel can be shown to (saas.auth.models.Role), and "guest"
#: for a visitor of a street who is not signed in
ROLES = frozenset({"admin", "staff", "org", "volunteer", "guest"})
OFFICE = frozenset({"admin", "staff"})
ADMIN = frozenset({"admin"})
PHONE = frozenset({"org", "volunteer"})
SIGNED_IN = OFFICE | PHONE
GUEST = frozenset({"guest"})
VOLUNTEER = frozenset({"volunteer"})


@dataclass(frozen=True)
class MenuGroup:
    """A heading of the navigation (活动, 志愿护照与积分 …); groups are shown by ``order``."""

    key: str
    label: Any
    order: int


@dataclass(frozen=True)
class Tab:
    """A menu entry that is also a tab of the phone's bottom bar for ``roles``: the few places a
    person on a phone goes every time, one tap away (the ☰ keeps the rest). Tabs are shown by
    ``order``, across modules, under ``label`` (short: four tabs share 375 px) or the entry's."""

    order: int
    roles: frozenset[str]
    label: Any = None


@dataclass(frozen=True)
class MenuEntry:
    """One link of the navigation, shown to ``roles`` under the group ``group``."""

    endpoint: str
    label: Any
    group: str
    roles: frozenset[str]
    order: int = 100
    #: one or two characters standing for the entry where there is no room for its label
    icon: str = ""
    #: a further test of the signed-in user (e.g. only unit accounts of kind merchant)
    visible: Callable[[Any], bool] | None = None
    #: also a tab of the phone's bottom bar (see :class:`Tab`)
    tab: Tab | None = None


@dataclass(frozen=True)
class Home:
    """Where ``roles`` land after signing in and at the street's front door: ``endpoint``.

    The first home (by ``order``, then module order) whose roles hold the user's and whose
    ``visible`` test passes is theirs; so a later module can give merchants a home of their own
    without the platform knowing either.
    """

    endpoint: str
    roles: frozenset[str]
    order: int = 100
    visible: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class Todo:
    """A count with a link on the dashboard: "3 个心愿待审核".

    ``count(session, user)`` runs in the street's scope and returns how many things wait for
    ``user``; ``label`` is a lazy string with ``%(n)d``; the link is ``url_for(endpoint, **args)``.
    A to-do whose count is 0 is not shown.
    """

    key: str
    label: Any
    count: Callable[[Any, Any], int]
    endpoint: str
    roles: frozenset[str] = OFFICE
    args: dict[str, str] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A block of the dashboard: ``template`` is included with what ``data(session, user)``
    returns (a dict) as ``panel``.

    ``data`` runs on every view of the dashboard: figures over a street's history (counts,
    trends) go through ``saas.cache.remember(viewer_key(key, user), …)`` so they are computed once
    per interval; figures the user acts on (to-dos, today's sign-ups) stay live. Staff limited to
    a community (``user.limited_to_community``) see that community's figures. A figure over
    months that the reports show too is read through ``saas.figures.store.for_viewer`` (the
    kept days, today's added live) and listed in ``figures``, so one number means one thing."""

    key: str
    template: str
    data: Callable[[Any, Any], dict]
    roles: frozenset[str] = OFFICE
    order: int = 100
    #: the keys of the figures (saas.figures) the panel reads through ``saas.figures.store``:
    #: their history in one statement, today's computed live, one statement each
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every ``every`` seconds: ``func`` ("pkg.module:function") takes
    no arguments, runs with every street in view and enters each street's scope itself."""

    name: str
    func: str
    every: int


@dataclass(frozen=True)
class DemoSeeder:
    """Loads a module's part of the demo street: ``func(session, tenant)``, inside the street's
    scope, idempotent; it may return login hints to print ("admin 13900000001").

    Every module's ``settings`` phase runs before any module's ``data`` phase, so reference data
    (communities, accounts, point rules) exists before the history that uses it.
    """

    func: Callable[..., list[str] | None]
    phase: str = "data"


@dataclass(frozen=True)
class AuditAction:
    """An action a module writes to the audit log (``saas.audit.services.record``) and how the
    log names it ("event.cancel" → 取消活动)."""

    action: str
    label: Any


@dataclass(frozen=True)
class AuditTarget:
    """An audit entry's target ``"<kind>:<id>"``: what it is called, and, where a page shows it,
    ``link(id, detail) -> url`` (``url_for`` only: it runs once per row, so no query).

    ``names(session, ids) -> {id: name}`` may name the objects of a page of entries in one query
    (活动 "重阳节敬老探访" rather than 活动 #1234).
    """

    kind: str
    label: Any
    link: Callable[[int, dict], str | None] | None = None
    names: Callable[[Any, list[int]], dict[int, str]] | None = None


@dataclass(frozen=True)
class UsageCount:
    """A count per street on the platform operator's dashboard (活动 12, 积分流水 340): how many
    rows of ``model`` ("pkg.models:Class", a TenantScoped model) each street holds, narrowed by
    ``where(Class)`` if given. Counts only: the operator never sees a resident's data. Every
    declared count goes into one grouped statement for all streets."""

    key: str
    label: Any
    model: str
    where: Callable[[Any], Any] | None = None
    order: int = 100


@dataclass(frozen=True)
class PersonalData:
    """What a module holds about one person (个人信息), for their own download and for erasure
    (PIPL: the right to copy, the right to deletion).

    ``rows(session, user)`` returns that person's rows under ``headers`` (one sheet of their
    download, named ``label``), in a constant number of statements. ``erase(session, user)``
    removes or anonymises what identifies them in the module's tables, keeping what the street's
    totals are made of (ledger lines, hours, counts): it runs in the street's scope with every
    other module's erase, in one transaction, before the account itself is anonymised
    (``saas.rights.services.erase_account``); it only flushes.
    """

    key: str
    label: Any
    headers: tuple[Any, ...]
    rows: Callable[[Any, Any], list[tuple]]
    erase: Callable[[Any, Any], None] | None = None


@dataclass(frozen=True)
class Module:
    """One module's whole contribution to the product (see the module docstring)."""

    name: str
    label: Any
    #: one sentence saying what a street does with it (a lazy string), shown on the landing page
    summary: Any = None
    #: modules to import so their tables are in the metadata (and Alembic sees them)
    models: tuple[str, ...] = ()
    #: "pkg.views:bp" paths of the module's blueprints
    blueprints: tuple[str, ...] = ()
    menu_groups: tuple[MenuGroup, ...] = ()
    menu: tuple[MenuEntry, ...] = ()
    #: the landing page of a role (see :class:`Home`)
    homes: tuple[Home, ...] = ()
    todos: tuple[Todo, ...] = ()
    panels: tuple[Panel, ...] = ()
    periodic: tuple[PeriodicJob, ...] = ()
    demo: tuple[DemoSeeder, ...] = ()
    #: "pkg.module:command" paths of click commands added to ``flask``
    commands: tuple[str, ...] = ()
    #: modules imported at start-up for their signal receivers (``@signal.connect`` at import)
    receivers: tuple[str, ...] = ()
    #: what its notifications can be about, with their default channels (saas.notify.kinds)
    notification_kinds: tuple[NotificationKind, ...] = ()
    #: the labels of the actions it writes to the audit log, and its kinds of targets
    audit_actions: tuple[AuditAction, ...] = ()
    audit_targets: tuple[AuditTarget, ...] = ()
    #: counts per street the platform operator's dashboard shows (see :class:`UsageCount`)
    usage: tuple[UsageCount, ...] = ()
    #: what it holds about a person, for their download and their erasure (saas.rights)
    personal_data: tuple[PersonalData, ...] = ()
    #: the figures it contributes to the dashboard and the reports (saas.figures), kept per day
    figures: tuple[Figure, ...] = ()
    #: what a street can import from .xlsx into this module (saas.imports.spec.Importer)
    importers: tuple[Importer, ...] = ()


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    imported = importlib.import_module(module)
    return getattr(imported, name) if name else imported


def load(packages: Iterable[str]) -> list[Module]:
    """The declarations of ``packages`` (``tenants.events`` → ``tenants.events.module:MODULE``),
    in the given order, with their models and receivers imported."""
    modules = []
    for package in packages:
        module = _resolve(f"{package}.module:MODULE")
        if not isinstance(module, Module):
            raise TypeError(f"{package}.module.MODULE is not a saas.modules.Module")
        for path in (*module.models, *module.receivers):
            importlib.import_module(path)
        modules.append(module)
    names = [m.name for m in modules]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"module names declared twice: {sorted(duplicated)}")
    return modules


def init_app(app: Flask, packages: Iterable[str], platform: Module | None = None) -> None:
    """Load the modules, register their blueprints and keep them on the app.

    ``platform`` is the platform's own contribution (inbox, audit log …), read like a module's but
    registered by the app factory.
    """
    modules = ([platform] if platform else []) + load(packages)
    app.extensions["modules"] = modules
    app.extensions["platform_module"] = platform
    for module in modules:
        for path in module.blueprints:
            app.register_blueprint(_resolve(path))
        register_kinds(module.notification_kinds)
    _check_periodic_names(modules)


def installed(app: Flask | None = None) -> list[Module]:
    return (app or current_app).extensions["modules"]


def _check_periodic_names(modules: list[Module]) -> None:
    names = [job.name for m in modules for job in m.periodic]
    duplicated = {n for n in names if names.count(n) > 1}
    if duplicated:
        raise ValueError(f"periodic jobs declared twice: {sorted(duplicated)}")


def periodic_jobs(app: Flask | None = None) -> dict[str, tuple[str, int]]:
    """Every periodic job: name → (function path, seconds between runs)."""
    return {job.name: (job.func, job.every) for m in installed(app) for job in m.periodic}


def commands(app: Flask) -> list:
    return [_resolve(path) for m in installed(app) for path in m.commands]


def audit_actions(app: Flask | None = None) -> dict[str, Any]:
    """Every declared audit action → its label, in module order."""
    return {a.action: a.label for m in installed(app) for a in m.audit_actions}


def audit_targets(app: Flask | None = None) -> dict[str, AuditTarget]:
    """Every declared kind of audit target → its declaration."""
    return {t.kind: t for m in installed(app) for t in m.audit_targets}


def usage_counts(app: Flask | None = None) -> list[tuple[UsageCount, Any]]:
    """Every declared usage count with its model class, by ``order`` then module order."""
    counts = [(u, _resolve(u.model)) for m in installed(app) for u in m.usage]
    return sorted(counts, key=lambda pair: pair[0].order)


def personal_data(app: Flask | None = None) -> list[PersonalData]:
    """Every module's declaration of what it holds about a person, in module order."""
    return [p for m in installed(app) for p in m.personal_data]


def check(app: Flask) -> list[str]:
    """What is wrong with the declarations: an endpoint no blueprint serves, an unknown role or
    menu group. Empty when all is well (a test asserts it; the app does not pay for it)."""
    problems = []
    endpoints = set(app.view_functions)
    groups = {g.key for m in installed(app) for g in m.menu_groups}
    for module in installed(app):
        for entry in module.menu:
            if entry.endpoint not in endpoints:
                problems.append(f"{module.name}: menu endpoint {entry.endpoint} does not exist")
            if entry.group not in groups:
                problems.append(f"{module.name}: menu group {entry.group} is not declared")
            if not entry.roles or not entry.roles <= ROLES:
                problems.append(f"{module.name}: menu entry {entry.endpoint} roles {entry.roles}")
            if entry.tab is not None and not entry.tab.roles <= entry.roles:
                problems.append(f"{module.name}: tab {entry.endpoint} for roles without the entry")
        for home in module.homes:
            if home.endpoint not in endpoints:
                problems.append(f"{module.name}: home endpoint {home.endpoint} does not exist")
            if not home.roles or not home.roles <= ROLES - GUEST:
                problems.append(f"{module.name}: home {home.endpoint} roles {home.roles}")
        for todo in module.todos:
            if todo.endpoint not in endpoints:
                problems.append(f"{module.name}: to-do endpoint {todo.endpoint} does not exist")
            if not todo.roles <= ROLES:
                problems.append(f"{module.name}: to-do {todo.key} roles {todo.roles}")
        for panel in module.panels:
            if not panel.roles <= ROLES:
                problems.append(f"{module.name}: panel {panel.key} roles {panel.roles}")
        for seeder in module.demo:
            if seeder.phase not in ("settings", "data"):
                problems.append(f"{module.name}: demo phase {seeder.phase}")
        for usage in module.usage:
            if not hasattr(_resolve(usage.model), "tenant_id"):
                problems.append(f"{module.name}: usage {usage.key} is not a street's model")
    return problems


# --- what the layout and the dashboard read ------------------------------------------------------


@dataclass(frozen=True)
class MenuSection:
    group: MenuGroup
    entries: tuple[MenuEntry, ...]


def _menu_by_role(app: Flask) -> dict[str, tuple[MenuSection, ...]]:
    """The navigation per role, sorted once per process (the nav is on every page)."""
    cached = app.extensions.get("menu_by_role")
    if cached is not None:
        return cached
    modules = installed(app)
    groups = {g.key: g for m in modules for g in m.menu_groups}
    entries = [e for m in modules for e in m.menu]
    by_role = {}
    for role in ROLES:
        sections = []
        for group in sorted(groups.values(), key=lambda g: (g.order, g.key)):
            mine = [e for e in entries if e.group == group.key and role in e.roles]
            if mine:
                mine.sort(key=lambda e: (e.order, e.endpoint))
                sections.append(MenuSection(group, tuple(mine)))
        by_role[role] = tuple(sections)
    app.extensions["menu_by_role"] = by_role
    return by_role


def menu_for(user) -> list[MenuSection]:
    """The navigation ``user`` sees: their role's sections, with entries ``visible`` to them."""
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else "guest"
    sections = _menu_by_role(current_app).get(role, ())
    shown = []
    for section in sections:
        entries = tuple(e for e in section.entries if e.visible is None or e.visible(user))
        if entries:
            shown.append(MenuSection(section.group, entries))
    return shown


def tabs_for(user) -> list[MenuEntry]:
    """The entries of ``user``'s menu that are tabs of the phone's bottom bar for their role, by
    the tabs' order (empty for a role without tabs: no bar)."""
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else "guest"
    tabs = [
        entry
        for section in menu_for(user)
        for entry in section.entries
        if entry.tab is not None and role in entry.tab.roles
    ]
    tabs.sort(key=lambda e: (e.tab.order, e.endpoint))
    return tabs


def offered(app: Flask | None = None) -> list[Module]:
    """What a street gets, as the landing page lists it: the installed modules in the order of
    ``MODULES``, without the platform's own declaration (sign-in, inbox … are no selling point)."""
    app = app or current_app
    return [m for m in installed(app) if m is not app.extensions.get("platform_module")]


#: where a signed-in user whose role no module gives a home lands: their inbox is everyone's
FALLBACK_HOME = "notify.inbox"


def home_endpoint(user) -> str:
    """The endpoint of ``user``'s home page (see :class:`Home`)."""
    homes = current_app.extensions.get("homes")
    if homes is None:
        homes = sorted((h for m in installed() for h in m.homes), key=lambda h: h.order)
        current_app.extensions["homes"] = homes
    for home in homes:
        if user.role in home.roles and (home.visible is None or home.visible(user)):
            return home.endpoint
    return FALLBACK_HOME


@dataclass(frozen=True)
class DueTodo:
    todo: Todo
    n: int


def todos_for(session, user) -> list[DueTodo]:
    """The to-dos waiting for ``user`` (count above 0), in module order then ``order``."""
    due = []
    for module in installed():
        for todo in sorted(module.todos, key=lambda t: t.order):
            if user.role in todo.roles:
                n = todo.count(session, user)
                if n:
                    due.append(DueTodo(todo, n))
    return due


def panels_for(session, user) -> list[tuple[Panel, dict]]:
    """The dashboard panels ``user`` sees, with their data, by ``order``."""
    panels = [p for m in installed() for p in m.panels if user.role in p.roles]
    panels.sort(key=lambda p: p.order)
    return [(panel, panel.data(session, user)) for panel in panels]
