"""hosted portal sessions that open into one flow (flow_data; issue 12)

Revision ID: 0005_portal_flows
Revises: 0004_onboarding
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_portal_flows'
down_revision = '0004_onboarding'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hosted_sessions') as batch:
        batch.add_column(sa.Column('flow', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hosted_sessions') as batch:
        batch.drop_column('flow')
