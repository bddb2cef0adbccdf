"""figures kept per street per day (daily_figures) for the dashboard and the reports

Revision ID: f1a7c0de2b13
Revises: d4a7e19b2c60
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = 'f1a7c0de2b13'
down_revision = "d4a7e19b2c60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('daily_figures',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('community_id', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_daily_figures_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_daily_figures')),
    sa.UniqueConstraint('tenant_id', 'community_id', 'day', 'key', name=op.f('uq_daily_figures_tenant_id_community_id_day_key'))
    )
    rls.enable(op, "daily_figures")


def downgrade():
    op.drop_table('daily_figures')
