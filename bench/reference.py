"""A reference between the ceiling and our pages: the issue's "same query through Flask-SQLAlchemy
with a tiny template".

One indexed query through a Flask-SQLAlchemy session (a transaction, pooled connection, pre-ping)
and a five-line template, served by the same gunicorn settings: what the usual Flask stack costs
before any page logic, sign-in or tenancy. Not part of the app.
"""

from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
db = SQLAlchemy(app)
_BALANCE = text("SELECT balance FROM passports WHERE tenant_id = :t AND id = :p")
_PAGE = app.jinja_env.from_string(
    "<!doctype html>\n<title>{{ title }}</title>\n<main>\n  <p>{{ balance }}</p>\n</main>\n"
)


@app.get("/ceiling")
def reference():
    tenant, passport = int(request.args["t"]), int(request.args["p"])
    # RLS: the street is set as the app does, in the same transaction
    db.session.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant)})
    balance = db.session.execute(_BALANCE, {"t": tenant, "p": passport}).scalar()
    return _PAGE.render(title="balance", balance=balance)
