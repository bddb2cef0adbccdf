"""notifications carry a sending lease instead of a row lock held during the send

Revision ID: e7c4a19d3b52
Revises: 5d2a7c81e4f0
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa

import saas.db


# revision identifiers, used by Alembic.
revision = 'e7c4a19d3b52'
down_revision = '5d2a7c81e4f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('sending_until', saas.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('sending_by', sa.String(length=120), nullable=True))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('sending_by')
        batch_op.drop_column('sending_until')
