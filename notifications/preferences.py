"""Users' choice of channels per kind of notification.

Only differences from the defaults (``notifications.kinds``) are stored, so a new kind or a
changed default reaches everybody who did not choose otherwise. Locked channels
(escalations in the inbox) are always on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from cases.errors import InputInvalid
from engine.database import UnitOfWork
from engine.tables import table_of
from notifications.kinds import CHANNELS, DIGEST, KINDS, kind_of
from notifications.tables import Preference

PR = table_of(Preference)


@dataclass(frozen=True)
class KindChoice:
    """One row of the preferences page: a kind and whether each channel is on."""

    kind: str
    title: str
    description: str
    channels: dict[str, bool]
    locked: frozenset[str]


def channels_for(tx: UnitOfWork, user_ids: Iterable[int], kind: str) -> dict[int, frozenset[str]]:
    """The channels each user receives ``kind`` over (defaults, the user's choices, locked channels)."""
    ids = sorted(set(user_ids))
    spec = kind_of(kind)
    result = {uid: set(spec.defaults) for uid in ids}
    if ids:
        rows = tx.connection.execute(sa.select(PR.c.user_id, PR.c.channel, PR.c.enabled)
                                     .where(PR.c.user_id.in_(ids), PR.c.kind == kind)).all()
        for row in rows:
            (result[row.user_id].add if row.enabled else result[row.user_id].discard)(row.channel)
    return {uid: frozenset(channels | spec.locked) for uid, channels in result.items()}


def choices(tx: UnitOfWork, user_id: int) -> list[KindChoice]:
    """Every kind with the user's current channels (for the preferences page and the API)."""
    stored = {(r.kind, r.channel): r.enabled for r in tx.connection.execute(
        sa.select(PR.c.kind, PR.c.channel, PR.c.enabled).where(PR.c.user_id == user_id)).all()}
    result = []
    for spec in KINDS.values():
        on = {c: c in spec.locked or stored.get((spec.name, c), c in spec.defaults) for c in CHANNELS}
        result.append(KindChoice(spec.name, spec.title, spec.description, on, spec.locked))
    return result


def save(tx: UnitOfWork, user_id: int, wanted: Mapping[str, Mapping[str, bool]], now: datetime, *,
         strict: bool = True) -> None:
    """Store the user's choices (``{kind: {channel: on}}``; kinds and channels left out keep theirs).

    Raises InputInvalid for an unknown kind or channel, and — when ``strict`` — for switching
    off a locked channel; the UI form passes ``strict=False`` (its locked boxes are disabled).
    """
    errors: dict[str, str] = {}
    for kind, channels in wanted.items():
        if kind not in KINDS:
            errors[kind] = "неизвестный вид уведомлений"
            continue
        for channel, on in channels.items():
            if channel not in CHANNELS:
                errors[f"{kind}.{channel}"] = "неизвестный канал; допустимы: " + ", ".join(CHANNELS)
            elif channel in KINDS[kind].locked and not on and strict:
                errors[f"{kind}.{channel}"] = "уведомления о нарушенных сроках в системе отключить нельзя"
    if errors:
        raise InputInvalid(errors)
    for kind, channels in wanted.items():
        spec = KINDS[kind]
        for channel, on in channels.items():
            enabled = bool(on) or channel in spec.locked
            tx.connection.execute(sa.delete(PR).where(PR.c.user_id == user_id, PR.c.kind == kind,
                                                      PR.c.channel == channel))
            if enabled != (channel in spec.defaults):
                tx.connection.execute(sa.insert(PR).values(user_id=user_id, kind=kind, channel=channel,
                                                           enabled=enabled, updated_at=now))


def digest_users(tx: UnitOfWork) -> list[int]:
    """Users who chose the daily digest for at least one kind."""
    return list(tx.connection.execute(sa.select(PR.c.user_id).where(PR.c.channel == DIGEST, PR.c.enabled.is_(True))
                                      .distinct().order_by(PR.c.user_id)).scalars())
