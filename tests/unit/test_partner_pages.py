"""The partner's pages: escaped, three choices, the right headers, Korean time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from chalicelib.partner import html as pages
from chalicelib.partner import page as partner_pages

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


def choices_of(intent):
    html = partner_pages.request_page(dict(REQUEST, intent=intent),
                                      now=datetime(2026, 12, 1, tzinfo=UTC),
                                      expires_at=None).html
    sent = re.findall(r'<button type="submit" name="decision" value="(\w+)"', html)
    shown = re.findall(r"<summary>(.*?)</summary>", html)
    return html, sent, shown


def test_choices_follow_the_kind_of_request():
    """Every kind offers the contract's three decisions, each in its own words."""
    expected = {
        "ChangeReservation": ["변경할게요", "변경할 수 없어요", "다른 시간 제안"],
        "ReportTrouble": ["처리할게요", "처리할 수 없어요", "방문 시간 제안"],
        "RequestAddOnService": ["준비할게요", "준비할 수 없어요", "가능한 시간 제안"],
        "FallbackIntent": ["수락할게요", "거절할게요", "다른 시간 제안"],
    }
    for intent, labels in expected.items():
        html, sent, shown = choices_of(intent)
        assert sent == ["accept", "reject", "propose"], intent
        assert shown == labels, intent
        assert html.count('type="datetime-local"') == 1, intent
    assert "준비할 수 있는 시간" in choices_of("RequestAddOnService")[0]
    for intent in ("ReportTrouble", "RequestAddOnService"):
        assert "거절" not in choices_of(intent)[0]


def test_no_answer_is_one_tap_away():
    """Every button that sends an answer sits inside a closed <details>, after
    its question; the form's default button (Enter) is a disabled one."""
    html = render().html
    form = re.search(r"<form.*?</form>", html, re.S).group(0)
    assert form.index('<button type="submit" disabled hidden') < form.index("<details")
    chunks = re.findall(r"<details[^>]*>(.*?)</details>", form, re.S)
    assert len(chunks) == 3
    for chunk in chunks:
        assert chunk.startswith("<summary>") and chunk.count('name="decision"') == 1
        assert chunk.index("</summary>") < chunk.index('name="decision"')
    outside = re.sub(r"<details.*?</details>", "", form, flags=re.S)
    assert 'name="decision"' not in outside
    assert all(" open" not in tag for tag in re.findall(r"<details[^>]*>", form))


def test_the_picker_starts_at_the_booked_time():
    field = re.search(r'<input type="datetime-local"[^>]*>', render().html).group(0)
    assert 'value="2026-12-24T15:00"' in field and " required" in field
    assert 'min="2026-12-01T09:00"' in field and 'max="2027-12-02T09:00"' in field
    sends = re.findall(r'<button type="submit" name="decision" value="\w+"[^>]*>', render().html)
    assert [" formnovalidate" in b for b in sends] == [True, True, False]
    assert "예약된 시간: 2026년 12월 24일 (목) 오후 3:00" in render().html
    typed = re.search(r'<input type="datetime-local"[^>]*>',
                      render(proposed="2026-12-26T10:00").html).group(0)
    assert 'value="2026-12-26T10:00"' in typed
    late = partner_pages.request_page(REQUEST, now=datetime(2027, 1, 1, tzinfo=UTC),
                                      expires_at=None).html
    assert 'value=""' in re.search(r'<input type="datetime-local"[^>]*>', late).group(0)


def test_a_time_error_is_tied_to_the_field_and_opens_its_choice():
    html = render(error="제안할 시간을 골라 주세요.", error_field="alternativeTime").html
    field = re.search(r'<input type="datetime-local"[^>]*>', html).group(0)
    assert 'aria-describedby="alternativeTime-hint alternativeTime-error"' in field
    assert '<p id="alternativeTime-error" class="field-error" role="alert">' in html
    assert 'class="error"' not in html
    assert '<details class="choice propose" name="choice" open>' in html
    whole_form = render(error="화면의 버튼 중 하나를 골라 주세요.").html
    assert '<div class="error" role="alert">' in whole_form
    assert "alternativeTime-error" not in whole_form


def test_after_answering_the_page_is_calm_and_names_the_answer():
    answered = dict(REQUEST, intent="ReportTrouble", status="Responded",
                    partnerDecision="propose", alternativeTime="2026-12-24T18:00:00+09:00")
    page = partner_pages.answered_page(answered)
    assert page.status == 200
    assert "전달한 응답: 방문 시간 제안, 2026년 12월 24일 (목) 오후 6:00" in page.html
    assert 'class="error"' not in page.html and "card done" in page.html
    assert "사용되었습니다" not in page.html
    done = partner_pages.confirmation_page("reject", None, {"intent": "ReportTrouble"})
    assert "전달한 응답: 처리할 수 없어요" in done.html


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
