"""A second reference: the issue's "straightforward phone page", built the plain way.

Flask-Login loads the user from the session cookie, the view runs its ORM queries one after the
other (the street, the passport, five ledger lines, the community, the rank; the user and the RLS
``set_config`` before them) and renders a 66-line template. No tenancy hooks, CSRF, rate limits,
security headers, session expiry or translations: what a page costs on this stack before the
things a real product adds. Same gunicorn settings, same session cookies as ``/<slug>/me``.
Not part of the app.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_required
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, DateTime, Integer, Numeric, String, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


app = Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI=os.environ["DATABASE_URL"],
    SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
    SECRET_KEY=os.environ["SECRET_KEY"],
    SESSION_COOKIE_NAME="ljt_session",
)
db = SQLAlchemy(app, model_class=Base)
login_manager = LoginManager(app)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String)
    community_id: Mapped[int] = mapped_column(BigInteger)


class Passport(db.Model):
    __tablename__ = "passports"
    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    community_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(String)
    balance: Mapped[int] = mapped_column(Integer)
    hours_total = mapped_column(Numeric)
    hours_year = mapped_column(Numeric)


class PointEntry(db.Model):
    __tablename__ = "point_entries"
    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    passport_id: Mapped[int] = mapped_column(BigInteger)
    delta: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String)
    reason: Mapped[str] = mapped_column(String)
    created_at = mapped_column(DateTime(timezone=True))


class Community(db.Model):
    __tablename__ = "communities"
    tenant_id: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String)


class Tenant(db.Model):
    __tablename__ = "tenants"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String)
    name: Mapped[str] = mapped_column(String)


@login_manager.user_loader
def load_user(cookie_id: str):
    _kind, tenant_id, user_id, _token = cookie_id.split(":")
    db.session.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant_id})
    return db.session.get(User, (int(tenant_id), int(user_id)))


@app.get("/healthz")
def healthz():
    return "ok"


@app.get("/<slug>/me")
@login_required
def me(slug: str):
    user = current_user
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    passport = db.session.scalar(
        select(Passport).where(Passport.tenant_id == user.tenant_id, Passport.user_id == user.id)
    )
    entries = db.session.scalars(
        select(PointEntry)
        .where(PointEntry.tenant_id == user.tenant_id, PointEntry.passport_id == passport.id)
        .order_by(PointEntry.id.desc())
        .limit(5)
    ).all()
    community = db.session.get(Community, (user.tenant_id, user.community_id))
    ahead = db.session.scalar(
        select(func.count())
        .select_from(Passport)
        .where(
            Passport.tenant_id == user.tenant_id,
            Passport.community_id == user.community_id,
            Passport.hours_year > passport.hours_year,
        )
    )
    return _PAGE.render(
        current_user=user,
        tenant=tenant,
        p=passport,
        entries=entries,
        community=community,
        rank=ahead + 1,
    )


_PAGE = app.jinja_env.from_string(
    """<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{{ tenant.name }}</title>
<link rel='stylesheet' href='/static/app.css'></head><body>
<header><a href='/{{ tenant.slug }}/'>{{ tenant.name }}</a> <span>{{ current_user.name }}</span></header>
<nav>
<a href='/{{ tenant.slug }}/link0'>菜单项0</a>
<a href='/{{ tenant.slug }}/link1'>菜单项1</a>
<a href='/{{ tenant.slug }}/link2'>菜单项2</a>
<a href='/{{ tenant.slug }}/link3'>菜单项3</a>
<a href='/{{ tenant.slug }}/link4'>菜单项4</a>
<a href='/{{ tenant.slug }}/link5'>菜单项5</a>
<a href='/{{ tenant.slug }}/link6'>菜单项6</a>
<a href='/{{ tenant.slug }}/link7'>菜单项7</a>
<a href='/{{ tenant.slug }}/link8'>菜单项8</a>
<a href='/{{ tenant.slug }}/link9'>菜单项9</a>
<a href='/{{ tenant.slug }}/link10'>菜单项10</a>
<a href='/{{ tenant.slug }}/link11'>菜单项11</a>
</nav>
<main><section class='card'><p>{{ current_user.name }}</p>
<p class='balance'>{{ p.balance }} 积分</p><p>护照编号 {{ p.number }}</p></section>
<div class='stats'><div>{{ '%g'|format(p.hours_total|float) }} 小时</div><div>{{ '%g'|format(p.hours_year|float) }}</div>
<div>第 {{ rank }} 名 · {{ community.name if community else '' }}</div></div>
<section><h2>积分明细</h2><ul>
{% for e in entries %}<li id='e{{ e.id }}'><span>{{ e.kind }}</span> {{ e.reason }}
<time>{{ e.created_at.strftime('%Y-%m-%d %H:%M') }}</time><span>{{ '%+d'|format(e.delta) }}</span></li>{% endfor %}
</ul></section>
<p class='muted'>说明文字 0</p>
<p class='muted'>说明文字 1</p>
<p class='muted'>说明文字 2</p>
<p class='muted'>说明文字 3</p>
<p class='muted'>说明文字 4</p>
<p class='muted'>说明文字 5</p>
<p class='muted'>说明文字 6</p>
<p class='muted'>说明文字 7</p>
<p class='muted'>说明文字 8</p>
<p class='muted'>说明文字 9</p>
<p class='muted'>说明文字 10</p>
<p class='muted'>说明文字 11</p>
<p class='muted'>说明文字 12</p>
<p class='muted'>说明文字 13</p>
<p class='muted'>说明文字 14</p>
<p class='muted'>说明文字 15</p>
<p class='muted'>说明文字 16</p>
<p class='muted'>说明文字 17</p>
<p class='muted'>说明文字 18</p>
<p class='muted'>说明文字 19</p>
<p class='muted'>说明文字 20</p>
<p class='muted'>说明文字 21</p>
<p class='muted'>说明文字 22</p>
<p class='muted'>说明文字 23</p>
<p class='muted'>说明文字 24</p>
<p class='muted'>说明文字 25</p>
<p class='muted'>说明文字 26</p>
<p class='muted'>说明文字 27</p>
<p class='muted'>说明文字 28</p>
<p class='muted'>说明文字 29</p>
<p class='muted'>说明文字 30</p>
<p class='muted'>说明文字 31</p>
<p class='muted'>说明文字 32</p>
<p class='muted'>说明文字 33</p>
<p class='muted'>说明文字 34</p>
<p class='muted'>说明文字 35</p>
<p class='muted'>说明文字 36</p>
<p class='muted'>说明文字 37</p>
<p class='muted'>说明文字 38</p>
<p class='muted'>说明文字 39</p>
</main><footer>联建通</footer></body></html>
"""
)
