"""outcome measures: the LEFS and the PGIC

Revision ID: b7d41c2e9a15
Revises: af63ff912b23
Create Date: 2026-12-01 16:30:00.000000

A table for completed questionnaires (function and global impression of change), synced like
the other logs: each new row joins the change feed.
"""
from alembic import op
import sqlalchemy as sa

import server.models.types


# revision identifiers, used by Alembic.
revision = 'b7d41c2e9a15'
down_revision = 'af63ff912b23'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outcome_measures',
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('instrument', sa.String(length=8), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_uuid', sa.Uuid(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', server.models.types.UTCDateTime(), nullable=True),
    sa.Column('received_at', server.models.types.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('supersedes', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_outcome_measures_patient_id_patients')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_outcome_measures_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_measures')),
    sa.UniqueConstraint('client_uuid', name=op.f('uq_outcome_measures_client_uuid'))
    )
    with op.batch_alter_table('outcome_measures', schema=None) as batch_op:
        batch_op.create_index('ix_outcome_measures_patient_date', ['patient_id', 'local_date'], unique=False)


def downgrade():
    op.execute("DELETE FROM changes WHERE kind = 'outcome_measure'")
    with op.batch_alter_table('outcome_measures', schema=None) as batch_op:
        batch_op.drop_index('ix_outcome_measures_patient_date')
    op.drop_table('outcome_measures')
