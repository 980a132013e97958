"""obligations of organisations as stored work: report_obligation (unique per organisation, report and period)
and its history report_obligation_event

Revision ID: 0013_obligations
Revises: 0011_adults
Create Date: (written by hand)
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import engine.tables

revision = '0013_obligations'
down_revision = '0011_adults'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
DT = engine.tables.UTCDateTime


def upgrade() -> None:
    op.create_table('report_obligation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('report', S(length=64), nullable=False),
    sa.Column('kind', S(length=16), nullable=False),
    sa.Column('title', S(length=300), nullable=False),
    sa.Column('period_first', sa.Date(), nullable=False),
    sa.Column('period_last', sa.Date(), nullable=False),
    sa.Column('rule', S(length=300), nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.Column('rule_due_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('recipient_org_id', sa.Integer(), nullable=True),
    sa.Column('state', S(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('filename', S(length=200), nullable=False),
    sa.Column('media_type', S(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', S(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('storage_key', S(length=64), nullable=False),
    sa.Column('submitted_at', DT(timezone=True), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', DT(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), server_default='', nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('created_at', DT(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.ForeignKeyConstraint(['recipient_org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['submitted_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'report', 'period_first', name='uq_report_obligation_key')
    )
    with op.batch_alter_table('report_obligation', schema=None) as batch_op:
        batch_op.create_index('ix_report_obligation_territory_state', ['territory', 'state', 'due_on'], unique=False)
        batch_op.create_index('ix_report_obligation_recipient', ['recipient_org_id', 'report', 'period_first'],
                              unique=False)
    op.create_table('report_obligation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('obligation_id', sa.Integer(), nullable=False),
    sa.Column('kind', S(length=16), nullable=False),
    sa.Column('from_state', S(length=16), nullable=False),
    sa.Column('to_state', S(length=16), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=True),
    sa.Column('at', DT(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('sha256', S(length=64), nullable=False),
    sa.ForeignKeyConstraint(['obligation_id'], ['report_obligation.id'], ),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('report_obligation_event', schema=None) as batch_op:
        batch_op.create_index('ix_report_obligation_event_obligation', ['obligation_id', 'id'], unique=False)


def downgrade() -> None:
    op.drop_table('report_obligation_event')
    op.drop_table('report_obligation')
