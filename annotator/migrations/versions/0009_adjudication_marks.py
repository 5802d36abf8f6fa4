"""Adjudicated paragraphs: an adjudicator marked a paragraph's gold done (who and when)

Revision ID: 0009_adjudication_marks
Revises: 0006_answers
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_adjudication_marks'
down_revision = '0006_answers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('adjudicated_paragraphs',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('paragraph_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('adjudicated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adjudicated_by_id'], ['users.id'], name=op.f('fk_adjudicated_paragraphs_adjudicated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id', 'paragraph_index'], ['paragraphs.document_id', 'paragraphs.position'], name=op.f('fk_adjudicated_paragraphs_document_id_paragraph_index_paragraphs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'paragraph_index', name=op.f('pk_adjudicated_paragraphs'))
    )


def downgrade():
    op.drop_table('adjudicated_paragraphs')
