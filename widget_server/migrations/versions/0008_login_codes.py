"""One-time sign-in codes of the no-code login page and the profile page

Revision ID: 0008_login_codes
Revises: 0007_view_tokens
"""
from alembic import op
import sqlalchemy as sa


revision = '0008_login_codes'
down_revision = '0007_view_tokens'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'login_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=64), nullable=False),
        sa.Column('email_key', sa.String(length=64), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('customer_ids', sa.String(length=255), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_codes_scope_email', 'login_codes', ['scope', 'email_key'])


def downgrade() -> None:
    op.drop_index('ix_login_codes_scope_email', table_name='login_codes')
    op.drop_table('login_codes')
