"""alliance meetings: a resolution's done note and who closed it; the monthly report's deliveries

Revision ID: 3c9d2e7f1a08
Revises: 959e4052553b
Create Date: 2026-12-07 10:00:00.000000

"""

from alembic import op
import sqlalchemy as sa

import saas.db
from saas import rls


# revision identifiers, used by Alembic.
revision = "3c9d2e7f1a08"
down_revision = "959e4052553b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("alliance_resolutions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("done_note", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("done_by", sa.BigInteger(), nullable=True))

    op.create_table(
        "alliance_report_deliveries",
        sa.Column("organisation_id", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("created_at", saas.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisations.tenant_id", "organisations.id"],
            name=op.f("fk_alliance_report_deliveries_tenant_id_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_alliance_report_deliveries_tenant_id_tenants"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_alliance_report_deliveries")),
        sa.UniqueConstraint(
            "tenant_id",
            "organisation_id",
            "month",
            name=op.f("uq_alliance_report_deliveries_tenant_id_organisation_id_month"),
        ),
    )
    rls.enable(op, "alliance_report_deliveries")


def downgrade():
    op.drop_table("alliance_report_deliveries")
    with op.batch_alter_table("alliance_resolutions", schema=None) as batch_op:
        batch_op.drop_column("done_by")
        batch_op.drop_column("done_note")
