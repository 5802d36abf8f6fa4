"""annotations: the index on reviewer_id alone dropped; the unique (reviewer_id, client_id)
index starts with the same column and serves the same look-ups, and every span written paid
for both

Revision ID: 0011_span_reviewer_index
Revises: 0010_report_cache
"""
from alembic import op

revision = '0011_span_reviewer_index'
down_revision = '0010_report_cache'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annotations_reviewer_id'))


def downgrade():
    with op.batch_alter_table('annotations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annotations_reviewer_id'), ['reviewer_id'],
                              unique=False)
