"""Files attached to a case: photos lose their metadata, limits, who may attach and download, the audit trail and
the access log, storage in a directory, the subject-access export and retention. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image

from api import retention
from cases import attachments, subject_access
from cases.attachment_store import AttachmentStore
from cases.attachments import AddAttachment
from cases.errors import InputInvalid, NotFound, TooLarge
from cases.services import Services
from tests.integration.test_personal_data import closed_case
from tests.process_steps import Process

GPS = ExifTags.IFD.GPSInfo


def photo_with_gps(size: tuple[int, int] = (64, 48), orientation: int = 1) -> bytes:
    """A JPEG as a phone writes it: the camera, the time and the position of the flat in EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.DateTime] = "2025:03:03 10:15:00"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(GPS)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (61.0, 15.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (73.0, 23.0, 45.0)
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(out, "JPEG", exif=exif, comment=b"flat 12")
    return out.getvalue()


def minimal_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def stored(p: Process, attachment_id: int) -> bytes:
    with p.svc.db.read() as tx:
        _, _, data = attachments.download(tx, p.svc, p.world["opeka"], attachment_id)
    return data


def attach(p: Process, login: str, case_id: int, content: bytes, **kwargs: object) -> int:
    cmd = AddAttachment(case_id, str(kwargs.pop("kind", "photo")), str(kwargs.pop("filename", "IMG_0001.jpg")),
                        content, **kwargs)  # type: ignore[arg-type]
    return attachments.add_attachment(p.svc, p.world[login], cmd)


def test_a_photo_is_stored_without_its_location_camera_or_comment_and_upright(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    original = photo_with_gps(orientation=6)  # taken holding the phone sideways
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS)  # the test's photo does carry a position
    attachment_id = attach(p, "agent", case_id, original, title="Кухня")
    data = stored(p, attachment_id)
    with Image.open(io.BytesIO(data)) as after:
        assert after.format == "JPEG" and after.size == (48, 64)  # turned upright by its orientation
        assert dict(after.getexif()) == {} and not after.getexif().get_ifd(GPS)
        assert "comment" not in after.info and "exif" not in after.info
    assert b"PhoneMaker" not in data and b"flat 12" not in data and b"Exif" not in data
    row = p.rows("select media_type, size, filename, sha256 from attachment where id = :i", i=attachment_id)[0]
    assert (row.media_type, row.size, row.filename) == ("image/jpeg", len(data), "IMG_0001.jpg")


def test_png_is_re_encoded_and_pdf_kept_byte_for_byte(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    png = io.BytesIO()
    info = __import__("PIL.PngImagePlugin", fromlist=["PngInfo"]).PngInfo()
    info.add_text("Location", "61.25N 73.39E")
    Image.new("RGB", (10, 10), (1, 2, 3)).save(png, "PNG", pnginfo=info)
    png_id = attach(p, "agent", case_id, png.getvalue(), filename="plan.png", kind="other")
    assert b"Location" not in stored(p, png_id)
    pdf_id = attach(p, "opeka", case_id, minimal_pdf(), filename="письмо школы.PDF", kind="letter")
    assert stored(p, pdf_id) == minimal_pdf()
    assert p.rows("select filename from attachment where id = :i", i=pdf_id)[0].filename == "письмо школы.pdf"


def test_wrong_types_and_sizes_are_refused_and_nothing_is_stored(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    with pytest.raises(InputInvalid) as refused:
        attach(p, "agent", case_id, b"#!/bin/sh\nrm -rf /\n", filename="photo.jpg")
    assert refused.value.errors["file"] == "принимаются фото JPEG или PNG и сканы PDF"
    with pytest.raises(InputInvalid) as heic:
        attach(p, "agent", case_id, b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100, filename="IMG.HEIC")
    assert "HEIC" in heic.value.errors["file"]
    with pytest.raises(InputInvalid) as broken:
        attach(p, "agent", case_id, b"\xff\xd8\xff\xe0" + b"\x00" * 50)
    assert broken.value.errors["file"] == "файл изображения повреждён или не читается"
    with pytest.raises(InputInvalid) as kind:
        attach(p, "agent", case_id, minimal_pdf(), kind="selfie")
    assert "kind" in kind.value.errors
    with pytest.raises(InputInvalid) as title:
        attach(p, "agent", case_id, minimal_pdf(), title="Кухня\x07")
    assert list(title.value.errors) == ["title"] and "U+0007" in title.value.errors["title"]
    small = Services(p.svc.db, p.svc.runtime, attachments=AttachmentStore(max_bytes=1000))
    with pytest.raises(TooLarge) as large:
        attachments.add_attachment(small, p.world["agent"], AddAttachment(case_id, "photo", "a.jpg",
                                                                          photo_with_gps((400, 400))))
    assert large.value.status == 413 and str(large.value) == "Файл больше допустимого размера (0 МБ)"
    assert p.rows("select count(*) as n from attachment")[0].n == 0


def test_who_may_attach_and_download_and_every_step_is_recorded(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    with pytest.raises(NotFound):  # another territory does not learn the case exists
        attach(p, "other_opeka", case_id, minimal_pdf())
    with pytest.raises(NotFound):  # a curator the case is not assigned to does not see it
        attach(p, "curator", case_id, minimal_pdf())
    with pytest.raises(NotFound):  # the administrator does not see children's cases
        attach(p, "admin", case_id, minimal_pdf())
    attachment_id = attach(p, "agent", case_id, photo_with_gps(), title="Комната ребёнка")
    audit = p.rows("select kind, actor_id, actor_role, payload from wf_audit where instance_id = :c "
                   "and kind = 'attachment_added'", c=case_id)
    assert len(audit) == 1 and audit[0].actor_id == p.world.users["agent"] and audit[0].actor_role == "agency"
    payload = audit[0].payload if isinstance(audit[0].payload, dict) else json.loads(audit[0].payload)
    assert payload["attachment_id"] == attachment_id and payload["title"] == "Комната ребёнка"
    with p.svc.db.read() as tx:
        with pytest.raises(NotFound):
            attachments.download(tx, p.svc, p.world["other_boss"], attachment_id)
        with pytest.raises(NotFound):
            attachments.list_attachments(tx, p.svc, p.world["other_opeka"], case_id)
        assert [r["id"] for r in attachments.list_attachments(tx, p.svc, p.world["boss"], case_id)] == [attachment_id]
    with p.svc.db.unit_of_work() as tx:
        filename, media_type, _ = attachments.download(tx, p.svc, p.world["boss"], attachment_id)
        tx.commit()
    assert (filename, media_type) == ("IMG_0001.jpg", "image/jpeg")
    logged = p.rows("select user_id, case_id, what from access_log where action = 'download'")
    assert [(r.user_id, r.case_id) for r in logged] == [(p.world.users["boss"], case_id)]
    assert "Комната ребёнка" in logged[0].what


def test_a_scan_marked_as_the_signed_copy_of_an_act_belongs_to_that_act(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    doc_id = p.rows("select id from document where case_id = :c order by id", c=case_id)[0].id
    scan = attach(p, "opeka", case_id, minimal_pdf(), kind="scan", target="document", target_id=doc_id,
                  signed_copy=True)
    with p.svc.db.read() as tx:
        rows = attachments.rows_of(tx, [case_id])
    assert attachments.signed_copies(rows)[doc_id]["id"] == scan
    with pytest.raises(InputInvalid) as wrong:  # a photo is not a signed copy
        attach(p, "opeka", case_id, photo_with_gps(), kind="photo", target="document", target_id=doc_id,
               signed_copy=True)
    assert "signed_copy" in wrong.value.errors
    with pytest.raises(InputInvalid) as other_case:  # an act of another case
        attach(p, "opeka", case_id, minimal_pdf(), kind="scan", target="document", target_id=doc_id + 1000)
    assert other_case.value.errors == {"target_id": "в этом деле нет такого объекта"}


def test_a_photo_belongs_to_a_visit_and_a_letter_to_a_plan_measure_of_the_same_case(process: Process) -> None:
    p = process
    report_case, support = p.to_support()
    p.fire("curator", support, "record_visit", {"kind": "home", "notes": "Дома чисто, мать ищет работу"})
    visit_id = p.rows("select id from visit where case_id = :c", c=support)[0].id
    item_id = p.rows("select i.id from plan_item i join plan l on l.id = i.plan_id where l.case_id = :c",
                     c=support)[0].id
    photo = attach(p, "curator", support, photo_with_gps(), title="Кухня", target="visit", target_id=visit_id)
    letter = attach(p, "curator", support, minimal_pdf(), kind="letter", filename="центр занятости.pdf",
                    target="plan_item", target_id=item_id)
    with p.svc.db.read() as tx:
        rows = {r["id"]: (r["target"], r["target_id"]) for r in attachments.rows_of(tx, [support])}
    assert rows == {photo: ("visit", visit_id), letter: ("plan_item", item_id)}
    for target, missing in (("visit", "укажите посещение"), ("plan_item", "укажите мероприятие плана")):
        with pytest.raises(InputInvalid) as no_id:
            attach(p, "curator", support, photo_with_gps(), target=target)
        assert no_id.value.errors == {"target_id": missing}
    other_item = p.rows("select i.id from plan_item i join plan l on l.id = i.plan_id where l.case_id = :c",
                        c=report_case)[0].id  # a measure of the family's other case
    for target, target_id in (("plan_item", other_item), ("visit", visit_id + 1000)):
        with pytest.raises(InputInvalid) as elsewhere:
            attach(p, "curator", support, photo_with_gps(), target=target, target_id=target_id)
        assert elsewhere.value.errors == {"target_id": "в этом деле нет такого объекта"}
    assert len(p.rows("select id from attachment where case_id = :c", c=support)) == 2  # refused: nothing stored


def test_files_in_a_directory_are_exported_and_erased_with_the_closed_case(process: Process, tmp_path: Path) -> None:
    p = process
    directory = tmp_path / "files"
    p.svc.attachments = AttachmentStore(directory)
    p.app.settings.attachments_dir = str(directory)
    case_id = closed_case(p)
    attachment_id = attach(p, "opeka", case_id, photo_with_gps(), title="Фото подъезда")
    row = p.rows("select data, storage_key from attachment where id = :i", i=attachment_id)[0]
    assert row.data is None and (directory / row.storage_key).exists()  # the database holds only the row
    person_id = p.rows("select person_id from report_child")[0].person_id
    export = subject_access.export_person(p.svc, p.world["boss"], person_id)
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    files = [n for n in archive.namelist() if n.startswith("attachments/")]
    assert files == [f"attachments/{case_id}_{attachment_id}_IMG_0001.jpg"]
    assert archive.read(files[0]) == stored(p, attachment_id)
    data = json.loads(archive.read("subject.json"))
    assert data["cases"][0]["attachments"][0]["title"] == "Фото подъезда"
    p.frozen.tick(timedelta(days=5 * 365 + 2))  # type: ignore[attr-defined]
    report = retention.apply(p.app, dry_run=False, by="test")
    assert {k["kind"]: k["count"] for k in report["kinds"]}["cases"] == 1
    erased = p.rows("select data, erased_at, title from attachment where id = :i", i=attachment_id)[0]
    assert erased.erased_at is not None and erased.title == "Фото подъезда"
    assert not (directory / row.storage_key).exists()
    with p.svc.db.read() as tx, pytest.raises(Exception, match="срока хранения"):
        attachments.download(tx, p.svc, p.world["boss"], attachment_id)
