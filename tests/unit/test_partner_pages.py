"""The partner's pages: escaped, three choices, the right headers, Korean time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from chalicelib import pages
from chalicelib.pages import partner as partner_pages

REQUEST = {
    "requestId": "r1", "intent": "ChangeReservation", "reservationNumber": "RS2025110301",
    "partnerName": "바다뷰 <b>펜션</b>", "text": '<script>alert("x")</script> 시간 변경 & 문의',
    "reservation": {"serviceName": "오션뷰 \"디럭스\"", "startsAt": "2026-12-24T15:00:00+09:00",
                    "partySize": 2, "customerName": "김민지"},
}


def render(**kw):
    return partner_pages.request_page(REQUEST, now=datetime(2026, 12, 1, tzinfo=UTC),
                                      expires_at=1_900_000_000, **kw)


def test_every_value_is_escaped():
    html = render(error="<img src=x>", proposed='"><script>').html
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 시간 변경 &amp; 문의" in html
    assert "바다뷰 &lt;b&gt;펜션&lt;/b&gt;님" in html
    assert "오션뷰 &quot;디럭스&quot;" in html


def test_exactly_three_choices_in_one_form_posting_to_itself():
    html = render().html
    assert html.count("<form") == 1 and 'method="post"' in html and "action=" not in html
    choices = re.findall(r'<button type="submit" name="decision" value="(\w+)"', html)
    assert choices == ["accept", "reject", "propose"]
    assert 'type="datetime-local"' in html and 'name="alternativeTime"' in html
    assert "<script" not in html


def test_details_in_korean():
    html = render().html
    assert "2026년 12월 24일 (목) 오후 3:00" in html
    assert "2명" in html and "예약 변경" in html and "김민지" in html


def test_headers_and_robots():
    page = render()
    h = page.headers
    assert h["Referrer-Policy"] == "no-referrer" and h["Cache-Control"] == "no-store"
    assert "noindex" in h["X-Robots-Tag"] and h["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in h["Content-Security-Policy"]
    assert "script-src" not in h["Content-Security-Policy"]  # falls back to 'none'
    assert '<meta name="robots" content="noindex,nofollow">' in page.html


def test_style_hash_matches_the_inline_style():
    import base64
    import hashlib

    css = re.search(r"<style>(.*?)</style>", render().html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in pages.CONTENT_SECURITY_POLICY


def test_error_pages():
    assert partner_pages.used_page().status == 409
    assert "링크가 이미 사용되었습니다" in partner_pages.used_page().html
    assert partner_pages.request_expired_page().status == 410
    assert "만료" in partner_pages.request_expired_page().html
    assert partner_pages.bad_link_page().status == 400
    assert partner_pages.link_expired_page().status == 410


def test_korean_time_formats():
    assert partner_pages.korean_time("2026-01-05T00:30:00Z") == "2026년 1월 5일 (월) 오전 9:30"
    assert partner_pages.korean_time("2026-01-05T12:05:00+09:00") == (
        "2026년 1월 5일 (월) 오후 12:05")
    assert partner_pages.korean_time("nonsense") == "nonsense"


def test_the_page_shows_the_workflows_deadline_not_the_links_life():
    waiting = {**REQUEST, "status": "SMS Sent", "deadline": "2026-12-01T10:05:59+09:00"}
    html = partner_pages.request_page(waiting, now=datetime(2026, 12, 1, tzinfo=UTC),
                                      expires_at=1_900_000_000).html
    assert "오전 10:05까지 답해 주세요" in html
    assert 'data-deadline="2026-12-01T10:05:00+09:00"' in html
    # Without the workflow's deadline, no time is promised (the link's own life
    # may run past the wait).
    html = partner_pages.request_page(REQUEST, now=datetime(2026, 12, 1, tzinfo=UTC),
                                      expires_at=1_900_000_000).html
    assert "까지 답해 주세요" not in html and "쓸 수 있어요" not in html
    # A link expiring before the wait ends: the earlier moment.
    early = int(datetime(2026, 12, 1, 0, 58, tzinfo=UTC).timestamp())  # 09:58 KST
    html = partner_pages.request_page(waiting, now=datetime(2026, 12, 1, tzinfo=UTC),
                                      expires_at=early).html
    assert "오전 9:58까지 답해 주세요" in html
