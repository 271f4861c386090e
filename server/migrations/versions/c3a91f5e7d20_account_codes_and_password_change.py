"""account lifecycle: one-time codes and a password that must be changed

Revision ID: c3a91f5e7d20
Revises: c4e8a1f37b52
Create Date: 2026-12-01 21:00:00.000000

Activation and reset codes (given by staff, one use, expiring) and the short-lived change
token of a sign-in whose password an admin chose; users get the flag that asks for it.
"""
from alembic import op
import sqlalchemy as sa

import server.models.types


# revision identifiers, used by Alembic.
revision = 'c3a91f5e7d20'
down_revision = 'c4e8a1f37b52'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', server.models.types.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', server.models.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', server.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_codes')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_account_codes_code_hash'))
    )
    with op.batch_alter_table('account_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_codes_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('account_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_codes_user_id'))
    op.drop_table('account_codes')
