"""Article-level answers: reviews' answers, gold answers

Revision ID: 0006_answers
Revises: 0005_document_layout
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision = '0006_answers'
down_revision = '0005_document_layout'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gold_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('value', JSON, nullable=False),
    sa.Column('provenance', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_gold_answers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_gold_answers_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gold_answers')),
    sa.UniqueConstraint('document_id', 'question', name=op.f('uq_gold_answers_document_id_question'))
    )
    with op.batch_alter_table('document_reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answers', JSON, server_default='{}', nullable=False))


def downgrade():
    with op.batch_alter_table('document_reviews', schema=None) as batch_op:
        batch_op.drop_column('answers')

    op.drop_table('gold_answers')
