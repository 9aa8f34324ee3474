"""live preview drafts (issue 12)

Revision ID: 0006_preview_drafts
Revises: 0005_portal_flows
"""
from alembic import op
import sqlalchemy as sa


revision = '0006_preview_drafts'
down_revision = '0005_portal_flows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'preview_drafts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('draft_id', sa.String(length=64), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('settings', sa.JSON(), nullable=False),
        sa.Column('customer_id', sa.String(length=255), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['owners.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('draft_id'),
    )
    op.create_index('ix_preview_drafts_account_id', 'preview_drafts', ['account_id'])


def downgrade() -> None:
    op.drop_index('ix_preview_drafts_account_id', table_name='preview_drafts')
    op.drop_table('preview_drafts')
