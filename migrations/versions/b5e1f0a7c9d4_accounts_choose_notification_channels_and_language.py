"""accounts choose their notification channels per kind and the language messages are written in

Revision ID: b5e1f0a7c9d4
Revises: c3f1a0e5b7d2
Create Date: 2026-11-30 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5e1f0a7c9d4'
down_revision = 'c3f1a0e5b7d2'
branch_labels = None
depends_on = None


def upgrade():
    # server defaults fill the existing accounts: Chinese, and each kind's default channels
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('language', sa.String(length=8), server_default='zh', nullable=False)
        )
        batch_op.add_column(
            sa.Column('notification_prefs', sa.JSON(), server_default='{}', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notification_prefs')
        batch_op.drop_column('language')
