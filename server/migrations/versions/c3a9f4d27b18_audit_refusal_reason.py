"""audit events: why a call was refused

Revision ID: c3a9f4d27b18
Revises: b7d41c2e9a15
Create Date: 2026-12-01 21:10:00.000000

A refused call (REST or an event in a /sync push) keeps the refusal's message with its event, so
the trail says who was refused and why. NULL for calls that succeeded and for older rows.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a9f4d27b18'
down_revision = 'b7d41c2e9a15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('reason')
