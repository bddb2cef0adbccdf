"""merchant alliance, area home: party members among a merchant's staff (merchant_party_members)

Revision ID: b7e2c4d91f30
Revises: a391ece57332
Create Date: 2026-12-07 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = 'b7e2c4d91f30'
down_revision = 'a391ece57332'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('merchant_party_members',
    sa.Column('organisation_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'organisation_id'], ['organisations.tenant_id', 'organisations.id'], name=op.f('fk_merchant_party_members_tenant_id_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_merchant_party_members_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_merchant_party_members_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_merchant_party_members')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_merchant_party_members_tenant_id_user_id'))
    )
    with op.batch_alter_table('merchant_party_members', schema=None) as batch_op:
        batch_op.create_index('ix_merchant_party_members_org', ['tenant_id', 'organisation_id'], unique=False)

    rls.enable(op, 'merchant_party_members')


def downgrade():
    with op.batch_alter_table('merchant_party_members', schema=None) as batch_op:
        batch_op.drop_index('ix_merchant_party_members_org')

    op.drop_table('merchant_party_members')
