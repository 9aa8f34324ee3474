"""first-run claim, owner invites, imported account ids (issue 12)

Revision ID: 0004_onboarding
Revises: 0003_webhooks
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_onboarding'
down_revision = '0003_webhooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'first_run',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('owner_id', sa.Integer(), sa.ForeignKey('owners.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'owner_invites',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('code_hash', sa.String(64), nullable=False, unique=True),
        sa.Column('email', sa.String(320), nullable=False),
        sa.Column('invited_by', sa.Integer(), sa.ForeignKey('owners.id'), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        'account_aliases',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('alias', sa.String(64), nullable=False, unique=True),
        sa.Column('account_id', sa.Integer(), sa.ForeignKey('accounts.id'), nullable=False),
        sa.Column('source', sa.String(20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index('ix_account_aliases_account_id', 'account_aliases', ['account_id'])


def downgrade() -> None:
    op.drop_index('ix_account_aliases_account_id', 'account_aliases')
    op.drop_table('account_aliases')
    op.drop_table('owner_invites')
    op.drop_table('first_run')
