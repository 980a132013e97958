"""The one injectable clock.

Nothing in Opora calls ``datetime.now()`` outside this module. Tests move time with
freezegun (which patches :func:`datetime.now` used by :class:`SystemClock`) or pass a
:class:`FixedClock`; the sweeper and the simulator drive the engine through the same
interface.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    """Source of the current time, always timezone-aware UTC."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (patched by freezegun in tests)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; used by the simulator and the benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = moment.astimezone(UTC)


def local_today(clock: Clock, tz: tzinfo | str) -> date:
    """Today's date in the region's time zone."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return clock.now().astimezone(zone).date()
