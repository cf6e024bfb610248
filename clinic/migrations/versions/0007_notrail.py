"""Leave no trail: a partner's optional personal code, its lock-out, and client link sessions.

Revision ID: 0007_notrail
Revises: 0006_sessions
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_notrail"
down_revision = "0006_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code_hash', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('code_choice_allowed', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('code_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('code_locked_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.alter_column('code_choice_allowed', server_default=None)
        batch_op.alter_column('code_failures', server_default=None)
    op.create_table('client_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['client_links.id'], name=op.f('fk_client_sessions_link_id_client_links'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_sessions'))
    )
    with op.batch_alter_table('client_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_sessions_key_hash'), ['key_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_sessions_link_id'), ['link_id'], unique=False)


def downgrade():
    with op.batch_alter_table('client_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_sessions_link_id'))
        batch_op.drop_index(batch_op.f('ix_client_sessions_key_hash'))
    op.drop_table('client_sessions')
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('code_locked_at')
        batch_op.drop_column('code_failures')
        batch_op.drop_column('code_choice_allowed')
        batch_op.drop_column('code_hash')
