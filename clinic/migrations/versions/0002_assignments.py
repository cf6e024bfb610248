"""Worksheet versions, custom worksheets, assignments, responses, answers, client links.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('worksheet_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worksheet_versions')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_worksheet_versions_content_hash'))
    )
    with op.batch_alter_table('worksheet_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worksheet_versions_slug'), ['slug'], unique=False)

    op.create_table('custom_worksheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('therapist_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('source_yaml', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['therapist_id'], ['therapists.id'], name=op.f('fk_custom_worksheets_therapist_id_therapists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_worksheets')),
    sa.UniqueConstraint('therapist_id', 'slug', name=op.f('uq_custom_worksheets_therapist_id'))
    )
    with op.batch_alter_table('custom_worksheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_worksheets_therapist_id'), ['therapist_id'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('couple_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('link_days', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['couple_id'], ['couples.id'], name=op.f('fk_assignments_couple_id_couples')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignments_couple_id'), ['couple_id'], unique=False)

    op.create_table('assigned_worksheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('worksheet_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('answered_by', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assigned_worksheets_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['worksheet_version_id'], ['worksheet_versions.id'], name=op.f('fk_assigned_worksheets_worksheet_version_id_worksheet_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assigned_worksheets'))
    )
    with op.batch_alter_table('assigned_worksheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assigned_worksheets_assignment_id'), ['assignment_id'], unique=False)

    op.create_table('client_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_client_links_assignment_id_assignments')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_client_links_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_client_links_token_hash'))
    )
    with op.batch_alter_table('client_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_links_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_links_partner_id'), ['partner_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assigned_worksheet_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_worksheet_id'], ['assigned_worksheets.id'], name=op.f('fk_responses_assigned_worksheet_id_assigned_worksheets')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_responses_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('assigned_worksheet_id', 'partner_id', name=op.f('uq_responses_assigned_worksheet_id'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_responses_assigned_worksheet_id'), ['assigned_worksheet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_responses_partner_id'), ['partner_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('shareable', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_answers_response_id_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('response_id', 'item_id', name=op.f('uq_answers_response_id'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answers_response_id'), ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answers_response_id'))
    op.drop_table('answers')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_responses_partner_id'))
        batch_op.drop_index(batch_op.f('ix_responses_assigned_worksheet_id'))
    op.drop_table('responses')
    with op.batch_alter_table('client_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_links_partner_id'))
        batch_op.drop_index(batch_op.f('ix_client_links_assignment_id'))
    op.drop_table('client_links')
    with op.batch_alter_table('assigned_worksheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assigned_worksheets_assignment_id'))
    op.drop_table('assigned_worksheets')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignments_couple_id'))
    op.drop_table('assignments')
    with op.batch_alter_table('custom_worksheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_worksheets_therapist_id'))
    op.drop_table('custom_worksheets')
    with op.batch_alter_table('worksheet_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worksheet_versions_slug'))
    op.drop_table('worksheet_versions')
