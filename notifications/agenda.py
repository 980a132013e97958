"""The KDN meeting agenda, announced to the secretary the working day before the meeting.

Once a day (from the digest time on) every meeting whose announcement day has come — the last
working day before the meeting — gets one outbox row ``kdn.agenda`` keyed
``meeting:<id>:<date>:agenda`` (unique, so never twice; a meeting moved to another date is
announced again). The fan-out then delivers it like any other message: the notice lists the
cases on the agenda at that moment, to the secretaries of that KDN.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cases.services import Services
from cases.tables import Meeting, MeetingItem
from engine import outbox
from engine.tables import OutboxMessage, table_of
from notifications.config import NotifyConfig
from notifications.digest import local_day_started
from notifications.kinds import AGENDA

ME, MI, OB = (table_of(t) for t in (Meeting, MeetingItem, OutboxMessage))
#: how far ahead to look: the day before a meeting after the New Year holidays can be ten days earlier
HORIZON = timedelta(days=14)


def agenda_key(meeting_id: int, held_on: object) -> str:
    return f"meeting:{meeting_id}:{held_on}:agenda"


def announce_meetings(svc: Services, config: NotifyConfig) -> int:
    """Write the agenda messages due today; return how many."""
    today = local_day_started(svc, config)
    if today is None:
        return 0
    calendar = svc.runtime.calendar
    with svc.db.read() as tx:
        meetings = tx.connection.execute(
            sa.select(ME.c.id, ME.c.kdn_org_id, ME.c.held_on)
            .where(ME.c.held_on > today, ME.c.held_on <= today + HORIZON,
                   sa.exists().where(MI.c.meeting_id == ME.c.id)).order_by(ME.c.held_on, ME.c.id)).all()
        due = [m for m in meetings if calendar.previous_working_day(m.held_on - timedelta(days=1)) <= today]
        keys = {agenda_key(m.id, m.held_on) for m in due}
        known = set(tx.connection.execute(sa.select(OB.c.key).where(OB.c.key.in_(keys))).scalars()) if keys else set()
    written = 0
    for m in due:
        key = agenda_key(m.id, m.held_on)
        if key in known:
            continue
        try:
            with svc.db.unit_of_work() as tx:
                outbox.write(tx.connection, [outbox.message(
                    key, AGENDA, None, "kdn_secretary",
                    {"meeting_id": m.id, "kdn_org_id": m.kdn_org_id, "held_on": m.held_on.isoformat()})],
                    svc.runtime.clock.now())
                tx.commit()
                written += 1
        except IntegrityError:  # another worker announced it first
            continue
    return written
