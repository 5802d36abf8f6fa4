"""Documents: layout_version (paragraphs merged or split)

Revision ID: 0005_document_layout
Revises: 0004_sessions_and_limits
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_document_layout'
down_revision = '0004_sessions_and_limits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('layout_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('layout_version')

