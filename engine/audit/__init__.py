"""The audit trail: each case's hash chain, its verification, and anchors outside the database.

::

    chain.py      what is hashed: GENESIS, canonical JSON, the record of an event, its text from a stored row
    check.py      verify(): one pass over every event, the cases that fail read again, heads, pins, dates
    rows.py       reading wf_audit fast (DBAPI cursor, server-side on PostgreSQL)
    breaks.py     every kind of break with its own message; what anchors pinned (Pinned)
    merkle.py     the Merkle tree over the cases' heads (one case proven without the others)
    anchors.py    the anchors file: keys and key ids, HMAC signatures, replay, one case's proof
    anchoring.py  making anchors: `opora audit anchor`, the server's daily job, the outbox notice

What the chain alone proves: an event edited, deleted or inserted by someone who did not also
recompute the hashes after it and the case's head. Whoever can write to the database can do
that too (a full rewrite of a case's chain); anchors — every case's head, signed with a key
the database never sees and kept in a file outside it — catch that for everything before the
last anchor.
"""

from engine.audit.breaks import ChainBreak, Pinned
from engine.audit.chain import GENESIS, RESPONSIBLE, canonical, event_hash, hashed_record
from engine.audit.check import VerifyStats, verify

__all__ = ["GENESIS", "RESPONSIBLE", "ChainBreak", "Pinned", "VerifyStats", "canonical", "event_hash", "hashed_record",
           "verify"]
