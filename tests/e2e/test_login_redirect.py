"""After logging in, the user is sent back only to a page of this site (no open redirect through ``next``)."""

from __future__ import annotations

import pytest

from api.routes.session import safe_next
from tests.e2e.conftest import Web, post_login

BYPASSES = ["//evil.example", "/\\evil.example", "\\\\evil.example", "/%5Cevil.example", "/%5C%5Cevil.example",
            "%2F%2Fevil.example", "/%2F/evil.example", "/%2f%2fevil.example", "https://evil.example",
            "http:/evil.example", "javascript:alert(1)", "/\tevil.example", "/%09/evil.example", "/\n/evil.example",
            "evil.example", ""]


@pytest.mark.parametrize("target", BYPASSES)
def test_a_next_outside_the_site_is_replaced_by_the_start_page(web: Web, target: str) -> None:
    response = post_login(web.client, "opeka", next=target)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/cases/5", "/cases?overdue=true&workflow=child_report", "/registry#found",
                                    "/cases/%D0%B4"])
def test_a_path_of_the_site_is_kept(web: Web, target: str) -> None:
    response = post_login(web.client, "opeka", next=target)
    assert response.status_code == 303 and response.headers["location"] == target


def test_the_login_form_carries_only_a_safe_next(web: Web) -> None:
    page = web.client.get("/login", params={"next": "/\\evil.example"}).text
    assert 'name="next" value="/"' in page
