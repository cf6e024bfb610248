"""Languages: the one each partner reads in, and the one each response was written in.

Both columns are new and empty (None: the practice's default language; not written yet), and
sealed like the other partner columns, so nothing needs encrypting here.

Revision ID: 0012_language
Revises: 0011_seal
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_language"
down_revision = "0011_seal"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.Text(), nullable=True))
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("partners", schema=None) as batch_op:
        batch_op.drop_column("language")
