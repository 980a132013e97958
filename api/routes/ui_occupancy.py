"""The published occupancy of a territory's institutions (no login, no personal data): the occupancy register the
resource centre publishes on its site — beds, occupied, free, per institution and provider."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from api.web import page, services
from cases import capacity

router = APIRouter(include_in_schema=False)
Code = Annotated[str, Path(max_length=64, pattern=r"^[a-z0-9_-]+$")]


@router.get("/occupancy/{territory}.json")
def occupancy_json(request: Request, territory: Code) -> Response:
    """То же в JSON — для публикации на сайте ресурсного центра."""
    return JSONResponse(services(request).read(capacity.public_occupancy, territory))


@router.get("/occupancy/{territory}")
def occupancy_page(request: Request, territory: Code) -> Response:
    """Наполняемость учреждений территории (публичная страница, без персональных данных)."""
    found: dict[str, Any] = services(request).read(capacity.public_occupancy, territory)
    return page(request, "occupancy.html", None, occupancy=found)
