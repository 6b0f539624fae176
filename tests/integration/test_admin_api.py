"""The operators' API and the pages, through chalice.test.Client."""

from __future__ import annotations

import json
import os
import re

import pytest

from chalicelib import lifecycle
from tests.operators_support import bearer, token
from tests.requests_support import arrange

pytestmark = pytest.mark.stack

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def auth():
    return bearer("admin")


def make_request(status):
    request_id = lifecycle.new_request_id()
    lifecycle.create(
        request_id, intent="ReportTrouble", reservation_number="A20251103",
        customer_phone="+821022223333", text="<b>온수</b>가 안 나와요", partnerId="P002",
        partnerName="한옥 스테이 서촌", partnerPhone="+821044445555",
        reservation={"serviceName": "한옥 독채 1박", "startsAt": "2026-12-31T16:00:00+09:00",
                     "partySize": 4, "customerName": "이준호"})
    if status != "Created":
        arrange(request_id, event_type="SMS Sent", status="SMS Sent")
    if status in ("Responded", "Timeout"):
        arrange(request_id, event_type=status, status=status,
                fields={"partnerDecision": "reject"} if status == "Responded" else None)
    return request_id


@pytest.mark.parametrize("headers", [
    lambda: {"Authorization": "Bearer wrong-token"},
    lambda: {"Authorization": "Bearer "},
    lambda: {"Authorization": "Basic " + "x" * 20},
    lambda: {"Authorization": token("admin")},  # no scheme
    lambda: {"Authorization": f"Bearer {token('admin')}x"},
    lambda: {"Authorization": f"Bearer {token('admin')[:-4]}"},
])
@pytest.mark.parametrize("path", ["/api/admin/requests", "/api/admin/registrations",
                                  "/api/admin/stats", "/api/admin/access-log"])
def test_without_a_valid_token_the_answer_is_401_in_korean(client, headers, path):
    response = client.http.get(path, headers=headers())
    assert response.status_code == 401
    body = json.loads(response.body)
    assert body["code"] == "UNAUTHORIZED"
    assert HANGUL.search(body["message"])
    assert token("admin") not in response.body.decode()


@pytest.mark.parametrize("path", ["/api/admin/requests", "/api/admin/registrations",
                                  "/api/admin/stats"])
def test_without_any_token_the_gateway_answers_401(client, path):
    # API Gateway (and Chalice's local gateway) refuse a request without the
    # Authorization header before the authorizer runs, with their own body.
    assert client.http.get(path).status_code == 401


def test_requests_list_counts_and_filter(client):
    before = json.loads(client.http.get("/api/admin/requests", headers=auth()).body)["counts"]
    responded = [make_request("Responded") for _ in range(2)]
    timed_out = make_request("Timeout")
    response = client.http.get("/api/admin/requests", headers=auth())
    assert response.status_code == 200
    body = json.loads(response.body)
    after = body["counts"]
    assert set(after) == set(lifecycle.STATUSES)
    assert after["Responded"] - before["Responded"] == 2
    assert after["Timeout"] - before["Timeout"] == 1
    assert after["Created"] == before["Created"]
    ids = [r["requestId"] for r in body["requests"]]
    assert set(responded + [timed_out]) <= set(ids)
    assert ids.index(timed_out) < ids.index(responded[0])  # newest first

    filtered = json.loads(client.http.get("/api/admin/requests?status=Responded",
                                          headers=auth()).body)
    assert {r["status"] for r in filtered["requests"]} == {"Responded"}
    assert set(responded) <= {r["requestId"] for r in filtered["requests"]}
    assert timed_out not in {r["requestId"] for r in filtered["requests"]}
    assert filtered["counts"] == after  # counts are never filtered


