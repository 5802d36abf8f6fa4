"""Suggestions: the origin of a reviewer's span, reviewers' decisions on suggestions, the
project's suggestion settings

Revision ID: 0008_suggestions
Revises: 0007_ledger_aliases
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = '0008_suggestions'
down_revision = '0007_ledger_aliases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=100), nullable=True))
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suggestion_settings', JSON, server_default='{}',
                                      nullable=False))
    op.create_table('suggestion_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('paragraph_index', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('annotation_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('accepted', 'edited', 'rejected')", name=op.f('ck_suggestion_decisions_decision')),
    sa.ForeignKeyConstraint(['annotation_id'], ['annotations.id'], name=op.f('fk_suggestion_decisions_annotation_id_annotations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_suggestion_decisions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_suggestion_decisions_reviewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_decisions')),
    sa.UniqueConstraint('document_id', 'reviewer_id', 'suggestion_id', name=op.f('uq_suggestion_decisions_document_id_reviewer_id_suggestion_id'))
    )
    with op.batch_alter_table('suggestion_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_decisions_reviewer_id'), ['reviewer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('suggestion_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_decisions_reviewer_id'))
    op.drop_table('suggestion_decisions')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('suggestion_settings')
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_column('origin')
