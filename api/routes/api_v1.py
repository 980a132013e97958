"""The REST API under ``/api/v1``: one router made of one module per noun.

Every route is thin (parse, call a ``cases`` handler or view, render a schema of ``api.schemas``);
who may see and do what is decided in ``cases.access``. Errors are ``{"error", "message", "details"}``
with the right 4xx (``api.errors``), and each route documents the ones it can return.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from api.routes import (
    api_access,
    api_attachments,
    api_cases,
    api_changes,
    api_deadlines,
    api_documents,
    api_handovers,
    api_obligations,
    api_papers,
    api_people,
    api_registry,
    api_reports,
    api_workflows,
)
from api.routes.api_common import bearer

PREFIX = "/api/v1"
PARTS = (api_reports, api_cases, api_changes, api_documents, api_deadlines, api_workflows, api_registry, api_access,
         api_attachments, api_handovers, api_papers, api_people, api_obligations)
router = APIRouter(prefix=PREFIX, dependencies=[Depends(bearer)])
for part in PARTS:
    router.include_router(part.router)
