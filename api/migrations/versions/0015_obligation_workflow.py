"""obligations run on the workflow engine: report_obligation.case_id (the instance whose subject the row is);
every existing row gets its instance of ``report_obligation`` in the row's state, with the old history
(report_obligation_event) carried into the instance's first audit event; the history table is dropped

The instance's deadline is not opened here (it needs the production calendar): the obligations' sweep counts it for
every owed row that has a due day and no open deadline (``cases.obligation_work.schedule_unscheduled``).

Revision ID: 0015_obligation_workflow
Revises: 0014_people_search
Create Date: (written by hand)
"""

from datetime import datetime
from typing import Any

from alembic import op
import sqlalchemy as sa
import sqlmodel

import engine.tables
from engine.audit import GENESIS, event_hash, hashed_record

revision = '0015_obligation_workflow'
down_revision = '0014_people_search'
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString
DT = engine.tables.UTCDateTime
WORKFLOW, SUBJECT = 'report_obligation', 'obligation'

ro = sa.table('report_obligation', sa.column('id', sa.Integer), sa.column('org_id', sa.Integer),
              sa.column('territory', S), sa.column('kind', S), sa.column('source', sa.Text),
              sa.column('due_on', sa.Date), sa.column('state', S), sa.column('decided_at', DT()),
              sa.column('created_at', DT()), sa.column('case_id', sa.Integer))
ev = sa.table('report_obligation_event', sa.column('id', sa.Integer), sa.column('obligation_id', sa.Integer),
              sa.column('kind', S), sa.column('from_state', S), sa.column('to_state', S),
              sa.column('by_user', sa.Integer), sa.column('at', DT()), sa.column('note', sa.Text),
              sa.column('sha256', S))
ci = sa.table('wf_instance', sa.column('id', sa.Integer), sa.column('workflow', S),
              sa.column('workflow_version', sa.Integer), sa.column('state', S), sa.column('version', sa.Integer),
              sa.column('territory', S), sa.column('org_id', sa.Integer), sa.column('subject_kind', S),
              sa.column('subject_id', sa.Integer), sa.column('data', engine.tables.JSONType),
              sa.column('audit_seq', sa.Integer), sa.column('audit_head', S), sa.column('created_at', DT()),
              sa.column('updated_at', DT()), sa.column('closed_at', DT()))
au = sa.table('wf_audit', sa.column('instance_id', sa.Integer), sa.column('seq', sa.Integer), sa.column('kind', S),
              sa.column('event', S), sa.column('from_state', S), sa.column('to_state', S),
              sa.column('version', sa.Integer), sa.column('actor_id', sa.Integer), sa.column('actor_role', S),
              sa.column('actor_org', sa.Integer), sa.column('at', DT()), sa.column('payload', engine.tables.JSONType),
              sa.column('idempotency_key', S), sa.column('request_hash', S), sa.column('prev_hash', S),
              sa.column('hash', S))


def _instances(conn: sa.Connection) -> None:
    """One instance per row, in the row's state, its old history in the first audit event."""
    history: dict[int, list[dict[str, Any]]] = {}
    changed: dict[int, datetime] = {}  # the moment of each row's last recorded change (events are in id order)
    for e in conn.execute(sa.select(ev).order_by(ev.c.id)):
        history.setdefault(e.obligation_id, []).append(
            {"kind": e.kind, "from_state": e.from_state, "to_state": e.to_state, "by_user": e.by_user,
             "at": e.at.isoformat(timespec="microseconds"), "note": e.note, "sha256": e.sha256})
        changed[e.obligation_id] = e.at
    for row in conn.execute(sa.select(ro).order_by(ro.c.id)).all():
        data: dict[str, Any] = {"due_on": row.due_on.isoformat() if row.due_on else None}
        if row.kind == 'roadmap' and row.source:
            data["source"] = row.source
        last = changed.get(row.id, row.created_at)
        closed = (row.decided_at or last) if row.state == 'accepted' else None
        case_id = conn.execute(sa.insert(ci).returning(ci.c.id).values(
            workflow=WORKFLOW, workflow_version=1, state=row.state, version=1, territory=row.territory,
            org_id=row.org_id, subject_kind=SUBJECT, subject_id=row.id, data=data, audit_seq=0, audit_head=GENESIS,
            created_at=row.created_at, updated_at=last, closed_at=closed)).scalar_one()
        payload = {"data": data, "imported": history.get(row.id, [])}
        record = hashed_record(instance_id=case_id, seq=1, kind="start", event=None, from_state=None,
                               to_state=row.state, version=1, actor_id=None, actor_role="system", actor_org=None,
                               at=row.created_at, payload=payload, idempotency_key=None)
        digest = event_hash(GENESIS, record)
        conn.execute(sa.insert(au).values(
            instance_id=case_id, seq=1, kind="start", event=None, from_state=None, to_state=row.state, version=1,
            actor_id=None, actor_role="system", actor_org=None, at=row.created_at, payload=payload,
            idempotency_key=None, request_hash=None, prev_hash=GENESIS, hash=digest))
        conn.execute(sa.update(ci).where(ci.c.id == case_id).values(audit_seq=1, audit_head=digest))
        conn.execute(sa.update(ro).where(ro.c.id == row.id).values(case_id=case_id))


def upgrade() -> None:
    with op.batch_alter_table('report_obligation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_report_obligation_case_id_wf_instance', 'wf_instance', ['case_id'], ['id'])
        batch_op.create_index('ix_report_obligation_case', ['case_id'], unique=True)
    _instances(op.get_bind())
    with op.batch_alter_table('report_obligation_event', schema=None) as batch_op:
        batch_op.drop_index('ix_report_obligation_event_obligation')
    op.drop_table('report_obligation_event')


def downgrade() -> None:
    """The history table comes back empty (the history stays in the instances' audit trail, which is kept)."""
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
    with op.batch_alter_table('report_obligation', schema=None) as batch_op:
        batch_op.drop_index('ix_report_obligation_case')
        batch_op.drop_constraint('fk_report_obligation_case_id_wf_instance', type_='foreignkey')
        batch_op.drop_column('case_id')
