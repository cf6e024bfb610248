"""Local time and the Today page: therapists' and couples' time zones, the last Today visit.

Revision ID: 0008_rhythm
Revises: 0007_notrail
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_rhythm"
down_revision = "0007_notrail"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("today_seen_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("couples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("couples", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.drop_column("today_seen_at")
        batch_op.drop_column("time_zone")
