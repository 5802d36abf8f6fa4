"""One gold span per place and label

Revision ID: 0002_gold_unique
Revises: 0001_initial
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = '0002_gold_unique'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade():
    # Keep the first of any duplicates written before the constraint existed.
    op.execute(sa.text(
        'DELETE FROM gold_spans WHERE id NOT IN (SELECT MIN(id) FROM gold_spans '
        'GROUP BY document_id, paragraph_index, label, "start", "end")'))
    with warnings.catch_warnings():
        # SQLite's table rebuild reflects the users table, whose lower(username) index
        # SQLAlchemy cannot reflect (it stays untouched).
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        with op.batch_alter_table('gold_spans', schema=None) as batch_op:
            batch_op.drop_index('ix_gold_spans_document')
            batch_op.create_unique_constraint(
                'uq_gold_spans_place',
                ['document_id', 'paragraph_index', 'label', 'start', 'end'])


def downgrade():
    with op.batch_alter_table('gold_spans', schema=None) as batch_op:
        batch_op.drop_constraint('uq_gold_spans_place', type_='unique')
        batch_op.create_index('ix_gold_spans_document', ['document_id', 'paragraph_index'],
                              unique=False)
