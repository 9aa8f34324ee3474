"""owner sessions and disabling; portal token revocation (issue 10)

Revision ID: 0002_security
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_security'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('owners') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('tokens_valid_after', sa.DateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('tokens_valid_after')
    with op.batch_alter_table('owners') as batch:
        batch.drop_column('disabled_at')
        batch.drop_column('session_epoch')
