"""What a street gets: one package per module, each declared in its own ``module.py``.

``MODULES`` is the one ordered list the app reads (saas.modules): a module's tables, blueprints,
menu entries, dashboard to-dos and panels, periodic jobs, demo data, commands and signal
receivers all come from its declaration. The order is the order of the navigation's groups within
equal ``order`` values, of the dashboard's to-dos, and of the demo street's loading; a module comes
after the modules it builds on.
"""

from __future__ import annotations

MODULES = [
    "tenants.structure",
    "tenants.people",
    "tenants.events",
    "tenants.passport",
    "tenants.wishes",
    "tenants.orgs",
    "tenants.alliance",
    "tenants.merchants",
    "tenants.campaigns",
    "tenants.grid",
]
