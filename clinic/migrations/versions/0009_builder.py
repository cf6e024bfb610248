"""Worksheet builder drafts: definitions being made in the builder, saved as they are typed.

Revision ID: 0009_builder
Revises: 0008_rhythm
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_builder"
down_revision = "0008_rhythm"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worksheet_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('custom_id', sa.Integer(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['custom_id'], ['custom_worksheets.id'], name=op.f('fk_worksheet_drafts_custom_id_custom_worksheets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_worksheet_drafts_therapist_id_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worksheet_drafts'))
    )
    with op.batch_alter_table('worksheet_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worksheet_drafts_therapist_id'), ['therapist_id'], unique=False)


def downgrade():
    with op.batch_alter_table('worksheet_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worksheet_drafts_therapist_id'))
    op.drop_table('worksheet_drafts')
