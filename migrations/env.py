"""Alembic environment. Migrations run as the schema owner (``MIGRATION_DATABASE_URL`` when the
app itself connects as a role without BYPASSRLS), create the tables and their RLS policies, and
grant the app role what it needs (``DATABASE_APP_ROLE``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine

config = context.config
fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def _engine():
    url = current_app.config.get("MIGRATION_DATABASE_URL")
    if url:
        return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    return target_db.engine


def run_migrations_offline():
    context.configure(
        url=str(_engine().url), target_metadata=target_db.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["render_as_batch"] = True  # SQLite can only ALTER through table copies
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_db.metadata,
            **conf_args,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
