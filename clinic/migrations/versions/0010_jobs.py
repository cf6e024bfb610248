"""Recurring check-ins (a schedule per repeating assignment, a row for each of its dates) and
reminders (a plan per assignment, a row per reminder claimed before it is sent).

Revision ID: 0010_jobs
Revises: 0009_builder
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_jobs"
down_revision = "0009_builder"
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
    op.create_table(
        "reminder_plans",
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.JSON(), nullable=False),
        sa.Column("max_per_partner", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"]),
        sa.PrimaryKeyConstraint("assignment_id"),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assignment_id", "partner_id", "days_before"),
    )
    with op.batch_alter_table("reminders_sent", schema=None) as batch_op:
        batch_op.create_index("ix_reminders_sent_assignment_id", ["assignment_id"])
        batch_op.create_index("ix_reminders_sent_partner_id", ["partner_id"])


def downgrade():
    op.drop_table("reminders_sent")
    op.drop_table("reminder_plans")
    op.drop_table("check_in_occurrences")
    op.drop_table("check_in_schedules")
