"""Paper for the commission over HTTP: the links on the case page and the KDN agenda page, the REST downloads and
their errors as JSON."""

from __future__ import annotations

import re

from tests.e2e.test_api import Bed, error
from tests.e2e.test_api import bed as bed  # the fixture: the app at Monday 03.03.2025 09:00

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_the_secretary_prints_the_summary_and_the_agenda_from_the_pages(bed: Bed) -> None:
    _, kdn = bed.web.process.to_resolution()
    client = bed.web.client_for("secretary")
    case_page = client.get(f"/cases/{kdn}").text
    assert f'href="/cases/{kdn}/kdn-summary/pdf"' in case_page
    pdf = client.get(f"/cases/{kdn}/kdn-summary/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    agenda_page = client.get("/kdn").text
    link = re.search(r'href="(/kdn/meetings/\d+/agenda/docx)"', agenda_page)
    assert link
    word = client.get(link.group(1))
    assert word.status_code == 200 and word.headers["content-type"] == DOCX and word.content[:2] == b"PK"
    assert client.get(f"/cases/{kdn}/kdn-summary/odt").status_code == 404


def test_the_rest_api_serves_both_papers_and_refuses_with_json(bed: Bed) -> None:
    _, kdn = bed.web.process.to_resolution()
    meeting_id = bed.web.process.rows("select id from meeting")[0].id
    secretary = bed.as_("secretary")
    summary = secretary.get(f"/cases/{kdn}/kdn-summary", params={"format": "docx"})
    assert summary.status_code == 200 and summary.headers["content-type"] == DOCX
    assert f"spravka_kdn_delo_{kdn}.docx" in summary.headers["content-disposition"]
    agenda = secretary.get(f"/meetings/{meeting_id}/agenda")
    assert agenda.status_code == 200 and agenda.content[:5] == b"%PDF-"
    error(bed.as_("curator").get(f"/meetings/{meeting_id}/agenda"), 403, "forbidden")
    error(bed.as_("other_boss").get(f"/cases/{kdn}/kdn-summary"), 404, "not_found")
    error(secretary.get(f"/cases/{kdn}/kdn-summary", params={"format": "odt"}), 422, "request_invalid")
