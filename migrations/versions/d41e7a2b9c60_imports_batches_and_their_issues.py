"""imports: uploaded files (import_jobs) and their problems by row and column (import_issues)

Revision ID: d41e7a2b9c60
Revises: f1a7c0de2b13
Create Date: 2026-12-08 14:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = 'd41e7a2b9c60'
down_revision = "f1a7c0de2b13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_jobs',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('on_existing', sa.String(length=8), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_path', sa.String(length=200), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('error_rows', sa.Integer(), nullable=False),
    sa.Column('existing_rows', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('inserted', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', saas.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'created_by'], ['users.tenant_id', 'users.id'], name=op.f('fk_import_jobs_tenant_id_created_by_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_jobs_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_import_jobs_recent', ['tenant_id', 'created_at'], unique=False)

    op.create_table('import_issues',
    sa.Column('batch_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('column', sa.String(length=50), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'batch_id'], ['import_jobs.tenant_id', 'import_jobs.id'], name=op.f('fk_import_issues_tenant_id_batch_id_import_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_import_issues_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_import_issues'))
    )
    with op.batch_alter_table('import_issues', schema=None) as batch_op:
        batch_op.create_index('ix_import_issues_batch', ['tenant_id', 'batch_id', 'row', 'id'], unique=False)

    rls.enable(op, 'import_jobs')
    rls.enable(op, 'import_issues')


def downgrade():
    with op.batch_alter_table('import_issues', schema=None) as batch_op:
        batch_op.drop_index('ix_import_issues_batch')

    op.drop_table('import_issues')
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_jobs_recent')

    op.drop_table('import_jobs')
