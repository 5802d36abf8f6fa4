"""Derived data kept for every worker: the cached_values table (agreement reports, the ledger)

Revision ID: 0010_report_cache
Revises: 0008_suggestions
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_report_cache'
down_revision = '0008_suggestions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cached_values',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_cached_values_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_cached_values'))
    )
    with op.batch_alter_table('cached_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cached_values_project_id'), ['project_id'], unique=False)


def downgrade():
    with op.batch_alter_table('cached_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cached_values_project_id'))

    op.drop_table('cached_values')
