"""The case page's files: the upload form (multipart, with its CSRF token) and downloads."""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from api.routes.ui_cases import User, parse_int, render_case
from api.web import check_csrf, download, redirect, services
from cases import attachments
from cases.attachments import AddAttachment
from cases.errors import InputInvalid, TooLarge
from cases.principal import Principal
from cases.services import Services
from cases.tables import Document, Plan, PlanItem, Visit
from engine.database import UnitOfWork
from engine.tables import table_of

router = APIRouter(include_in_schema=False)
DOC, VI, PI, PL = (table_of(t) for t in (Document, Visit, PlanItem, Plan))


def targets(tx: UnitOfWork, case_id: int) -> list[tuple[str, str]]:
    """What a file may be attached to on this case, as (``target:id``, label) options of the form."""
    options = [("case", "Дело в целом")]
    for v in tx.connection.execute(sa.select(VI.c.id, VI.c.visited_on).where(VI.c.case_id == case_id)
                                   .order_by(VI.c.visited_on)):
        options.append((f"visit:{v.id}", f"Посещение {v.visited_on:%d.%m.%Y}"))
    for i in tx.connection.execute(sa.select(PI.c.id, PI.c.measure).join(PL, PL.c.id == PI.c.plan_id)
                                   .where(PL.c.case_id == case_id).order_by(PI.c.id)):
        options.append((f"plan_item:{i.id}", f"Мероприятие: {i.measure[:80]}"))
    for d in tx.connection.execute(sa.select(DOC.c.id, DOC.c.title, DOC.c.label).where(DOC.c.case_id == case_id)
                                   .order_by(DOC.c.id)):
        options.append((f"document:{d.id}", f"Акт: {d.title} № {d.label}"))
    return options


def page_data(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> dict[str, Any]:
    """The case page's part about files (the case itself was checked and logged by the page)."""
    rows = attachments.rows_of(tx, [case_id])
    target_titles = dict(targets(tx, case_id))
    for r in rows:
        key = "case" if r["target"] == "case" else f"{r['target']}:{r['target_id']}"
        r["target_title"] = target_titles.get(key, "")
    return {"attachments": rows, "attach_targets": list(target_titles.items()),
            "signed_copies": attachments.signed_copies(rows), "attachment_kinds": list(attachments.KINDS.items()),
            "attachment_max_mb": svc.attachments.max_bytes // (1024 * 1024),
            "may_attach": attachments.may_attach(tx, svc, p, case_id)}


async def multipart(request: Request) -> dict[str, Any]:
    """The posted form with its file read (at most one byte past the limit: a larger one is refused)."""
    limit = services(request).attachments.max_bytes
    form = await request.form()
    values: dict[str, Any] = {k: v.strip() for k, v in form.multi_items() if isinstance(v, str)}
    upload = form.get("file")
    values["file"] = (upload.filename or "", await upload.read(limit + 1)) if isinstance(upload, UploadFile) \
        else ("", b"")
    return values


Multipart = Annotated[dict[str, Any], Depends(multipart)]


@router.post("/cases/{case_id}/attachments")
def upload(request: Request, case_id: int, user: User, form: Multipart) -> Response:
    """Приложить файл к делу (фото, скан подписанного акта, письмо) из формы на карточке дела."""
    check_csrf(user, form.get("csrf"))
    filename, content = form["file"]
    target, _, target_id = str(form.get("target", "case")).partition(":")
    values = {k: str(v) for k, v in form.items() if k in ("kind", "title", "target", "signed_copy")}
    cmd = AddAttachment(case_id, str(form.get("kind", "")), filename, content, str(form.get("title", "")), target,
                        parse_int(target_id), form.get("signed_copy") == "yes")
    try:
        attachments.add_attachment(services(request), user.principal, cmd)
    except TooLarge as exc:
        return render_case(request, user, case_id, 413, form="attachment", values=values,
                           errors={"file": str(exc)}, message=f"Файл не приложен: {exc}")
    except InputInvalid as exc:
        known = {("target" if k == "target_id" else k): v for k, v in exc.errors.items()}
        return render_case(request, user, case_id, 422, form="attachment", values=values, errors=known,
                           message="Файл не приложен: " + "; ".join(known.values()))
    return redirect(f"/cases/{case_id}#attachments", "Файл приложен к делу")


@router.get("/attachments/{attachment_id}")
def file(request: Request, attachment_id: int, user: User) -> Response:
    """Скачать приложенный файл (доступ — как к делу; скачивание записывается в журнал доступа)."""
    filename, media_type, data = services(request).execute(attachments.download, user.principal, attachment_id)
    return download(filename, data, media_type)
