"""service records out: a volunteer's ID document kept as a keyed hash and a mask

Revision ID: 5e7d0c2a9b41
Revises: 86a4b35285ec
Create Date: 2026-12-20 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = '5e7d0c2a9b41'
down_revision = '86a4b35285ec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_identities',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('number_hash', sa.String(length=64), nullable=False),
    sa.Column('number_masked', sa.String(length=24), nullable=False),
    sa.Column('entered_by', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'entered_by'], ['users.tenant_id', 'users.id'], name=op.f('fk_service_identities_tenant_id_entered_by_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_service_identities_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_service_identities_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_service_identities')),
    sa.UniqueConstraint('tenant_id', 'number_hash', name=op.f('uq_service_identities_tenant_id_number_hash')),
    sa.UniqueConstraint('tenant_id', 'user_id', name=op.f('uq_service_identities_tenant_id_user_id'))
    )
    rls.enable(op, "service_identities")


def downgrade():
    op.drop_table('service_identities')
