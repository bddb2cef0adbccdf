"""personal-data rights and retention: deletion requests, erased accounts, an append-only audit log

Revision ID: d4a7e19b2c60
Revises: 5e2d0c7a91b4
Create Date: 2026-12-09 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = 'd4a7e19b2c60'
down_revision = "5e2d0c7a91b4"
branch_labels = None
depends_on = None

# The audit log is append-only on PostgreSQL: no UPDATE ever, and a DELETE only inside a
# transaction that said it is the retention purge (saas.audit.services.purge sets
# app.audit_purge). TRUNCATE (tests, a dropped street) is a statement, not rows: untouched.
APPEND_ONLY = """
CREATE FUNCTION audit_entries_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('app.audit_purge', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only: % refused (only the retention purge deletes)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""


def upgrade():
    op.create_table('deletion_requests',
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('requested_at', saas.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.BigInteger(), nullable=True),
    sa.Column('decided_at', saas.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'confirmed', 'refused', 'withdrawn')", name=op.f('ck_deletion_requests_status_known')),
    sa.ForeignKeyConstraint(['tenant_id', 'decided_by'], ['users.tenant_id', 'users.id'], name=op.f('fk_deletion_requests_tenant_id_decided_by_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_deletion_requests_tenant_id_user_id_users')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_deletion_requests_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_deletion_requests'))
    )
    with op.batch_alter_table('deletion_requests', schema=None) as batch_op:
        batch_op.create_index('ix_deletion_requests_status', ['tenant_id', 'status', 'requested_at'], unique=False)
        batch_op.create_index('ix_deletion_requests_user', ['tenant_id', 'user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erased_at', saas.db.UTCDateTime(timezone=True), nullable=True))

    rls.enable(op, 'deletion_requests')

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY)
        op.execute(
            'CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries '
            'FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()'
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER audit_entries_append_only ON audit_entries')
        op.execute('DROP FUNCTION audit_entries_append_only()')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')

    with op.batch_alter_table('deletion_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_deletion_requests_user')
        batch_op.drop_index('ix_deletion_requests_status')

    op.drop_table('deletion_requests')
