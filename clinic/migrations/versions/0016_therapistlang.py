"""Each therapist's own page language (Therapist.language); unset follows DEFAULT_LANGUAGE.

Revision ID: 0016_therapistlang
Revises: 0011_seal
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_therapistlang"
down_revision = "0015_draftrev"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table("therapists", schema=None) as batch_op:
        batch_op.drop_column("language")
