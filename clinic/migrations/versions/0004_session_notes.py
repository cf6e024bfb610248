"""Session notes: the therapist's private notes on a couple or one of its assignments.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('session_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_session_notes_assignment_id_assignments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_session_notes_couple_id_couples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_notes'))
    )
    with op.batch_alter_table('session_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_notes_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_notes_couple_id'), ['couple_id'], unique=False)


def downgrade():
    with op.batch_alter_table('session_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_notes_couple_id'))
        batch_op.drop_index(batch_op.f('ix_session_notes_assignment_id'))
    op.drop_table('session_notes')
