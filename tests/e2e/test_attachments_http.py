"""Attachments over HTTP: the REST API (multipart, 413 and 422 as JSON, another territory's 404) and the case
page's form (its CSRF token, Russian messages beside the field, the file listed and downloadable)."""

from __future__ import annotations

import re

from cases.attachment_store import AttachmentStore
from tests.e2e.test_api import Bed, error, ok
from tests.e2e.test_api import bed as bed  # the fixture: the app at Monday 03.03.2025 09:00
from tests.integration.test_attachments import minimal_pdf, photo_with_gps

JPEG = "image/jpeg"


def test_the_api_uploads_lists_and_downloads_without_metadata(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    agent = bed.as_("agent")
    made = ok(agent.post(f"/cases/{case_id}/attachments", files={"file": ("IMG_1.jpg", photo_with_gps(), JPEG)},
                         data={"kind": "photo", "title": "Кухня"}), 201)
    assert made["kind_title"] == "Фото условий проживания" and made["uploaded_by_name"] == "Лебедев Андрей Сергеевич"
    assert made["media_type"] == JPEG and made["target"] == "case"
    listed = ok(bed.as_("boss").get(f"/cases/{case_id}/attachments"))
    assert [a["id"] for a in listed] == [made["id"]]
    got = bed.as_("boss").get(f"/attachments/{made['id']}/file")
    assert got.status_code == 200 and got.headers["content-type"] == JPEG and b"GPS" not in got.content
    assert "IMG_1.jpg" in got.headers["content-disposition"] and len(got.content) == made["size"]
    assert bed.count("select count(*) from access_log where action = 'download' and case_id = :c", c=case_id) == 1
    assert bed.count("select count(*) from wf_audit where kind = 'attachment_added' and instance_id = :c",
                     c=case_id) == 1


def test_the_api_refuses_large_and_wrong_files_with_json_errors(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    agent = bed.as_("agent")
    bed.web.svc.attachments = AttachmentStore(max_bytes=2000)
    bed.web.client.app.state.services.attachments = AttachmentStore(max_bytes=2000)  # type: ignore[attr-defined]
    big = error(agent.post(f"/cases/{case_id}/attachments", files={"file": ("b.pdf", minimal_pdf() * 40, "x")},
                           data={"kind": "scan"}), 413, "file_too_large")
    assert big["message"].startswith("Файл больше допустимого размера") and big["details"] == {"limit_bytes": 2000}
    wrong = error(agent.post(f"/cases/{case_id}/attachments", files={"file": ("a.exe", b"MZ\x90\x00", "image/jpeg")},
                             data={"kind": "photo"}), 422, "input_invalid")
    assert wrong["details"]["fields"] == {"file": "принимаются фото JPEG или PNG и сканы PDF"}
    kind = error(agent.post(f"/cases/{case_id}/attachments", files={"file": ("a.pdf", minimal_pdf(), "x")},
                            data={"kind": "selfie"}), 422, "request_invalid")
    assert kind["details"][0]["field"] == "kind"
    assert bed.count("select count(*) from attachment") == 0


def test_another_territory_gets_404_for_the_case_and_the_file(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    made = ok(bed.as_("opeka").post(f"/cases/{case_id}/attachments",
                                    files={"file": ("letter.pdf", minimal_pdf(), "application/pdf")},
                                    data={"kind": "letter"}), 201)
    stranger = bed.as_("other_boss")
    error(stranger.get(f"/cases/{case_id}/attachments"), 404, "not_found")
    error(stranger.get(f"/attachments/{made['id']}/file"), 404, "not_found")
    error(stranger.post(f"/cases/{case_id}/attachments", files={"file": ("l.pdf", minimal_pdf(), "x")},
                        data={"kind": "letter"}), 404, "not_found")
    error(bed.as_("curator").get(f"/attachments/{made['id']}/file"), 404, "not_found")
    assert bed.count("select count(*) from access_log where action = 'download'") == 0


def test_the_case_page_form_attaches_a_file_and_explains_refusals_in_russian(bed: Bed) -> None:
    case_id = bed.web.process.to_inspection()
    client = bed.web.client_for("agent")
    page = client.get(f"/cases/{case_id}")
    assert 'enctype="multipart/form-data"' in page.text and "Приложить файл" in page.text
    csrf = re.search(r'action="/cases/\d+/attachments".*?name="csrf" value="([^"]+)"', page.text, re.S)
    assert csrf
    token = csrf.group(1)
    no_csrf = client.post(f"/cases/{case_id}/attachments", files={"file": ("a.jpg", photo_with_gps(), JPEG)},
                          data={"kind": "photo"})
    assert no_csrf.status_code == 403
    wrong = client.post(f"/cases/{case_id}/attachments", files={"file": ("a.txt", b"hello", "text/plain")},
                        data={"kind": "photo", "csrf": token, "title": "Записка"})
    assert wrong.status_code == 422 and "принимаются фото JPEG или PNG и сканы PDF" in wrong.text
    assert 'aria-invalid="true"' in wrong.text and 'value="Записка"' in wrong.text
    bed.web.client.app.state.services.attachments = AttachmentStore(max_bytes=100)  # type: ignore[attr-defined]
    large = client.post(f"/cases/{case_id}/attachments", files={"file": ("a.jpg", photo_with_gps(), JPEG)},
                        data={"kind": "photo", "csrf": token})
    assert large.status_code == 413 and "Файл не приложен: Файл больше допустимого размера" in large.text
    bed.web.client.app.state.services.attachments = AttachmentStore()  # type: ignore[attr-defined]
    done = client.post(f"/cases/{case_id}/attachments", files={"file": ("kitchen.jpg", photo_with_gps(), JPEG)},
                       data={"kind": "photo", "csrf": token, "title": "Кухня", "target": "case"})
    assert done.status_code == 303
    page = client.get(f"/cases/{case_id}")
    assert "Файл приложен к делу" in page.text and "Кухня" in page.text and "Фото условий проживания" in page.text
    link = re.search(r'href="(/attachments/\d+)"', page.text)
    assert link
    got = client.get(link.group(1))
    assert got.status_code == 200 and got.headers["content-type"] == JPEG
    history = client.get(f"/cases/{case_id}").text
    assert "Приложен файл" in history
