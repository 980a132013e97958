"""The FastAPI application: REST API under /api/v1, the web UI, and the background jobs.

Jobs (APScheduler only ticks them; the truth is in the database): the deadline sweeper, the
rendering of issued acts, and the delivery of notifications.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api import errors, schema
from api.bootstrap import Container, bootstrap
from api.routes import api_v1, notifications, reports, session, ui
from api.settings import Settings
from api.web import HERE, LoginRequired, error_page
from cases import documents
from cases.services import Services
from engine.scheduler import Ticker
from engine.sweeper import has_due, sweep
from notifications import jobs as notification_jobs


def start_jobs(container: Container) -> Ticker:
    """The server's background jobs; APScheduler only ticks, the truth is in the database."""
    ticker = Ticker()
    lateness = timedelta(minutes=container.settings.lateness_minutes)

    def sweep_due() -> None:
        if has_due(container.db, container.clock.now()):
            sweep(container.db, container.runtime, lateness=lateness)

    def render_acts() -> None:
        while documents.render_pending(container.db, container.runtime, limit=10):
            pass

    ticker.every(container.settings.sweep_seconds, "sweep", sweep_due)
    ticker.every(max(2.0, container.settings.sweep_seconds / 3), "render_acts", render_acts)
    ticker.every(24 * 3600, "analyze", lambda: schema.analyze(container.db))
    notification_jobs.register(container, ticker)
    ticker.start()
    return ticker


def _security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                    "form-action 'self'; frame-ancestors 'none'")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def create_app(container: Container | None = None, *, settings: Settings | None = None,
               jobs: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.container is None
        if owned:
            app.state.container = bootstrap(settings)
            app.state.services = Services(app.state.container.db, app.state.container.runtime)
        schema.analyze(app.state.container.db)  # fresh planner statistics before the first request
        ticker = start_jobs(app.state.container) if jobs else None
        try:
            yield
        finally:
            if ticker:
                ticker.shutdown()
            if owned:
                app.state.container.close()

    app = FastAPI(title="Опора", version="0.1.0", lifespan=lifespan,
                  description="Процессы социального сопровождения семей: дела, сроки, документы. "
                              "Ошибки — JSON {\"error\", \"message\", \"details\"} с кодом 4xx.")
    app.state.container = container
    app.state.services = Services(container.db, container.runtime) if container else None
    errors.install(app, error_page)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    _security_headers(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """The site's icon where browsers look for it without a page (the pages link /static/favicon.svg)."""
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/api/v1/health", tags=["service"])
    def health() -> dict[str, str]:
        """Проверка работоспособности."""
        return {"status": "ok"}

    for router in routers():
        app.include_router(router)
    return app


def routers() -> list[APIRouter]:
    """Every router of the app (the REST API and the UI pages)."""
    return [session.router, session.api, api_v1.router, ui.router, notifications.router, reports.router]
