"""What the domain's handlers need from the outside: the database and the engine's runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from cases.attachment_store import AttachmentStore
from cases.errors import AlreadyDone
from cases.tables import CommandKey
from engine.database import Database, UnitOfWork
from engine.runtime import Runtime
from engine.sql import Prepared
from engine.tables import table_of

T = TypeVar("T")


@dataclass
class Services:
    db: Database
    runtime: Runtime
    #: turns a frozen act into its DOCX and PDF when a download finds it not rendered yet; the server passes
    #: its rendering process (``api.jobs.RenderPool``), elsewhere acts are rendered in the calling process
    renderer: Callable[[Any], tuple[bytes, bytes]] | None = None
    #: where attached files live and how large one may be (``OPORA_ATTACHMENTS_DIR``, ``OPORA_ATTACHMENT_MAX_MB``)
    attachments: AttachmentStore = field(default_factory=AttachmentStore)

    def execute(self, handler: Callable[..., T], *args: Any, once: tuple[int, str] | None = None,
                **kwargs: Any) -> T:
        """Run ``handler(tx, self, *args)`` in its own unit of work and commit.

        ``once=(user_id, key)`` makes the command happen at most once per key: the key is
        claimed in the same transaction, so a failed command frees it and a repeat (a double
        click, a retried request) raises :class:`AlreadyDone`. A unique-key race between two
        concurrent repeats is retried once; the second attempt then sees the first's result.
        """
        for attempt in (1, 2):
            try:
                with self.db.unit_of_work() as tx:
                    if once is not None:
                        _claim(tx, once[0], once[1], self.runtime.clock.now())
                    result = handler(tx, self, *args, **kwargs)
                    tx.commit()
                    return result
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def read(self, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self.db.read() as tx:
            return query(tx, self, *args, **kwargs)


Handler = Callable[[UnitOfWork, Services], Any]

_KEY = Prepared(sa.select(table_of(CommandKey).c.key).where(table_of(CommandKey).c.key == sa.bindparam("key")))
_INSERT_KEY = Prepared(sa.insert(table_of(CommandKey)), ["key", "user_id", "created_at"])


def _claim(tx: UnitOfWork, user_id: int, key: str, now: datetime) -> None:
    full = f"{user_id}:{key}"[:200]
    if _KEY.first(tx.connection, {"key": full}) is not None:
        raise AlreadyDone()
    _INSERT_KEY.execute(tx.connection, {"key": full, "user_id": user_id, "created_at": now}).close()
