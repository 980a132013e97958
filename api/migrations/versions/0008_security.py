"""accounts, sessions and personal data: throttle per (login, address), session and token lifetimes,
saved searches, retention runs, encrypted webhook secrets with a circuit breaker

Revision ID: 0008_security
Revises: 0007_overdue_indexes
Create Date: (written by hand)
"""

import os

from alembic import op
import sqlalchemy as sa
import sqlmodel
import engine.tables

revision = '0008_security'
down_revision = '0007_overdue_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttle',
    sa.Column('login', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('login', 'address')
    )
    op.create_table('saved_search',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_search_user_id'), ['user_id'], unique=False)
    op.create_table('retention_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('cutoff', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('user_agent', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', engine.tables.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('password_changed_at', engine.tables.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', engine.tables.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_at', ['at'], unique=False)
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.create_index('ix_access_log_at', ['at'], unique=False)
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=500), existing_nullable=False)
        batch_op.add_column(sa.Column('failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('paused_until', engine.tables.UTCDateTime(timezone=True), nullable=True))
    _seal_webhook_secrets()


def _seal_webhook_secrets() -> None:
    """Encrypt the secrets stored in plain text before (needs OPORA_SECRET_KEY when there are any)."""
    from notifications.sealing import Sealer, is_sealed

    conn = op.get_bind()
    rows = conn.execute(sa.text("select id, secret from webhook_endpoint")).all()
    plain = [(r.id, r.secret) for r in rows if not is_sealed(r.secret)]
    if not plain:
        return
    sealer = Sealer(os.environ.get("OPORA_SECRET_KEY", ""))
    if not sealer.configured:
        raise SystemExit("Секреты вебхуков нужно зашифровать: задайте OPORA_SECRET_KEY и повторите `opora db upgrade`")
    for endpoint_id, secret in plain:
        conn.execute(sa.text("update webhook_endpoint set secret = :s where id = :i"),
                     {"s": sealer.seal(secret), "i": endpoint_id})


def downgrade() -> None:
    with op.batch_alter_table('webhook_endpoint', schema=None) as batch_op:
        batch_op.drop_column('paused_until')
        batch_op.drop_column('failures')
    with op.batch_alter_table('access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_access_log_at')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_at')
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('password_changed_at')
        batch_op.drop_column('must_change_password')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('auth_session', schema=None) as batch_op:
        batch_op.drop_column('user_agent')
        batch_op.drop_column('address')
    op.drop_table('retention_run')
    with op.batch_alter_table('saved_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_search_user_id'))
    op.drop_table('saved_search')
    op.drop_table('login_throttle')
