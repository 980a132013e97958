"""REST: what a client needs around its calls — the organisations it may name, and its own API keys.

Keys are issued at ``POST /api/v1/tokens`` (login and password); here a client lists its keys (never their
secret) and revokes one — for instance a key that leaked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api import auth
from api.routes.api_common import Caller, errors, write_errors
from api.schemas import MAX_ID
from api.tables import ApiToken
from api.web import services
from cases import directory
from cases.errors import NotFound
from engine.database import UnitOfWork
from engine.tables import table_of

router = APIRouter(tags=["access"])
TOK = table_of(ApiToken)
OrgKind = Literal["guardianship", "agency", "uso", "kdn", "education", "police", "health", "employment", "culture",
                  "other"]


class OrganisationPublic(BaseModel):
    id: int
    name: str
    short_name: str
    kind: str
    kind_title: str
    territory: str


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="первые символы ключа, чтобы его узнать")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@router.get("/organisations", response_model=list[OrganisationPublic], responses=errors())
def organisations(request: Request, p: Caller,
                  kind: Annotated[OrgKind | None, Query(description="вид организации")] = None
                  ) -> list[OrganisationPublic]:
    """Организации территории вызывающего (id, название, вид, территория) — те, что можно указывать в полях
    действий (`agency_unit`, `uso`, `kdn`, `org_id` отчётов органов, `responsible_org_id` мероприятий)."""
    rows = services(request).read(directory.organisations, p, kind)
    return [OrganisationPublic.model_validate(r, from_attributes=True) for r in rows]


def _tokens(tx: UnitOfWork, user_id: int) -> list[TokenPublic]:
    rows = tx.connection.execute(sa.select(TOK.c.id, TOK.c.name, TOK.c.prefix, TOK.c.created_at, TOK.c.last_used_at,
                                           TOK.c.revoked_at).where(TOK.c.user_id == user_id).order_by(TOK.c.id))
    return [TokenPublic.model_validate(r, from_attributes=True) for r in rows]


@router.get("/tokens", response_model=list[TokenPublic], responses=errors())
def tokens(request: Request, p: Caller) -> list[TokenPublic]:
    """Ключи доступа вызывающего: название, начало ключа, когда выдан, когда использован, отозван ли
    (сам ключ не показывается никогда)."""
    svc = services(request)
    with svc.db.read() as tx:
        return _tokens(tx, p.user_id)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response, responses=write_errors(404))
def revoke_token(request: Request, p: Caller,
                 token_id: Annotated[int, Path(ge=1, le=MAX_ID, description="ключ (id из GET /tokens)")]) -> Response:
    """Отозвать свой ключ доступа (в том числе тот, с которым сделан запрос): дальше он даёт 401.
    Чужой, неизвестный или уже отозванный ключ — 404."""
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        revoked = auth.revoke_token(tx, p.user_id, token_id, svc.runtime.clock.now())
        tx.commit()
    if not revoked:
        raise NotFound("Ключ доступа")
    return Response(status_code=204)
