"""Safety alerts: answers to a private worksheet that met its alert rules, and their review.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('safety_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_ids', sa.Text(), nullable=False),
    sa.Column('urgency', sa.Text(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_safety_alerts_response_id_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['therapists.id'], name=op.f('fk_safety_alerts_reviewed_by_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_alerts'))
    )
    with op.batch_alter_table('safety_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_alerts_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('safety_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_alerts_response_id'))
    op.drop_table('safety_alerts')
