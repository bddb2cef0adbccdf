"""passports carry their holder's community, for the rank in one index range

Revision ID: 5d2a7c81e4f0
Revises: 9b6bcf1466a2
Create Date: 2026-11-22 19:45:00

"""
from alembic import op
import sqlalchemy as sa

from saas import rls


# revision identifiers, used by Alembic.
revision = '5d2a7c81e4f0'
down_revision = '9b6bcf1466a2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('passports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('community_id', sa.BigInteger(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_passports_tenant_id_community_id_communities'),
            'communities',
            ['tenant_id', 'community_id'],
            ['tenant_id', 'id'],
        )
        batch_op.create_index(
            'ix_passports_rank',
            ['tenant_id', 'community_id', 'hours_year_of', 'hours_year'],
            unique=False,
        )
    rls.see_every_street(op)
    op.execute(
        "UPDATE passports SET community_id = (SELECT users.community_id FROM users"
        " WHERE users.tenant_id = passports.tenant_id AND users.id = passports.user_id)"
    )


def downgrade():
    with op.batch_alter_table('passports', schema=None) as batch_op:
        batch_op.drop_index('ix_passports_rank')
        batch_op.drop_constraint(
            batch_op.f('fk_passports_tenant_id_community_id_communities'), type_='foreignkey'
        )
        batch_op.drop_column('community_id')
