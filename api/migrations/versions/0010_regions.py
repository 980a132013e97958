"""regions as data: territory profiles, areas with their social passport, need assessments, mobile team visits,
monitoring targets, quarterly reports of bodies

Revision ID: 0010_regions
Revises: 0009_field_work
Create Date: (written by hand)
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql
import engine.tables

revision = '0010_regions'
down_revision = '0009_field_work'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('territory_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('profile', S(length=32), nullable=False),
    sa.Column('workflows', JSON, nullable=False),
    sa.Column('settings', JSON, nullable=False),
    sa.Column('basis', S(length=500), nullable=False),
    sa.Column('changed_by', sa.Integer(), nullable=True),
    sa.Column('changed_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('territory', 'revision', name='uq_territory_profile_revision')
    )
    op.create_table('area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('name', S(length=120), nullable=False),
    sa.Column('curator_id', sa.Integer(), nullable=True),
    sa.Column('places', JSON, nullable=False),
    sa.Column('passport', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['curator_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('territory', 'name', name='uq_area_territory_name')
    )
    op.create_table('need_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('checklist', S(length=64), nullable=False),
    sa.Column('checklist_version', sa.Integer(), nullable=False),
    sa.Column('categories', JSON, nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('need_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_need_assessment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_need_assessment_territory'), ['territory'], unique=False)
    op.create_table('mobile_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('members', JSON, nullable=False),
    sa.Column('families_reached', sa.Integer(), nullable=False),
    sa.Column('outcome', S(length=16), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('requested_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('by_user', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mobile_visit', schema=None) as batch_op:
        batch_op.create_index('ix_mobile_visit_territory_on', ['territory', 'visited_on'], unique=False)
    op.create_table('indicator_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('indicator', S(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('basis', S(length=300), nullable=False),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('territory', 'indicator', 'year', name='uq_indicator_target')
    )
    op.create_table('quarterly_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'org_id', 'year', 'quarter', name='uq_quarterly_report')
    )
    with op.batch_alter_table('quarterly_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarterly_report_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('quarterly_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarterly_report_case_id'))
    op.drop_table('quarterly_report')
    op.drop_table('indicator_target')
    with op.batch_alter_table('mobile_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_mobile_visit_territory_on')
    op.drop_table('mobile_visit')
    with op.batch_alter_table('need_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_need_assessment_territory'))
        batch_op.drop_index(batch_op.f('ix_need_assessment_case_id'))
    op.drop_table('need_assessment')
    op.drop_table('area')
    op.drop_table('territory_profile')
