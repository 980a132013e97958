"""command keys: forms and requests handled once

Revision ID: 0006_command_keys
Revises: 0005_notifications
Create Date: (written by hand)
"""

from alembic import op
import sqlalchemy as sa
import engine.tables

revision = '0006_command_keys'
down_revision = '0005_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('command_key',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('command_key')
