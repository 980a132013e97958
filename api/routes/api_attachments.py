"""REST: files attached to a case — uploading (multipart), listing, downloading."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from api.routes.api_common import Caller, CaseId, errors, file_content, file_response, write_errors
from api.schemas import MAX_ID
from api.schemas.field import AttachmentKind, AttachmentPublic, AttachmentTarget
from api.web import services
from cases import attachments
from cases.attachments import AddAttachment

router = APIRouter(tags=["attachments"])
AttachmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер вложения", examples=[1])]


def read_limited(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, reading at most one byte past ``limit`` (the handler refuses a larger file with 413)."""
    return upload.file.read(limit + 1)


@router.post("/cases/{case_id}/attachments", status_code=201, response_model=AttachmentPublic,
             responses=write_errors(404, 413))
def upload(request: Request, case_id: CaseId, p: Caller,
           file: Annotated[UploadFile, File(description="JPEG, PNG или PDF (не больше OPORA_ATTACHMENT_MAX_MB, "
                                                        "по умолчанию 10 МБ)")],
           kind: Annotated[AttachmentKind, Form(description="что это за файл")],
           title: Annotated[str, Form(max_length=300, description="описание")] = "",
           target: Annotated[AttachmentTarget, Form(description="к чему приложить")] = "case",
           target_id: Annotated[int | None, Form(ge=1, le=MAX_ID, description="посещение, мероприятие плана "
                                                                              "или акт этого дела")] = None,
           signed_copy: Annotated[bool, Form(description="скан — подписанная копия акта target_id")] = False,
           ) -> AttachmentPublic:
    """Приложить файл к делу, посещению, мероприятию плана или акту: фото условий проживания, скан
    подписанного акта, письмо другого органа. Фото перекодируются без метаданных (EXIF, GPS); загрузка
    записывается в журнал аудита дела. Слишком большой файл — 413, неподходящий тип — 422."""
    svc = services(request)
    content = read_limited(file, svc.attachments.max_bytes)
    cmd = AddAttachment(case_id, kind, file.filename or "", content, title, target, target_id, signed_copy)
    attachment_id = attachments.add_attachment(svc, p, cmd)
    rows = svc.read(attachments.list_attachments, p, case_id)
    return AttachmentPublic.model_validate(next(r for r in rows if r["id"] == attachment_id))


@router.get("/cases/{case_id}/attachments", response_model=list[AttachmentPublic], responses=errors(404))
def list_attachments(request: Request, case_id: CaseId, p: Caller) -> list[AttachmentPublic]:
    """Файлы, приложенные к делу (без содержимого), в порядке загрузки."""
    rows = services(request).read(attachments.list_attachments, p, case_id)
    return [AttachmentPublic.model_validate(r) for r in rows]


@router.get("/attachments/{attachment_id}/file", response_class=Response,
            responses={**errors(404, 409), 200: {"description": "файл",
                                                 **file_content("image/jpeg", "image/png", "application/pdf")}})
def download(request: Request, attachment_id: AttachmentId, p: Caller) -> Response:
    """Скачать приложенный файл (доступ — как к делу); скачивание записывается в журнал доступа."""
    filename, media_type, data = services(request).execute(attachments.download, p, attachment_id)
    return file_response(filename, data, media_type)
