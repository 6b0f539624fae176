"""No credential reaches a log line, whatever field, route or query string it
came in (chalicelib/logs.py, and `chalice local`'s access log through
devstack/chalice_local.py)."""

from __future__ import annotations

import json

import pytest

from chalicelib import logs
from devstack.chalice_local import redact

SECRET = "s3cr3tV4lue-" + "q" * 20


@pytest.mark.parametrize("text", [
    f"/api/admin/requests?token={SECRET}",
    f"/api/admin/requests?status=Pending&access_token={SECRET}",
    f"/api/x?api_key={SECRET}&page=2",
    f"/api/x?apiKey={SECRET}",
    f"/api/x?id_token={SECRET};v=1",
    f"/api/x?password={SECRET}",
    f"https://bucket.s3.amazonaws.com/k?X-Amz-Credential={SECRET}&X-Amz-Signature={SECRET}",
    f"Authorization: Bearer {SECRET}",
    f"/r/{SECRET}",
    f"/r/{SECRET}?lang=ko",
])
def test_credentials_in_text_are_redacted_and_the_rest_kept(text):
    cleaned = logs.redact_text(text)
    assert SECRET not in cleaned
    assert "[redacted]" in cleaned
    assert cleaned.startswith(text.split(SECRET)[0])  # the name stays, the value goes


@pytest.mark.parametrize("text", ["/api/admin/requests?status=Pending&page=2",
                                  "/api/health", "contact-123,4321"])
def test_text_without_credentials_is_untouched(text):
    assert logs.redact_text(text) == text


def test_our_structured_logs_redact_credentials_in_any_field(log_lines):
    logs.record("unhandled_error", path=f"/api/admin/requests?token={SECRET}",
                request={"query": f"access_token={SECRET}", "parts": [f"/r/{SECRET}"]},
                error=f"ValueError('Bearer {SECRET}')")
    (line,) = log_lines
    assert SECRET not in line
    written = json.loads(line)
    assert written["path"] == "/api/admin/requests?token=[redacted]"
    assert written["request"] == {"query": "access_token=[redacted]", "parts": ["/r/[redacted]"]}


def test_the_local_access_log_line_hides_a_token_in_the_query_string():
    line = f'"GET /api/admin/requests?token={SECRET}&status=Pending HTTP/1.1" 401 -'
    assert redact(line) == ('"GET /api/admin/requests?token=[redacted]&status=Pending HTTP/1.1"'
                            ' 401 -')
