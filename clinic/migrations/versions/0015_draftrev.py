"""Builder drafts count their saves, so a save from an older page never overwrites newer work.

Revision ID: 0015_draftrev
Revises: 0011_seal
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_draftrev"
down_revision = "0012_language"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("worksheet_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade():
    with op.batch_alter_table("worksheet_drafts", schema=None) as batch_op:
        batch_op.drop_column("revision")
