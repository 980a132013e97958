"""indexes for the overdue dashboard and deadline discipline

Revision ID: 0007_overdue_indexes
Revises: 0006_command_keys
Create Date: (written by hand)
"""

from alembic import op

revision = '0007_overdue_indexes'
down_revision = '0006_command_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.create_index('ix_wf_instance_territory_due', ['territory', 'next_due_at'], unique=False)
    with op.batch_alter_table('wf_deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_wf_deadline_instance_status')
        batch_op.create_index('ix_wf_deadline_instance_status', ['instance_id', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_wf_deadline_closed_at', ['closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('wf_deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_wf_deadline_closed_at')
        batch_op.drop_index('ix_wf_deadline_instance_status')
        batch_op.create_index('ix_wf_deadline_instance_status', ['instance_id', 'status'], unique=False)
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.drop_index('ix_wf_instance_territory_due')
