"""What every REST route shares: the caller, documented error responses, versions as ETags, idempotency keys."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Header, Path
from fastapi.responses import Response
from fastapi.security import HTTPBearer

from api.deps import api_principal
from api.schemas import MAX_ID, ErrorPublic
from cases.errors import InputInvalid
from cases.principal import Principal

#: documents the bearer scheme in OpenAPI; the check itself is :func:`api.deps.api_principal`
bearer = HTTPBearer(auto_error=False, description="ключ доступа (POST /api/v1/tokens) или вход в систему с "
                                                  "заголовком X-CSRF-Token для изменений")
Caller = Annotated[Principal, Depends(api_principal)]
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер дела", examples=[1])]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=150, pattern=r"^[!-~]+$",
    description="повтор запроса с тем же ключом возвращает первый результат и ничего не меняет")]
IfMatch = Annotated[str | None, Header(
    alias="If-Match", max_length=40, description='версия дела (ETag), например "7": устаревшая — ошибка 409')]

_WHY = {
    400: "неверный запрос", 401: "нет ключа доступа или он недействителен",
    403: "недостаточно прав для действия (или форма без X-CSRF-Token)",
    404: "не найдено или нет доступа (существование чужих дел не раскрывается)",
    413: "файл больше допустимого размера",
    409: "конфликт: дело изменено другим пользователем, действие недоступно в текущем состоянии и т. п.",
    422: "данные запроса заполнены неверно (сообщение по каждому полю)",
}
_VERSION = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses (401 and 422 are always possible)."""
    wanted = sorted({401, 422, *codes})
    return {code: {"model": ErrorPublic, "description": _WHY[code]} for code in wanted}


def write_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses`` of a change: also 400 (a body that is not UTF-8) and 403 (a role, or a missing CSRF header)."""
    return errors(400, 403, *codes)


def expected_version(if_match: str | None) -> int | None:
    """The case version a client saw, from ``If-Match: "7"`` (``*`` or nothing: no check)."""
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    found = _VERSION.match(if_match)
    if not found:
        raise InputInvalid({"If-Match": 'ожидается версия дела, например "7"'})
    return int(found.group(1))


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


ETAG_HEADER = {"ETag": {"description": 'версия дела, например "7" (для If-Match)', "schema": {"type": "string"}}}


def file_response(filename: str, data: bytes, media_type: str) -> Response:
    """A download: the file name in ``Content-Disposition`` (RFC 6266, UTF-8 safe)."""
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


def file_content(*media_types: str) -> dict[str, Any]:
    return {"content": {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}}
