"""What a street gets: one package per module. ``BLUEPRINTS`` is the one list the app registers."""

from __future__ import annotations


def blueprints() -> list:
    from tenants.people.views import bp as people
    from tenants.structure.views import bp as structure

    return [structure, people]


def commands() -> list:
    from tenants.demo import seed_demo

    return [seed_demo]
