"""What the domain's handlers need from the outside: the database and the engine's runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from engine.database import Database, UnitOfWork
from engine.runtime import Runtime

T = TypeVar("T")


@dataclass
class Services:
    db: Database
    runtime: Runtime

    def execute(self, handler: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``handler(tx, self, *args)`` in its own unit of work and commit.

        A unique-key race (two retries of one request with the same idempotency key
        arriving together) is retried once: the second attempt then finds the first
        one's result and returns it.
        """
        for attempt in (1, 2):
            try:
                with self.db.unit_of_work() as tx:
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
