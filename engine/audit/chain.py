"""The hash chain of each case: what is hashed and how.

Every change to a case appends one ``wf_audit`` row whose ``hash`` is
``sha256(prev_hash + canonical JSON of the row)``; the first row of a case chains to
:data:`GENESIS`. The case row keeps the head (last seq and hash), so appending never
needs to read the previous event.

:func:`record_text` rebuilds the hashed text straight from a stored row, byte for byte what
:func:`canonical` gives for :func:`hashed_record` (a unit test holds the two together).
:func:`record_bytes` gives the same text through orjson, three times faster, for the one pass
of :func:`engine.audit.verify` over a million events; where the two could differ (a float, a
huge integer, anything the engine does not write) the event does not verify on that pass and
its case is checked again with :func:`record_text`, which decides. This is the only module
that imports orjson.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from engine.tables import from_sqlite_text

GENESIS = "0" * 64
#: payload key of the case's assignee and organisation after an event that set or changed them: an event that
#: starts a case or changes who is responsible for it carries them, so the trail alone says who was responsible
#: on any day (a case "as of a date")
RESPONSIBLE = "_case"
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
_ENCODE = _ENCODER.encode
_STRING: Any = getattr(json.encoder, "c_encode_basestring", None) or json.encoder.py_encode_basestring
# the C encoder built once (JSONEncoder.encode builds it again on every call); plain encode where it is missing
_C_MAKE: Any = getattr(json.encoder, "c_make_encoder", None)
_C_ENCODE: Any = (_C_MAKE(None, _ENCODER.default, _STRING, None, ":", ",", True, False, True)
                  if _C_MAKE is not None else None)


def canonical(value: Any) -> str:
    """Compact JSON with sorted keys, non-ASCII kept: the one text that is hashed."""
    if _C_ENCODE is not None and isinstance(value, dict | list):
        return "".join(_C_ENCODE(value, 0))
    return _ENCODE(value)


def event_hash(prev_hash: str, record: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(record)).encode("utf-8")).hexdigest()


def hashed_record(
    *, instance_id: int, seq: int, kind: str, event: str | None, from_state: str | None, to_state: str | None,
    version: int, actor_id: int | None, actor_role: str, actor_org: int | None, at: datetime,
    payload: Mapping[str, Any], idempotency_key: str | None,
) -> dict[str, Any]:
    """The fields covered by the hash (everything but ids, hashes and the request hash)."""
    return {
        "instance_id": instance_id, "seq": seq, "kind": kind, "event": event, "from": from_state,
        "to": to_state, "version": version, "actor_id": actor_id, "actor_role": actor_role,
        "actor_org": actor_org, "at": at.isoformat(timespec="microseconds"), "payload": payload,
        "idempotency_key": idempotency_key,
    }


def _other(value: Any) -> str:
    return "null" if value is None else str(value) if type(value) is int else canonical(value)


def record_text(row: Sequence[Any], at: str, payload: str) -> str:
    """The hashed text of a stored row (columns as :data:`engine.audit.rows.FULL`).

    ``at`` is the ISO text of the UTC moment (:func:`at_text`) and ``payload`` the canonical
    JSON of the payload (:func:`payload_text`). Strings and integers, what the engine writes,
    take the short way; anything else (a value someone wrote by hand) goes through
    :func:`canonical`, so it hashes exactly as it would have.
    """
    s = _STRING
    _, seq, kind, event, src, dst, version, actor, role, org = row[:10]
    key = row[12]
    return "".join((
        '{"actor_id":', str(actor) if type(actor) is int else _other(actor),
        ',"actor_org":', str(org) if type(org) is int else _other(org),
        ',"actor_role":', s(role) if type(role) is str else _other(role),
        ',"at":"', at,
        '","event":', s(event) if type(event) is str else _other(event),
        ',"from":', s(src) if type(src) is str else _other(src),
        ',"idempotency_key":', s(key) if type(key) is str else _other(key),
        ',"instance_id":', str(row[0]) if type(row[0]) is int else _other(row[0]),
        ',"kind":', s(kind) if type(kind) is str else _other(kind),
        ',"payload":', payload,
        ',"seq":', str(seq) if type(seq) is int else _other(seq),
        ',"to":', s(dst) if type(dst) is str else _other(dst),
        ',"version":', str(version) if type(version) is int else _other(version), "}"))


def at_text(value: Any) -> str:
    """The hashed text of a stored ``at``: SQLite keeps ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC), PostgreSQL a datetime."""
    if isinstance(value, str):
        if len(value) == 26:
            return f"{value[:10]}T{value[11:]}+00:00"
        value = from_sqlite_text(value)
    return str(value.astimezone(UTC).isoformat(timespec="microseconds"))


def payload_text(value: Any) -> str:
    """Canonical JSON of a stored payload: text on SQLite, a dict on PostgreSQL."""
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return canonical(value if value is not None else {})


_SORTED = orjson.OPT_SORT_KEYS
_FAST_ERRORS = (orjson.JSONDecodeError, orjson.JSONEncodeError, TypeError)


def record_bytes(row: Sequence[Any], at: str) -> bytes | None:
    """The hashed text of a stored row as UTF-8, through orjson; None when orjson cannot say (see above)."""
    payload = row[11]
    try:
        if isinstance(payload, str):
            payload = orjson.loads(payload)
        return orjson.dumps({
            "actor_id": row[7], "actor_org": row[9], "actor_role": row[8], "at": at, "event": row[3],
            "from": row[4], "idempotency_key": row[12], "instance_id": row[0], "kind": row[2], "payload": payload,
            "seq": row[1], "to": row[5], "version": row[6]}, option=_SORTED)
    except _FAST_ERRORS:
        return None
