"""users remember the sessions ended at logout, so a copy of that cookie stops working

Revision ID: a5e5510f0c1d
Revises: e7c4a19d3b52
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5e5510f0c1d'
down_revision = 'e7c4a19d3b52'
branch_labels = None
depends_on = None


def upgrade():
    # nullable, no default: adding it rewrites no row, and an empty list is NULL
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_sessions', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('revoked_sessions')
