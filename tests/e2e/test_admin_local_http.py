"""The admin API over HTTP under `chalice local`: the app's middleware
answers every /api/admin/ request without a valid token (no authorizer)."""

from __future__ import annotations

import re

import pytest
import requests

from tests.operators_support import bearer

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("path", ["/api/admin/requests", "/api/admin/registrations",
                                  "/api/admin/stats"])
def test_admin_api_under_chalice_local(local_stack, path):
    url = local_stack.url + path
    assert requests.get(url, timeout=10).status_code == 401
    wrong = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "UNAUTHORIZED"
    assert re.search(r"[\uac00-\ud7a3]", wrong.json()["message"])
    right = requests.get(url, headers=bearer("admin"),
                         timeout=10)
    assert right.status_code == 200, right.text


def test_pages_under_chalice_local(local_stack):
    for path, marker in (("/", "chat-form"), ("/admin", "sign-in-form")):
        page = requests.get(local_stack.url + path, timeout=10)
        assert page.status_code == 200 and marker in page.text
        assert page.headers["Content-Type"].startswith("text/html")
    script = requests.get(local_stack.url + "/assets/admin.js", timeout=10)
    assert script.status_code == 200 and "textContent" in script.text
