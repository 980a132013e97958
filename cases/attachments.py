"""Files attached to a case: photos of living conditions, scans of signed acts, letters of other bodies.

* **Who.** Whoever may act on the case attaches (:func:`cases.access.attaching_role`);
  whoever may see the case lists and downloads its files — the same rule as the case page.
* **What.** JPEG, PNG (re-encoded without metadata) and PDF (:mod:`cases.images`) up to the size limit
  (``OPORA_ATTACHMENT_MAX_MB``, 10 MB by default: a phone photo is 2–6 MB, a scanned act 1–3 MB).
* **Where.** In the database (the default) or, with ``OPORA_ATTACHMENTS_DIR``, as files in that directory
  (named by a random key, never by the user's file name); the row keeps the description and a checksum.
* **Attributable.** Each upload is an entry in the case's audit trail (``attachment_added``); each download a
  row of ``access_log`` (152-FZ: access to personal data is attributable).
* **Retention.** When the retention policy anonymises a closed case, its files are erased
  (:func:`erase_closed`); the rows stay with ``erased_at``.

A scan attached to an issued act with ``signed_copy`` is that act's signed copy (shown beside the act).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cases import access, images
from cases.attachment_store import AttachmentStore
from cases.errors import Conflict, InputInvalid, NotFound, TooLarge
from cases.field_tables import Attachment
from cases.handlers import log_access, visible_case
from cases.inputs import Fields
from cases.principal import Principal
from cases.services import Services
from cases.tables import Document, Plan, PlanItem, User, Visit, names_by_id
from engine.database import UnitOfWork
from engine.tables import table_of

AT, DOC, VI, PI, PL = (table_of(t) for t in (Attachment, Document, Visit, PlanItem, Plan))
US = table_of(User)
KINDS = {"photo": "Фото условий проживания", "scan": "Скан подписанного акта", "letter": "Письмо другого органа",
         "other": "Другой документ"}
TARGETS = {"case": "дело", "visit": "посещение", "plan_item": "мероприятие плана", "document": "акт"}
MISSING_TARGET = {"visit": "укажите посещение", "plan_item": "укажите мероприятие плана", "document": "укажите акт"}


@dataclass(frozen=True)
class AddAttachment:
    case_id: int
    kind: str
    filename: str
    content: bytes = field(repr=False)
    title: str = ""
    target: str = "case"
    target_id: int | None = None
    #: the scan is the signed copy of the act ``target_id`` (target "document")
    signed_copy: bool = False


def _target_of_case(tx: UnitOfWork, case_id: int, target: str, target_id: int | None) -> None:
    if target == "case":
        if target_id is not None:
            raise InputInvalid({"target_id": "для вложения к делу номер не указывается"})
        return
    if target_id is None:
        raise InputInvalid({"target_id": MISSING_TARGET[target]})
    query = {"visit": sa.select(VI.c.id).where(VI.c.id == target_id, VI.c.case_id == case_id),
             "document": sa.select(DOC.c.id).where(DOC.c.id == target_id, DOC.c.case_id == case_id),
             "plan_item": sa.select(PI.c.id).join(PL, PL.c.id == PI.c.plan_id)
             .where(PI.c.id == target_id, PL.c.case_id == case_id)}[target]
    if tx.connection.execute(query).first() is None:
        raise InputInvalid({"target_id": "в этом деле нет такого объекта"})


def _checked(cmd: AddAttachment, store: AttachmentStore) -> tuple[images.CleanFile, str, str]:
    """The clean file, its title and file name; the size is checked before anything is decoded."""
    if len(cmd.content) > store.max_bytes:
        raise TooLarge(store.max_bytes)
    errors: dict[str, str] = {}
    if cmd.kind not in KINDS:
        errors["kind"] = "выберите, что это за файл"
    if cmd.target not in TARGETS:
        errors["target"] = "неизвестно, к чему приложить файл"
    if cmd.signed_copy and (cmd.target != "document" or cmd.kind != "scan"):
        errors["signed_copy"] = "подписанной копией акта может быть только скан, приложенный к акту"
    f = Fields()  # text as typed: one Unicode form, plain spaces, no control characters
    title = f.line("title", cmd.title, max_length=300)
    errors |= f.errors
    if not cmd.content:
        errors["file"] = "выберите файл"
    clean: images.CleanFile | None = None
    if cmd.content:
        try:
            clean = images.clean_copy(cmd.content)
        except images.FileRefused as exc:
            errors["file"] = str(exc)
    if errors or clean is None:
        raise InputInvalid(errors)
    stem = Path(cmd.filename or "file").stem
    stem = "".join(ch for ch in stem if ch.isalnum() or ch in "-_ .")[:120].strip() or "file"
    return clean, title or KINDS[cmd.kind], f"{stem}.{images.EXTENSIONS[clean.kind]}"


def add_attachment(svc: Services, p: Principal, cmd: AddAttachment) -> int:
    """Check and clean the file (no transaction open), store it, then record it with its audit entry."""
    store = svc.attachments
    svc.read(lambda tx, s: visible_case(tx, s, p, cmd.case_id))  # a hidden case: 404 before any work
    clean, title, filename = _checked(cmd, store)
    data, key = store.put(clean.data)
    try:
        return svc.execute(_record, p, cmd, clean, title, filename, data, key)
    except BaseException:
        store.remove(key)  # nothing recorded: the file is not kept either
        raise


def _record(tx: UnitOfWork, svc: Services, p: Principal, cmd: AddAttachment, clean: images.CleanFile, title: str,
            filename: str, data: bytes | None, key: str) -> int:
    case = visible_case(tx, svc, p, cmd.case_id)
    role = access.attaching_role(tx, p, case)
    _target_of_case(tx, case.id, cmd.target, cmd.target_id)
    now = svc.runtime.clock.now()
    digest = hashlib.sha256(clean.data).hexdigest()
    row = tx.connection.execute(sa.insert(AT).values(
        case_id=case.id, kind=cmd.kind, target=cmd.target, target_id=cmd.target_id,
        signed_document_id=cmd.target_id if cmd.signed_copy else None, title=title, filename=filename,
        media_type=clean.media_type, size=len(clean.data), sha256=digest, data=data, storage_key=key,
        uploaded_by=p.user_id, uploaded_at=now).returning(AT.c.id)).scalar_one()
    svc.runtime.record(tx, case.id, "attachment_added",
                       {"attachment_id": row, "kind": cmd.kind, "title": title, "filename": filename,
                        "target": cmd.target, "target_id": cmd.target_id, "signed_copy": cmd.signed_copy,
                        "size": len(clean.data), "sha256": digest}, p.actor(role))
    log_access(tx, p, case.id, "change", f"вложение № {row}: {title}", svc)
    return int(row)


def may_attach(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> bool:
    """Whether ``p`` may attach files to the case (the form is shown only then)."""
    return access.may_attach(tx, p, svc.runtime.load(tx, case_id))


_LIST_COLUMNS = (AT.c.id, AT.c.case_id, AT.c.kind, AT.c.target, AT.c.target_id, AT.c.signed_document_id, AT.c.title,
                 AT.c.filename, AT.c.media_type, AT.c.size, AT.c.sha256, AT.c.uploaded_by, AT.c.uploaded_at,
                 AT.c.erased_at)


def rows_of(tx: UnitOfWork, case_ids: list[int]) -> list[dict[str, Any]]:
    """The attachments of these cases (without the files), oldest first, with the uploader's name."""
    if not case_ids:
        return []
    rows = [dict(r._mapping) for r in tx.connection.execute(
        sa.select(*_LIST_COLUMNS).where(AT.c.case_id.in_(case_ids)).order_by(AT.c.id))]
    names = names_by_id(tx.connection, US, "full_name", (r["uploaded_by"] for r in rows))
    for r in rows:
        r["uploaded_by_name"] = names.get(r["uploaded_by"], "")
        r["kind_title"] = KINDS.get(r["kind"], r["kind"])
    return rows


