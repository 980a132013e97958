"""The FastAPI application: REST API under /api/v1, the web UI; the background jobs start with it (:mod:`api.jobs`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import db_schema, errors, pending_forms
from api.bootstrap import Container, bootstrap
from api.jobs import start_jobs
from api.routes import admin_users, api_v1, notifications, regions, regions_reports, session, statistics, ui
from api.settings import Settings
from api.settings import load as load_settings
from api.web import HERE, LoginRequired, PasswordChangeRequired, error_page
from cases.services import Services

#: no inline scripts or styles, nothing from elsewhere, no <base> to redirect relative links, no framing
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """Headers every answer carries (a plain ASGI middleware: it wraps ``send``, nothing else per request).

    ``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy``, the CSP, ``Cache-Control: no-store``
    outside ``/static/``; with the settings ``OPORA_HSTS_SECONDS`` and ``OPORA_SECURE_COOKIES`` also HSTS and the
    Secure flag on cookies (behind a TLS proxy the app sees ``http://``, the browser ``https://``). A header
    the route set itself is kept.
    """

    def __init__(self, app: ASGIApp, settings: Callable[[], Settings]) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        own = self.settings()
        added: list[tuple[bytes, bytes]] = [*FIXED_HEADERS]
        if not scope["path"].startswith("/static/"):
            added.append((b"cache-control", b"no-store"))
        if own.hsts_seconds > 0:
            added.append((b"strict-transport-security", f"max-age={int(own.hsts_seconds)}; includeSubDomains".encode()))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in added if k not in present]
                if own.secure_cookies:
                    headers = [(k, v + b"; Secure" if k.lower() == b"set-cookie" and b"secure" not in v.lower() else v)
                               for k, v in headers]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


FIXED_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                 (b"referrer-policy", b"same-origin"), (b"content-security-policy", CSP.encode()))


def create_app(container: Container | None = None, *, settings: Settings | None = None,
               jobs: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = app.state.container is None
        if owned:
            app.state.container = bootstrap(settings)
            app.state.services = Services(app.state.container.db, app.state.container.runtime,
                                          attachments=app.state.container.settings.attachment_store())
        db_schema.analyze(app.state.container.db)  # fresh planner statistics before the first request
        running = start_jobs(app.state.container) if jobs else None
        if running:  # a download of an act not rendered yet is rendered by the same process as the job's
            app.state.services.renderer = running.renderer
        try:
            yield
        finally:
            if running:
                running.shutdown()
            if owned:
                app.state.container.close()

    # the interactive /docs would need Swagger UI's inline script (against the CSP) and is a console nobody
    # needs on a production server: it is off; the OpenAPI document stays at /openapi.json
    app = FastAPI(title="Опора", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Процессы социального сопровождения семей: дела, сроки, документы. "
                              "Ошибки — JSON {\"error\", \"message\", \"details\"} с кодом 4xx.")
    app.state.container = container
    app.state.services = (Services(container.db, container.runtime, attachments=container.settings.attachment_store())
                          if container else None)
    errors.install(app, error_page)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        from urllib.parse import quote

        if request.method == "POST":  # what was typed is kept and shown again after logging in, never a 405
            return await pending_forms.keep(request, app.state.services)
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/me/password", status_code=303)

    def current_settings() -> Settings:  # the container's, once the lifespan has built it
        return app.state.container.settings if app.state.container is not None else (settings or load_settings())

    app.add_middleware(SecurityHeaders, settings=current_settings)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        """The site's icon where browsers look for it without a page (the pages link /static/favicon.svg)."""
        return FileResponse(HERE / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/sw.js", include_in_schema=False)
    def service_worker() -> Response:
        """The service worker, from the site's root: its scope is every page (api/static/sw.js)."""
        return FileResponse(HERE / "static" / "sw.js", media_type="text/javascript",
                            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})

    @app.get("/manifest.webmanifest", include_in_schema=False)
    def manifest() -> Response:
        """The web app's manifest: Opora can be added to a phone's home screen."""
        return FileResponse(HERE / "static" / "manifest.webmanifest", media_type="application/manifest+json",
                            headers={"Cache-Control": "no-cache"})

    @app.get("/api/v1/health", tags=["service"])
    def health() -> dict[str, str]:
        """Проверка работоспособности."""
        return {"status": "ok"}

    for router in routers():
        app.include_router(router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one server process, configured from ``OPORA_*`` (``opora serve --workers N`` starts N of these)."""
    return create_app(settings=load_settings())


def routers() -> list[APIRouter]:
    """Every router of the app (the REST API and the UI pages)."""
    return [session.router, session.api, api_v1.router, ui.router, notifications.router, statistics.router,
            admin_users.router, regions.router, regions_reports.router]
