"""calendar feeds: a patient's private, revocable feed URL (only its hash is stored)

Revision ID: d7c2e94a1b36
Revises: 36c8b3602d12
Create Date: 2026-12-02 01:20:00.000000

GET /calendar/{token}.ics reads the patient's schedule for calendar apps, which cannot send a
bearer token. At most one feed per patient is live: a partial unique index on patient_id.
"""
from alembic import op
import sqlalchemy as sa

import server.models.types


# revision identifiers, used by Alembic.
revision = 'd7c2e94a1b36'
down_revision = '36c8b3602d12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', server.models.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', server.models.types.UTCDateTime(), nullable=True),
    sa.Column('last_read_at', server.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_calendar_feeds_patient_id_patients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index('uq_calendar_feeds_live_patient', ['patient_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))


def downgrade():
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index('uq_calendar_feeds_live_patient', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_patient_id'))
    op.drop_table('calendar_feeds')
