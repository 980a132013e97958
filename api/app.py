"""The FastAPI application: REST API under /api/v1 and the web UI, with the sweeper ticking inside."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import FastAPI

from api.bootstrap import Container, bootstrap
from api.settings import Settings
from engine.scheduler import Ticker
from engine.sweeper import has_due, sweep


def start_jobs(container: Container) -> Ticker:
    """The server's background jobs; APScheduler only ticks, the truth is in the database."""
    ticker = Ticker()
    lateness = timedelta(minutes=container.settings.lateness_minutes)

    def sweep_due() -> None:
        if has_due(container.db, container.clock.now()):
            sweep(container.db, container.runtime, lateness=lateness)

    ticker.every(container.settings.sweep_seconds, "sweep", sweep_due)
    ticker.start()
    return ticker


def create_app(container: Container | None = None, *, settings: Settings | None = None,
               jobs: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = container is None
        app.state.container = container or bootstrap(settings)
        ticker = start_jobs(app.state.container) if jobs else None
        try:
            yield
        finally:
            if ticker:
                ticker.shutdown()
            if owned:
                app.state.container.close()

    app = FastAPI(title="Опора", version="0.1.0", lifespan=lifespan,
                  description="Процессы социального сопровождения семей: дела, сроки, документы")

    @app.get("/api/v1/health", tags=["service"])
    def health() -> dict[str, str]:
        """Проверка работоспособности."""
        return {"status": "ok"}

    return app
