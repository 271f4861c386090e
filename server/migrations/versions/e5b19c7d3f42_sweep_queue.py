"""sweep queue: the plans a sweep run by several worker processes still has to judge; logs by plan

Revision ID: e5b19c7d3f42
Revises: d7c2e94a1b36
Create Date: 2026-12-02 02:20:00.000000

`flask --app server sweep run --workers N` (PostgreSQL) fills it with the plans that are due and
its workers claim them with FOR UPDATE SKIP LOCKED; a row is deleted when its plan is judged.
The sweep reads exercise logs by plan: an index on exercise_logs.plan_id (before it, each batch
scanned the whole table on PostgreSQL).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b19c7d3f42'
down_revision = 'd7c2e94a1b36'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sweep_queue',
    sa.Column('sweep_run_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('local_today', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_sweep_queue_plan_id_plans')),
    sa.ForeignKeyConstraint(['sweep_run_id'], ['sweep_runs.id'], name=op.f('fk_sweep_queue_sweep_run_id_sweep_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sweep_run_id', 'plan_id', name=op.f('pk_sweep_queue'))
    )
    with op.batch_alter_table('exercise_logs', schema=None) as batch_op:
        batch_op.create_index('ix_exercise_logs_plan_id', ['plan_id'], unique=False)


def downgrade():
    with op.batch_alter_table('exercise_logs', schema=None) as batch_op:
        batch_op.drop_index('ix_exercise_logs_plan_id')
    op.drop_table('sweep_queue')
