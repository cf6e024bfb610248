"""Long PDFs rendered in the background (issue #19): the prepared_pdfs table.

Revision ID: 0017_preparedpdfs
Revises: 0016_therapistlang
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_preparedpdfs"
down_revision = "0016_therapistlang"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "prepared_pdfs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapist_id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("pdf", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["couple_id"], ["couples.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["therapist_id"], ["therapists.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("prepared_pdfs", schema=None) as batch_op:
        batch_op.create_index("ix_prepared_pdfs_cache_key", ["cache_key"], unique=False)
        batch_op.create_index("ix_prepared_pdfs_couple_id", ["couple_id"], unique=False)
        batch_op.create_index("ix_prepared_pdfs_therapist_id", ["therapist_id"], unique=False)


def downgrade():
    op.drop_table("prepared_pdfs")
