"""annotations: the unique (reviewer_id, client_id) index holds only the spans that have a
client_id; imported spans have none (NULLs never clash), and each entry was a share of an
import's time on the server

Revision ID: 0012_span_client_id_partial
Revises: 0011_span_reviewer_index
"""
import warnings

import sqlalchemy as sa
from alembic import op

revision = '0012_span_client_id_partial'
down_revision = '0011_span_reviewer_index'
branch_labels = None
depends_on = None

NAME = 'uq_annotations_reviewer_id_client_id'
WHERE = sa.text('client_id IS NOT NULL')


def upgrade():
    with warnings.catch_warnings():
        # SQLite's table rebuild reflects the users table, whose lower(username) index
        # SQLAlchemy cannot reflect (it stays untouched).
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        with op.batch_alter_table('annotations', schema=None) as batch_op:
            batch_op.drop_constraint(NAME, type_='unique')
    op.create_index(NAME, 'annotations', ['reviewer_id', 'client_id'], unique=True,
                    postgresql_where=WHERE, sqlite_where=WHERE)


def downgrade():
    op.drop_index(NAME, table_name='annotations')
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        with op.batch_alter_table('annotations', schema=None) as batch_op:
            batch_op.create_unique_constraint(NAME, ['reviewer_id', 'client_id'])