def list_attachments(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> list[dict[str, Any]]:
    """The case's attachments for someone who may see it (NotFound otherwise, like the case)."""
    visible_case(tx, svc, p, case_id)
    return rows_of(tx, [case_id])


def download(tx: UnitOfWork, svc: Services, p: Principal, attachment_id: int) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of an attachment of a case ``p`` may see; the download is logged."""
    row = tx.connection.execute(sa.select(AT).where(AT.c.id == attachment_id)).first()
    if row is None:
        raise NotFound("Файл")
    try:
        visible_case(tx, svc, p, row.case_id)
    except NotFound:
        raise NotFound("Файл") from None
    if row.erased_at is not None:
        raise Conflict("Файл удалён по истечении срока хранения персональных данных")
    data = svc.attachments.get(row.data, row.storage_key)
    if data is None:
        raise Conflict("Файл не найден в хранилище вложений: сообщите администратору")
    log_access(tx, p, row.case_id, "download", f"вложение № {row.id}: {row.title} ({row.filename})", svc)
    return row.filename, row.media_type, data


def files_of(tx: UnitOfWork, store: AttachmentStore, case_ids: list[int]) -> dict[str, bytes]:
    """The files of these cases by a name fit for an archive (for the subject-access export)."""
    if not case_ids:
        return {}
    found = {}
    for r in tx.connection.execute(sa.select(AT.c.id, AT.c.case_id, AT.c.filename, AT.c.data, AT.c.storage_key)
                                   .where(AT.c.case_id.in_(case_ids), AT.c.erased_at.is_(None)).order_by(AT.c.id)):
        data = store.get(r.data, r.storage_key)
        if data is not None:
            found[f"attachments/{r.case_id}_{r.id}_{r.filename}"] = data
    return found


def erase_closed(tx: UnitOfWork, closed: Any, now: datetime, dry_run: bool) -> tuple[set[int], list[str]]:
    """Erase the files of the cases selected by ``closed`` (retention): the cases touched and the directory keys
    whose files the caller removes once the transaction has committed."""
    where = AT.c.case_id.in_(closed) & AT.c.erased_at.is_(None)
    rows = tx.connection.execute(sa.select(AT.c.case_id, AT.c.storage_key).where(where)).all()
    if rows and not dry_run:
        tx.connection.execute(sa.update(AT).where(where).values(data=None, erased_at=now))
    return {r.case_id for r in rows}, [r.storage_key for r in rows if r.storage_key]


def erased_keys(tx: UnitOfWork) -> list[str]:
    """Directory keys of erased files (removing them again is harmless)."""
    return list(tx.connection.execute(sa.select(AT.c.storage_key).where(
        AT.c.erased_at.is_not(None), AT.c.storage_key != "")).scalars())


def signed_copies(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The signed copy of each act (the latest one attached), by the act's id."""
    return {r["signed_document_id"]: r for r in rows if r["signed_document_id"] and r["erased_at"] is None}
