"""View-snapshot generation tokens in the database, shared by every worker and instance

Revision ID: 0007_view_tokens
Revises: 0006_preview_drafts
"""
from alembic import op
import sqlalchemy as sa


revision = '0007_view_tokens'
down_revision = '0006_preview_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'view_tokens',
        sa.Column('name', sa.String(length=320), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('expires_at', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_index('ix_view_tokens_expires_at', 'view_tokens', ['expires_at'])


def downgrade() -> None:
    op.drop_index('ix_view_tokens_expires_at', table_name='view_tokens')
    op.drop_table('view_tokens')