def test_each_request_carries_what_operators_need_and_no_full_phone(client):
    request_id = make_request("Responded")
    response = client.http.get("/api/admin/requests", headers=auth())
    text = response.body.decode()
    assert "+821044445555" not in text and "+821022223333" not in text
    row = next(r for r in json.loads(text)["requests"] if r["requestId"] == request_id)
    assert row["partnerPhone"] == "010-****-5555"
    assert row["customerPhone"] == "010-****-3333"
    assert row["partnerName"] == "한옥 스테이 서촌" and row["partnerId"] == "P002"
    assert row["intent"] == "ReportTrouble" and row["reservationNumber"] == "A20251103"
    assert row["decision"] == "reject"
    assert [e["type"] for e in row["events"]] == ["Created", "SMS Sent", "Responded"]
    assert row["text"] == "<b>온수</b>가 안 나와요"  # data; the page escapes it
    assert 0 <= row["ageSeconds"] < 120
    assert row["createdAt"].endswith("Z")


def test_an_unknown_status_filter_is_a_korean_400(client):
    response = client.http.get("/api/admin/requests?status=Bogus", headers=auth())
    assert response.status_code == 400
    assert HANGUL.search(json.loads(response.body)["message"])


def test_registrations_summary(client):
    response = client.http.get("/api/admin/registrations", headers=auth())
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["eventId"] == os.environ.get("EVENT_ID", "axcl")
    assert isinstance(body["count"], int) and isinstance(body["draws"], list)


def test_every_admin_route_is_guarded_by_the_middleware_alone(app_module, client):
    """No Lambda authorizer (it never refused anything and cost an invocation
    per token): every /api/admin/ route, whatever its method, answers the
    contract's Korean 401 without a valid operator token, from the function."""
    admin = [(path, method) for path, methods in app_module.app.routes.items()
             if path.startswith("/api/admin/") for method, entry in methods.items()]
    assert len(admin) >= 7
    assert not app_module.app.builtin_auth_handlers
    for path, method in admin:
        assert app_module.app.routes[path][method].authorizer is None
        url = path.replace("{request_id}", "r" * 22)
        for presented in ({}, {"Authorization": "Bearer nope"},
                          {"Authorization": token("admin")}):  # no scheme
            refused = client.http.request(method, url, headers=presented, body=b"{}")
            assert refused.status_code == 401, (method, path, presented)
            body = json.loads(refused.body)
            assert body["code"] == "UNAUTHORIZED" and HANGUL.search(body["message"])


@pytest.mark.parametrize(("path", "marker"), [("/", "chat-form"), ("/admin", "sign-in-form")])
def test_pages_are_served_with_a_strict_policy(client, path, marker):
    response = client.http.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert marker in response.body.decode()
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_assets_are_served_and_nothing_else(client):
    assert client.http.get("/assets/chat.js").headers["Content-Type"].startswith(
        "text/javascript")
    assert client.http.get("/assets/style.css").status_code == 200
    assert client.http.get("/config.js").status_code == 200
    for name in ("..%2Fapp.py", "missing.js", "chat.py", ".hidden.js"):
        assert client.http.get(f"/assets/{name}").status_code == 404


def test_deployed_pages_redirect_to_the_website(client, monkeypatch, tmp_path, configure):
    from chalicelib import static_site

    monkeypatch.setattr(static_site, "WEB_DIR", tmp_path / "absent")
    configure(WEB_URL="http://partnerline-prod-web.s3-website.ap-northeast-2.amazonaws.com")
    response = client.http.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(".amazonaws.com/")
    assert client.http.get("/admin").headers["Location"].endswith("/admin.html")
    configure(WEB_URL=None)
    assert client.http.get("/").status_code == 404


def test_a_failure_inside_is_a_short_korean_500_without_details(client, monkeypatch):
    from chalicelib.operators import view as dashboard

    def broken(*args, **kwargs):
        raise RuntimeError("table exploded at /secret/path")

    monkeypatch.setattr(dashboard, "status_counts", broken)
    response = client.http.get("/api/admin/requests", headers=auth())
    assert response.status_code == 500
    body = json.loads(response.body)
    assert body["code"] == "INTERNAL_ERROR" and HANGUL.search(body["message"])
    assert "exploded" not in response.body.decode() and "Traceback" not in response.body.decode()
