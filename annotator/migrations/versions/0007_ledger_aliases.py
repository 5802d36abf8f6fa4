"""Source ledger: the project's alias table, and a time of change on gold spans (whose
attributes the ledger reads change in place)

Revision ID: 0007_ledger_aliases
Revises: 0009_adjudication_marks (chained in the order the branches landed)
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_ledger_aliases'
down_revision = '0009_adjudication_marks'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ledger_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=500), nullable=False),
    sa.Column('canonical', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('alias <> canonical', name=op.f('ck_ledger_aliases_not_itself')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ledger_aliases_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], name=op.f('fk_ledger_aliases_project_id_projects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_aliases')),
    sa.UniqueConstraint('project_id', 'alias', name=op.f('uq_ledger_aliases_project_id_alias'))
    )
    with op.batch_alter_table('ledger_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_aliases_project_id'), ['project_id'], unique=False)
    with op.batch_alter_table('gold_spans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('gold_spans', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
    with op.batch_alter_table('ledger_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_aliases_project_id'))
    op.drop_table('ledger_aliases')
