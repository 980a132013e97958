"""REST: acts — downloading the DOCX or PDF file, issuing a corrected revision."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.routes.api_common import Caller, errors, file_content, file_response, write_errors
from api.schemas import MAX_ID, DocumentPublic, ReissueCreate
from api.web import services
from cases import api_views, handlers
from cases.errors import NotFound

router = APIRouter(tags=["documents"])
DocumentId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер документа в системе", examples=[1])]
MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@contextmanager
def _not_found_as_document() -> Iterator[None]:
    """A document of a case the caller may not see answers exactly like a missing one (no IDOR hint)."""
    try:
        yield
    except NotFound:
        raise NotFound("Документ") from None


@router.get("/documents/{document_id}/file", response_class=Response,
            responses={**errors(404), 200: {"description": "файл акта", **file_content(*MEDIA.values())}})
def download(request: Request, document_id: DocumentId, p: Caller,
             format: Annotated[Literal["pdf", "docx"], Query(description="pdf или docx")] = "pdf") -> Response:
    """Скачать акт в PDF или DOCX (файл формируется один раз из зафиксированного содержимого);
    скачивание записывается в журнал доступа."""
    with _not_found_as_document():
        filename, data = handlers.download(services(request), p, document_id, format)
    return file_response(filename, data, MEDIA[format])


@router.post("/documents/{document_id}/reissue", status_code=201, response_model=DocumentPublic,
             responses=write_errors(404))
def reissue(request: Request, document_id: DocumentId, body: ReissueCreate, p: Caller) -> DocumentPublic:
    """Переиздать акт: новая редакция под тем же номером с текущими данными дела (прежняя остаётся
    доступной). Переиздаёт сотрудник выпустившей организации или руководитель."""
    with _not_found_as_document():
        row = services(request).execute(api_views.reissue_document, p, body.command(document_id))
    return DocumentPublic.model_validate(row, from_attributes=True)
