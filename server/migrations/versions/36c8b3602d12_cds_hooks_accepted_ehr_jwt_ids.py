"""CDS Hooks: the JWT ids an EHR has used, kept until they expire

Revision ID: 36c8b3602d12
Revises: c3a91f5e7d20
Create Date: 2026-12-02 01:06:02.302546

A CDS Hooks request JWT is accepted once: its (issuer, jti) is stored until its `exp`, and the
unique constraint refuses a replay on every worker.
"""
from alembic import op
import sqlalchemy as sa

import server.models.types


# revision identifiers, used by Alembic.
revision = '36c8b3602d12'
down_revision = 'c3a91f5e7d20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cds_jti',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('jti', sa.String(length=255), nullable=False),
    sa.Column('expires_at', server.models.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cds_jti')),
    sa.UniqueConstraint('issuer', 'jti', name=op.f('uq_cds_jti_issuer_jti'))
    )
    with op.batch_alter_table('cds_jti', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cds_jti_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('cds_jti', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cds_jti_expires_at'))
    op.drop_table('cds_jti')
