"""REST: an organisation's reporting calendar (every obligation with its due day, rule and source, conflicting rules
beside the one in force) and its iCalendar feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.routes.api_common import Caller, errors
from api.schemas import MAX_ID
from api.web import services
from cases import obligations

router = APIRouter(tags=["obligations"])
OrgId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер организации")]
Year = Annotated[int, Query(ge=2000, le=2100)]


@router.get("/organisations/{org_id}/obligations", response_model=dict[str, Any], responses=errors(403, 404))
def calendar(request: Request, org_id: OrgId, p: Caller, year: Year) -> Any:
    """Календарь отчётности организации за год: что, кому, за какой период, к какому сроку, по какому правилу и
    документу; противоречащие правила других документов — рядом с действующим (действует более ранний срок)."""
    return services(request).read(obligations.calendar_of, p, org_id, year)


@router.get("/organisations/{org_id}/obligations.ics", responses={**errors(403, 404),
                                                                   200: {"content": {"text/calendar": {}}}})
def ical(request: Request, org_id: OrgId, p: Caller, year: Year) -> Response:
    """Тот же календарь в формате iCalendar — для подписки в почтовом клиенте или календаре."""
    text = services(request).read(obligations.icalendar, p, org_id, year)
    return Response(text, media_type="text/calendar; charset=utf-8")
