"""field work: files attached to cases (photos, signed scans, letters) and hand-overs the receiver accepts

Revision ID: 0009_field_work
Revises: 0008_security
Create Date: (written by hand)
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import engine.tables

revision = '0009_field_work'
down_revision = '0008_security'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=True),
    sa.Column('signed_document_id', sa.Integer(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('storage_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('erased_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.ForeignKeyConstraint(['signed_document_id'], ['document.id'], ),
    sa.ForeignKeyConstraint(['uploaded_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.create_index('ix_attachment_case', ['case_id', 'id'], unique=False)
    op.create_table('handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=True),
    sa.Column('to_user_id', sa.Integer(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalated_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('answer', sa.Text(), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.ForeignKeyConstraint(['from_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['to_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['by_user_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['decided_by'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index('ix_handover_case', ['case_id', 'status'], unique=False)
        batch_op.create_index('ix_handover_to', ['to_user_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_table('handover')
    op.drop_table('attachment')
