"""logs join the change feed

Revision ID: af63ff912b23
Revises: 3f1c2b7d9e40
Create Date: 2026-12-01 12:35:00.000000

From now on every stored log is recorded on the change feed (a patient's second device pulls
it with /sync). Logs stored before are added to the feed once here, oldest first, so a device
that starts from cursor 0 still receives the whole history.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'af63ff912b23'
down_revision = '3f1c2b7d9e40'
branch_labels = None
depends_on = None

# feed kind -> table (the same pairs as server.services.events.MODELS, frozen at this revision)
_TABLES = {
    'exercise_log': 'exercise_logs',
    'pain_log': 'pain_logs',
    'red_flag_check': 'red_flag_checks',
    'postop_check': 'postop_checks',
    'clinical_event': 'clinical_events',
}


def upgrade():
    rows = ' UNION ALL '.join(
        f"SELECT patient_id, '{kind}' AS kind, id AS ref_id, received_at FROM {table}"
        for kind, table in _TABLES.items()
    )
    op.execute(
        'INSERT INTO changes (patient_id, kind, ref_id, created_at)'
        f' SELECT patient_id, kind, ref_id, received_at FROM ({rows}) AS logs'
        ' ORDER BY received_at, kind, ref_id'
    )


def downgrade():
    kinds = ', '.join(f"'{kind}'" for kind in _TABLES)
    op.execute(f'DELETE FROM changes WHERE kind IN ({kinds})')
