"""adults' practices: the people register, help given, the register's columns, beds, placements, patrol trips,
weekly free-places reports

Revision ID: 0011_adults
Revises: 0010_regions
Create Date: (written by hand)
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import engine.tables

revision = '0011_adults'
down_revision = '0010_regions'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
DT = engine.tables.UTCDateTime


def upgrade() -> None:
    op.create_table('adult_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('last_name', S(length=100), nullable=False),
    sa.Column('first_name', S(length=100), nullable=False),
    sa.Column('middle_name', S(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('name_key', S(length=320), nullable=False),
    sa.Column('category', S(length=16), nullable=False),
    sa.Column('release_date', sa.Date(), nullable=True),
    sa.Column('intended_address', S(length=300), nullable=False),
    sa.Column('penal_institution', S(length=200), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=True),
    sa.Column('relation', S(length=16), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=False),
    sa.Column('created_at', DT(timezone=True), nullable=False),
    sa.Column('updated_at', DT(timezone=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.ForeignKeyConstraint(['head_id'], ['adult_person.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['created_by'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adult_person', schema=None) as batch_op:
        batch_op.create_index('ix_adult_person_territory_release', ['territory', 'release_date'], unique=False)
        batch_op.create_index('ix_adult_person_territory_name', ['territory', 'head_id', 'name_key', 'release_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_adult_person_head_id'), ['head_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adult_person_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adult_person_case_id'), ['case_id'], unique=False)
    op.create_table('adult_help',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', S(length=32), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('result', sa.Text(), server_default='', nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('by_user', sa.Integer(), nullable=False),
    sa.Column('created_at', DT(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['adult_person.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adult_help', schema=None) as batch_op:
        batch_op.create_index('ix_adult_help_given', ['given_on', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_adult_help_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_adult_help_person_id'), ['person_id'], unique=False)
    op.create_table('register_column',
    sa.Column('column', S(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('column')
    )

    op.create_table('bed_capacity',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('kind', S(length=16), nullable=False),
    sa.Column('updated_at', DT(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('org_id')
    )
    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('placed_on', sa.Date(), nullable=False),
    sa.Column('discharged_on', sa.Date(), nullable=True),
    sa.Column('created_at', DT(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['wf_instance.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['adult_person.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index('ix_placement_org_open', ['org_id', 'discharged_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_placement_person_id'), ['person_id'], unique=False)
    op.create_table('patrol_trip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('territory', S(length=64), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('trip_on', sa.Date(), nullable=False),
    sa.Column('places', S(length=300), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=False),
    sa.Column('created_at', DT(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['territory'], ['territory.code'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('patrol_trip', schema=None) as batch_op:
        batch_op.create_index('ix_patrol_trip_territory_day', ['territory', 'trip_on'], unique=False)
    op.create_table('free_places_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('occupied', sa.Integer(), nullable=False),
    sa.Column('free', sa.Integer(), nullable=False),
    sa.Column('by_user', sa.Integer(), nullable=False),
    sa.Column('created_at', DT(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['by_user'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('free_places_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_free_places_report_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    op.drop_table('free_places_report')
    op.drop_table('patrol_trip')
    op.drop_table('placement')
    op.drop_table('bed_capacity')
    op.drop_table('register_column')
    op.drop_table('adult_help')
    op.drop_table('adult_person')
