"""Stripe webhook signing secrets per account; applied events (issue 13)

Revision ID: 0003_webhooks
Revises: 0002_security
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_webhooks'
down_revision = '0002_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('webhook_secret_encrypted', sa.Text(), nullable=True))
        batch.add_column(sa.Column('previous_webhook_secret_encrypted', sa.Text(),
                                   nullable=True))
        batch.add_column(sa.Column('previous_webhook_secret_expires_at',
                                   sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'stripe_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=255), nullable=False),
        sa.Column('event_type', sa.String(length=100), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'event_id', name='uq_stripe_events_account_event'),
    )
    op.create_index('ix_stripe_events_account_received', 'stripe_events',
                    ['account_id', 'received_at'])


def downgrade() -> None:
    op.drop_index('ix_stripe_events_account_received', table_name='stripe_events')
    op.drop_table('stripe_events')
    with op.batch_alter_table('accounts') as batch:
        batch.drop_column('previous_webhook_secret_expires_at')
        batch.drop_column('previous_webhook_secret_encrypted')
        batch.drop_column('webhook_secret_encrypted')
