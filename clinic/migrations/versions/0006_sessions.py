"""Therapist sessions held on the server, so that signing out or a password change ends them.

Revision ID: 0006_sessions
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_sessions"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('therapist_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_therapist_sessions_therapist_id_therapists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_therapist_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_therapist_sessions_token_hash'))
    )
    with op.batch_alter_table('therapist_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_therapist_sessions_therapist_id'), ['therapist_id'], unique=False)


def downgrade():
    with op.batch_alter_table('therapist_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_therapist_sessions_therapist_id'))
    op.drop_table('therapist_sessions')
