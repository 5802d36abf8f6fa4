"""Gold rejections: places where an adjudicator deleted gold, not proposed again

Revision ID: 0003_gold_rejections
Revises: 0002_gold_unique
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_gold_rejections'
down_revision = '0002_gold_unique'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gold_rejections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('paragraph_index', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('rejected_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('"start" >= 0 AND "end" > "start"', name=op.f('ck_gold_rejections_offsets')),
    sa.ForeignKeyConstraint(['document_id', 'paragraph_index'], ['paragraphs.document_id', 'paragraphs.position'], name=op.f('fk_gold_rejections_document_id_paragraph_index_paragraphs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rejected_by_id'], ['users.id'], name=op.f('fk_gold_rejections_rejected_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gold_rejections')),
    sa.UniqueConstraint('document_id', 'paragraph_index', 'label', 'start', 'end', name='uq_gold_rejections_place')
    )


def downgrade():
    op.drop_table('gold_rejections')
