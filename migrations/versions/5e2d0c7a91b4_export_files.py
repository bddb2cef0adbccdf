"""exports built by a job: one row per file, for its owner, with its week to live

Revision ID: 5e2d0c7a91b4
Revises: 5e7d0c2a9b41
Create Date: 2026-12-14 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = '5e2d0c7a91b4'
down_revision = "5e7d0c2a9b41"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_jobs',
    sa.Column('owner_id', sa.BigInteger(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('stored_path', sa.String(length=200), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('created_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', saas.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'owner_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_export_jobs_tenant_id_owner_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_export_jobs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_export_jobs'))
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_export_jobs_expires', ['expires_at'], unique=False)
        batch_op.create_index('ix_export_jobs_owner', ['tenant_id', 'owner_id', 'id'], unique=False)

    rls.enable(op, "export_jobs")


def downgrade():
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_export_jobs_owner')
        batch_op.drop_index('ix_export_jobs_expires')

    op.drop_table('export_jobs')
