"""carried adherence: a plan's adherence sums kept between sweeps; logs by plan and date

Revision ID: f3a8c61d5e27
Revises: e5b19c7d3f42
Create Date: 2026-12-02 11:00:00.000000

plan_evaluations.carry holds the adherence sums of a plan's days before a date (and how many
log rows those days had), so a sweep reads only the recent rows (server/services/carried.py).
exercise_logs gets (plan_id, local_date) in place of (plan_id): it serves the reads by plan, the
recent rows and the count of older ones. Corrections (rows with `supersedes`) get partial
indexes, so finding them no longer reads a patient's whole history.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f3a8c61d5e27"
down_revision = "e5b19c7d3f42"
branch_labels = None
depends_on = None

CORRECTIONS = sa.text("supersedes IS NOT NULL")


def upgrade():
    with op.batch_alter_table("plan_evaluations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("carry", sa.JSON(), nullable=True))
    with op.batch_alter_table("exercise_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_exercise_logs_plan_id")
        batch_op.create_index("ix_exercise_logs_plan_date", ["plan_id", "local_date"], unique=False)
        batch_op.create_index(
            "ix_exercise_logs_corrections",
            ["plan_id"],
            unique=False,
            postgresql_where=CORRECTIONS,
            sqlite_where=CORRECTIONS,
        )
    with op.batch_alter_table("pain_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pain_logs_corrections",
            ["patient_id"],
            unique=False,
            postgresql_where=CORRECTIONS,
            sqlite_where=CORRECTIONS,
        )


def downgrade():
    with op.batch_alter_table("pain_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_pain_logs_corrections")
    with op.batch_alter_table("exercise_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_exercise_logs_corrections")
        batch_op.drop_index("ix_exercise_logs_plan_date")
        batch_op.create_index("ix_exercise_logs_plan_id", ["plan_id"], unique=False)
    with op.batch_alter_table("plan_evaluations", schema=None) as batch_op:
        batch_op.drop_column("carry")
