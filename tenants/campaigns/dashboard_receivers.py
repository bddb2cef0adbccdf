"""What the dashboard area does when the events engine reports something (listed in the module's
declaration under ``receivers``).

- A resident signed up for an event of a 相亲结缘 campaign: a note in their inbox links to the
  page where they fill in their profile (the engine's confirmation says only "报名成功"; the
  module's own resident page, 相亲结缘, lists the same link).
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from saas.auth.models import Role, User
from saas.notify.services import notify
from tenants.campaigns.models import Campaign, CampaignEvent, Theme
from tenants.events.models import Event, Registration, RegistrationStatus
from tenants.events.signals import registration_changed

PROFILE_KIND = "campaigns.matchmaking_profile"


def profile_link(slug: str, event_id: int) -> str:
    return f"/{slug}/campaigns/events/{event_id}/profile"


@registration_changed.connect
def invite_to_profile(
    registration: Registration,
    *,
    session: Session,
    event: Event,
    user: User,
    previous_status: str | None = None,
    **_kwargs,
) -> None:
    if registration.status == RegistrationStatus.cancelled or previous_status not in (
        None,
        RegistrationStatus.cancelled,
    ):
        return  # only a sign-up (new, or again after cancelling), not a promotion
    if user.role != Role.volunteer:
        return
    is_matchmaking = session.scalar(
        select(Campaign.id)
        .join(CampaignEvent, CampaignEvent.campaign_id == Campaign.id)
        .where(CampaignEvent.event_id == event.id, Campaign.theme == Theme.matchmaking)
    )
    if is_matchmaking is None:
        return
    tenant = g.get("tenant") if has_request_context() else None
    notify(
        session,
        user,
        PROFILE_KIND,
        _l("请填写交友资料"),
        _l("您已报名交友活动，填写交友资料后工作人员可以更好地为您介绍。资料仅工作人员可见。"),
        link=profile_link(tenant.slug, event.id) if tenant is not None else "",
    )
