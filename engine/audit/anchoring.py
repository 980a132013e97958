"""Making anchors: ``opora audit anchor`` on demand and the server's daily job.

An anchor is made under an exclusive lock (``fcntl.flock``) on the anchors file: read the
file (the previous pins), read every case's head in one statement, append one signed line
and ``fsync`` it. With ``once_a_day`` the last line is looked at first and nothing is done
when it is already from today (local date), so any number of server processes running the
daily job on one host make at most one anchor a day.

After the line is written the anchor's summary (time, counts, root, key id — no case ids,
no personal data) goes to the outbox as ``audit.anchor``, one message per territory, for the
supervisors' inbox and the territory's webhooks: copies of the root outside the database
and outside the file.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from engine import outbox
from engine.audit.anchors import Anchor, AnchorConfig, key_id, parse_line, pins_digest, replay, root_of, sign
from engine.clock import Clock
from engine.database import Database
from engine.tables import CaseInstance, table_of

CI = table_of(CaseInstance)
ANCHOR_KIND = "audit.anchor"
#: how often the server looks whether today's anchor is made
TICK_SECONDS = 600.0
log = logging.getLogger("opora.audit")


@contextmanager
def _locked(path: Path) -> Iterator[BinaryIO]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _last_line(fh: BinaryIO) -> bytes | None:
    """The file's last non-empty line, read from the end (the file may be large)."""
    pos = fh.seek(0, os.SEEK_END)
    tail = b""
    while pos > 0:
        step = min(1 << 16, pos)
        pos -= step
        fh.seek(pos)
        tail = fh.read(step) + tail
        body = tail.rstrip(b"\n")
        cut = body.rfind(b"\n")
        if cut >= 0:
            return body[cut + 1:]
    return tail.strip() or None


def make_anchor(db: Database, clock: Clock, config: AnchorConfig,
                once_a_day: Callable[[datetime], date] | None = None) -> Anchor | None:
    """Append one anchor of every case's head to the anchors file and post its summary.

    ``once_a_day`` (the local date of a moment): do nothing and return None when the last
    anchor is already from today. Raises :class:`engine.errors.AuditKeyMissing` without a key
    and :class:`engine.errors.AnchorsUnreadable` when the file holds a line that is not an anchor.
    """
    key = config.keys.signing()
    with _locked(config.path) as fh:
        now = clock.now()
        if once_a_day is not None:
            last = _last_line(fh)
            if last is not None and once_a_day(parse_line(last, 0, str(config.path)).at) == once_a_day(now):
                return None
        fh.seek(0)
        lines = [line for line in fh.read().split(b"\n") if line.strip()]
        previous = replay(lines, str(config.path))
        anchor = _anchor(db, key, now, previous.leaves, previous.last_digest, len(lines) + 1)
        fh.write(anchor.encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    post(db, clock, anchor)
    return anchor


def _anchor(db: Database, key: str, now: datetime, leaves: dict[int, tuple[int, str]], prev: str,
            line: int) -> Anchor:
    """The next anchor: the previous pins updated with the heads read now (a case is never dropped)."""
    with db.read() as tx:
        heads = tx.connection.execute(sa.select(CI.c.id, CI.c.audit_seq, CI.c.audit_head).order_by(CI.c.id)).all()
    leaves = dict(leaves)
    changed = []
    for case_id, seq, head in heads:
        if leaves.get(case_id) != (seq, head):
            leaves[case_id] = (seq, head)
            changed.append([case_id, seq, head])
    header = {"v": 1, "at": now.isoformat(timespec="microseconds"), "cases": len(leaves),
              "events": sum(seq for seq, _ in leaves.values()), "changed": len(changed), "root": root_of(leaves),
              "prev": prev, "pins_sha256": pins_digest(changed), "key_id": key_id(key)}
    return Anchor(header, sign(key, header), changed, line)


def post(db: Database, clock: Clock, anchor: Anchor) -> int:
    """Write the anchor's summary to the outbox, once per territory with cases; return how many messages."""
    try:
        with db.unit_of_work() as tx:
            territories = tx.connection.execute(
                sa.select(CI.c.territory).where(CI.c.territory.is_not(None)).distinct()).scalars().all()
            summary = anchor.summary()
            outbox.write(tx.connection, [
                outbox.message(f"audit:anchor:{summary['at']}:{t}", ANCHOR_KIND, None, "supervisor",
                               {**summary, "territory": t}) for t in sorted(territories)], clock.now())
            tx.commit()
            return len(territories)
    except IntegrityError:  # posted before (the same anchor cannot be posted twice)
        return 0


def daily_job(db: Database, clock: Clock, local_date: Callable[[datetime], date],
              config: AnchorConfig) -> Callable[[], Anchor | None]:
    """The server's tick: today's anchor if it is not made yet; nothing (one warning) without a key."""
    warned: list[bool] = []

    def tick() -> Anchor | None:
        if not config.keys.current:
            if not warned:
                log.warning("OPORA_AUDIT_KEY is not set: daily audit anchors are off")
                warned.append(True)
            return None
        return make_anchor(db, clock, config, once_a_day=local_date)

    return tick
