"""`chalice local` as the local stack runs it: gateway errors in the contract's
Korean shape, and no partner token in its access log."""

from __future__ import annotations

import re

import pytest
import requests

from devstack.chalice_local import redact

pytestmark = pytest.mark.stack


def test_redact_hides_tokens_only():
    line = '"GET /r/AQFk3x_y-z?x=1 HTTP/1.1" 200 -'
    assert redact(line) == '"GET /r/[redacted]?x=1 HTTP/1.1" 200 -'
    assert redact('"GET /api/health HTTP/1.1" 200 -') == '"GET /api/health HTTP/1.1" 200 -'


def test_missing_operator_token_is_a_korean_401(local_stack):
    response = requests.get(local_stack.url + "/api/admin/requests", timeout=10)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "UNAUTHORIZED" and re.search("[가-힣]", body["message"])


def test_unknown_route_is_a_korean_404(local_stack):
    response = requests.get(local_stack.url + "/api/no-such-route", timeout=10)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_access_log_holds_no_partner_token(local_stack):
    token = "AQ" + "x" * 60
    requests.get(f"{local_stack.url}/r/{token}", timeout=10)
    log = (local_stack.log_dir / f"chalice-{local_stack.port}.log").read_text()
    assert "/r/[redacted]" in log
    assert token not in log


def test_access_log_holds_no_credential_from_a_query_string(local_stack):
    secret = "adm-" + "y" * 40
    for query in (f"token={secret}", f"status=Pending&access_token={secret}",
                  f"api_key={secret}"):
        requests.get(f"{local_stack.url}/api/admin/requests?{query}", timeout=10)
    log = (local_stack.log_dir / f"chalice-{local_stack.port}.log").read_text()
    assert "/api/admin/requests?token=[redacted]" in log
    assert "access_token=[redacted]" in log and "api_key=[redacted]" in log
    assert secret not in log
