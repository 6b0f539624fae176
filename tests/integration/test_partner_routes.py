"""GET/POST /r/{token} through the app: pages, refusals, Failed events, escaping."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib import lifecycle, links, partner
from chalicelib.links import keys, tokens
from tests.integration import partner_support as ps
from tests.operators_support import bearer
from tests.requests_support import customer_headers

pytestmark = pytest.mark.stack


@pytest.fixture
def sent(stack_env):
    """A request whose SMS went out (task token stored; no execution needed)."""
    request_id = ps.new_request(text='<script>alert("x")</script> 늦게 도착해요 & 주차 되나요?')
    assert partner.handle_link_message(
        {"requestId": request_id, "taskToken": "task-token-of-" + request_id}) == "sent"
    token, _ = links.issue(request_id)
    return request_id, token


def html(response):
    return response.body.decode("utf-8")


def assert_page_headers(response):
    h = {k.lower(): v for k, v in response.headers.items()}
    assert h["content-type"].startswith("text/html")
    assert h["referrer-policy"] == "no-referrer" and h["cache-control"] == "no-store"
    assert "noindex" in h["x-robots-tag"]
    assert h["content-security-policy"].startswith("default-src 'none'")
    assert '<meta name="robots" content="noindex,nofollow">' in html(response)


def test_get_many_times_shows_the_page_and_never_consumes(client, sent):
    request_id, token = sent
    for _ in range(6):  # scanners, previews, the partner reloading
        page = client.http.get(f"/r/{token}")
        assert page.status_code == 200
        assert_page_headers(page)
    text = html(page)
    for shown in ("바다뷰 펜션", "오션뷰 디럭스 2박", "2026년 12월 24일 (목) 오후 3:00", "2명"):
        assert shown in text
    assert text.count('name="decision"') == 3
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.SMS_SENT and "partnerDecision" not in request
    assert request["openedCount"] == 6
    assert ps.event_types(request_id).count("Opened") == lifecycle.OPENED_CAP
    assert lifecycle.link(request_id)["taskToken"]  # still usable


def test_customer_text_is_escaped(client, sent):
    _, token = sent
    text = html(client.http.get(f"/r/{token}"))
    assert "<script>" not in text
    assert ("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
            "늦게 도착해요 &amp; 주차 되나요?") in text


def forged_tokens(request_id):
    good, _ = links.issue(request_id)
    raw = bytearray(base64.urlsafe_b64decode(good))
    raw[-1] ^= 0x01  # the tag
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    other_key = keys.parse("t1:" + "z" * 32).signing
    return {
        "flipped": (flipped, 400, "bad_token"),
        "foreign_key": (tokens.seal(other_key, request_id, 2**31), 400, "bad_token"),
        "expired": (links.issue(request_id, ttl=-1)[0], 410, "expired_token"),
        # Scope 7 made known below: authentic, made for another purpose.
        "foreign_scope": (tokens.seal(keys.current().signing, request_id, 2**31, 7),
                          403, "wrong_scope"),
    }


@pytest.mark.parametrize("kind", ["flipped", "foreign_key", "expired", "foreign_scope"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_refused_tokens_get_a_korean_page_and_a_failed_event(client, sent, kind, method,
                                                             monkeypatch):
    monkeypatch.setattr(tokens, "SCOPES", {**tokens.SCOPES, "other": 7})
    request_id, _ = sent
    token, status, reason = forged_tokens(request_id)[kind]
    before = lifecycle.get(request_id)
    if method == "GET":
        response = client.http.get(f"/r/{token}")
    else:
        response = client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=accept")
    assert response.status_code == status
    assert_page_headers(response)
    assert "링크" in html(response) or "응답" in html(response)
    after = lifecycle.get(request_id)
    assert after["status"] == before["status"] == lifecycle.SMS_SENT
    assert "partnerDecision" not in after
    failed = [e for e in after["events"] if e["type"] == "Failed"]
    assert [e["reason"] for e in failed] == [reason]


def test_garbage_token_gets_a_page_and_touches_nothing(client, sent):
    for junk in ("abc", "A" * 200, "%3Cscript%3E"):
        response = client.http.get(f"/r/{junk}")
        assert response.status_code == 400
        assert "링크가 올바르지 않아요" in html(response)


def test_failed_events_are_capped(client, sent):
    request_id, _ = sent
    token = forged_tokens(request_id)["flipped"][0]
    for _ in range(lifecycle.FAILED_CAP + 3):
        assert client.http.get(f"/r/{token}").status_code == 400
    request = lifecycle.get(request_id)
    assert request["failedCount"] == lifecycle.FAILED_CAP + 3
    assert ps.event_types(request_id).count("Failed") == lifecycle.FAILED_CAP


@pytest.mark.parametrize(("body", "message"), [
    (b"", "화면의 버튼 중 하나를 골라 주세요."),
    (b"decision=maybe", "화면의 버튼 중 하나를 골라 주세요."),
    (b"decision=propose", "제안할 시간을 골라 주세요."),
    (b"decision=propose&alternativeTime=tomorrow", "시간 형식이 올바르지 않아요."),
    (b"decision=propose&alternativeTime=2020-01-01T10:00", "지금 이후의 시간을 골라 주세요."),
])
def test_bad_form_gets_the_page_back_with_a_korean_error_and_nothing_changes(
        client, sent, body, message):
    request_id, token = sent
    response = client.http.post(f"/r/{token}", headers=ps.FORM, body=body)
    assert response.status_code == 400
    assert message in html(response)
    assert html(response).count('name="decision"') == 3
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.SMS_SENT and "partnerDecision" not in request
    assert lifecycle.link(request_id).get("usedAt") is None


def test_a_time_error_sits_next_to_the_time_field(client, sent):
    _, token = sent
    page = html(client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=propose"))
    field = re.search(r'<input type="datetime-local"[^>]*>', page).group(0)
    assert 'aria-describedby="alternativeTime-hint alternativeTime-error"' in field
    assert 'aria-invalid="true"' in field
    error = page.index('id="alternativeTime-error"')
    assert page.index(field) < error < page.index('value="propose"')
    assert 'class="error"' not in page  # not a banner far above the field


def test_only_form_posts_are_accepted(client, sent):
    _, token = sent
    response = client.http.post(f"/r/{token}", headers={"Content-Type": "application/json"},
                                body=b'{"decision": "accept"}')
    assert response.status_code == 415
    assert "처리할 수 없는 요청이에요" in html(response)  # a Korean page, not Chalice's JSON
    assert_page_headers(response)


def test_tokens_never_reach_the_log(client, sent, capsys):
    request_id, token = sent
    client.http.get(f"/r/{token}")
    client.http.get(f"/r/{forged_tokens(request_id)['expired'][0]}")
    client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=propose")
    out = capsys.readouterr()
    assert token not in out.out + out.err
    assert "task-token-of-" not in out.out + out.err


def test_the_task_token_never_shows_in_the_page_or_the_apis(client, sent):
    """It lives on the request item (so one write can claim and take it): the
    public and the admin views whitelist their fields, the page shows none."""
    request_id, token = sent
    assert lifecycle.get(request_id)["taskToken"] == "task-token-of-" + request_id
    page = client.http.get(f"/r/{token}")
    public = client.http.get(f"/api/requests/{request_id}", headers=customer_headers(request_id))
    admin = client.http.get("/api/admin/requests", headers=bearer("admin"))
    assert page.status_code == public.status_code == admin.status_code == 200
    assert request_id in admin.body.decode()
    for response in (page, public, admin):
        assert "task-token-of-" not in response.body.decode()
        assert "taskToken" not in response.body.decode()


def test_an_answer_before_the_task_token_is_stored_changes_nothing(client, stack_env):
    """The link handler has not stored the task token yet: 503 (try again),
    and the request is exactly as it was."""
    request_id = ps.new_request()
    token, _ = links.issue(request_id)
    before = lifecycle.get(request_id)
    response = client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=accept")
    assert response.status_code == 503
    assert "다시" in html(response)
    assert lifecycle.get(request_id) == before


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opens=st.integers(min_value=1, max_value=12))
def test_any_number_of_gets_leaves_the_link_usable(client, stack_env, opens):
    """Property: however many GETs (scanners, previews), the partner's POST
    still answers the real workflow."""
    request_id = ps.new_request()
    arn = ps.start(request_id, 120)
    assert partner.handle_link_message(ps.take_link_message(request_id)["Body"]) == "sent"
    token, _ = links.issue(request_id)
    for _ in range(opens):
        assert client.http.get(f"/r/{token}").status_code == 200
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.SMS_SENT
    assert request["openedCount"] == opens
    assert ps.event_types(request_id).count("Opened") == min(opens, lifecycle.OPENED_CAP)
    answered = client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=accept")
    assert answered.status_code == 200
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    assert lifecycle.get(request_id)["partnerDecision"] == "accept"


def test_forged_link_failures_stay_out_of_the_customers_view_operators_see_them(client, sent):
    """A stranger can forge links naming a request; the customer's timeline
    (GET /api/requests/{id}) must not fill with Failed events for it. The
    operators' list still shows them."""
    request_id, _ = sent
    token = forged_tokens(request_id)["flipped"][0]
    for _ in range(3):
        assert client.http.get(f"/r/{token}").status_code == 400
    public = client.http.get(f"/api/requests/{request_id}", headers=customer_headers(request_id))
    assert public.status_code == 200
    view = public.json_body
    assert [e["type"] for e in view["events"]] == ["Created", "SMS Sent"]
    assert view["status"] == lifecycle.SMS_SENT
    admin = client.http.get("/api/admin/requests", headers=bearer("admin"))
    assert admin.status_code == 200
    mine = [r for r in admin.json_body["requests"] if r["requestId"] == request_id]
    assert [e["type"] for e in mine[0]["events"]].count("Failed") == 3
