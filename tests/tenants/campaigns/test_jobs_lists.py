"""The office's jobs lists run a constant number of statements at 1× and 10× data."""

from __future__ import annotations

import pytest

from tests.tenants.campaigns.factories import make_employer, make_position, make_seeker
from tests.tenants.campaigns.factories_jobs import launched_jobs_campaign, make_match
from tests.tenants.factories import add_community, assert_statements_do_not_grow, signed_in


@pytest.fixture
def setup(app, make_street, scoped):
    street = make_street("alpha")
    campaign = launched_jobs_campaign(scoped, street)
    community = add_community(scoped, street, "东社区")
    made = []

    def grow(n):
        while len(made) < n:
            i = len(made)
            e = make_employer(scoped, street, f"企业{i}", community_id=community,
                              contact_phone="13900000000")  # fmt: skip
            p = make_position(scoped, street, campaign, e, title=f"岗位{i}")
            s = make_seeker(scoped, street, campaign, f"1370000{i:04d}", community_id=community)
            make_match(scoped, street, s, p)
            made.append((e, p, s))

    return street, grow, made


@pytest.mark.parametrize(
    "path",
    ["jobs/employers", "jobs/positions", "jobs/seekers", "jobs/positions?status=open&q=岗位",
     "jobs/seekers?matches=active&age_band=25_34"],
)  # fmt: skip
def test_office_lists_do_not_grow(app, setup, path):
    street, grow, _made = setup
    admin = signed_in(app, street.slug, street.admin_phone)
    assert_statements_do_not_grow(app, admin, f"/{street.slug}/{path}", grow, 10, 30)


def test_detail_pages_do_not_grow(app, setup, scoped):
    street, grow, made = setup
    admin = signed_in(app, street.slug, street.admin_phone)
    grow(2)
    _e, position, seeker = made[0]

    matched = {position}

    def more(n):
        grow(n)
        for _e2, p, _s in made[:n]:
            if p not in matched:
                make_match(scoped, street, seeker, p)
                matched.add(p)

    assert_statements_do_not_grow(app, admin, f"/{street.slug}/jobs/seekers/{seeker}", more, 10,
                                  30)  # fmt: skip
    assert_statements_do_not_grow(app, admin, f"/{street.slug}/jobs/positions/{position}", grow,
                                  10, 30)  # fmt: skip
