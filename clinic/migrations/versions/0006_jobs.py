"""Recurring check-ins: a schedule per repeating assignment and a row for each of its dates.

Revision ID: 0006_jobs
Revises: 0006_rhythm
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_jobs"
down_revision = "0006_rhythm"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "check_in_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("interval", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id"),
    )
    op.create_table(
        "check_in_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("emailed_partner_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"]),
        sa.ForeignKeyConstraint(["schedule_id"], ["check_in_schedules.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "number"),
    )
    with op.batch_alter_table("check_in_occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_check_in_occurrences_schedule_id", ["schedule_id"])
        batch_op.create_index("ix_check_in_occurrences_assignment_id", ["assignment_id"])


def downgrade():
    op.drop_table("check_in_occurrences")
    op.drop_table("check_in_schedules")
