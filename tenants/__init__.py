"""What a street gets: one package per module. ``blueprints()`` is the one list the app registers."""

from __future__ import annotations


def blueprints() -> list:
    from tenants.events.checkin_views import bp as checkin
    from tenants.events.views import bp as events
    from tenants.passport.reward_views import bp as rewards
    from tenants.passport.views import bp as passport
    from tenants.people.views import bp as people
    from tenants.structure.views import bp as structure
    from tenants.wishes.views import bp as wishes

    return [structure, people, events, checkin, passport, rewards, wishes]


def commands() -> list:
    from tenants.demo import seed_demo

    return [seed_demo]


def periodic_jobs() -> dict[str, tuple[str, int]]:
    """The modules' scheduled jobs: name → (function path, seconds between runs).

    Each function runs with every street in view and enters each street's scope itself.
    """
    return {
        "event-reminders": ("tenants.events.jobs:send_reminders", 300),
        "checkin-autoclose": ("tenants.events.jobs:close_open_checkins", 300),
        "points-expiry": ("tenants.passport.jobs:expire_points", 24 * 3600),
    }
