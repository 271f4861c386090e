"""decision review points: alerts.decided_at, review_on, follows_id; alert_events.snapshot

Revision ID: 5b7e21c4d9a0
Revises: 82a9745e89bc
Create Date: 2026-12-01 13:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

from server.models.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '5b7e21c4d9a0'
down_revision = '82a9745e89bc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_alerts_follows_id', 'alerts', ['follows_id'], ['id'])
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_column('snapshot')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_constraint('fk_alerts_follows_id', type_='foreignkey')
        batch_op.drop_column('follows_id')
        batch_op.drop_column('review_on')
        batch_op.drop_column('decided_at')
