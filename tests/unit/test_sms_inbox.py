"""The local SMS inbox's page (devstack/sms_inbox.py): masked phones, times in
KST, segments as SNS counts them, links clickable and nothing else markup;
served on the local stage only and never a route of the app."""

from __future__ import annotations

import ast

from devstack import sms_inbox
from tests.conftest import PROJECT_DIR

LINK = "http://127.0.0.1:8000/r/" + "a" * 48


def test_segments_as_sns_counts_them():
    assert sms_inbox.segments("a" * 160) == 1
    assert sms_inbox.segments("a" * 161) == 2          # 153 per part
    assert sms_inbox.segments("가" * 70) == 1
    assert sms_inbox.segments("가" * 71) == 2           # 67 per part
    assert sms_inbox.segments("가" * 134) == 2
    assert sms_inbox.segments("가" * 135) == 3


def test_a_message_shows_masked_phone_kst_time_segments_and_a_clickable_link():
    html = sms_inbox.render([{"phone_number": "+821098765432",
                              "sent_at": "2026-12-07T13:05:09.120+00:00",
                              "message": f"[예약확인] <b>펜션</b>님 답해 주세요 {LINK}"}]).html
    assert "+8210****5432" in html and "+821098765432" not in html
    assert "12월 7일 오후 10:05:09" in html
    assert f'<a href="{LINK}">{LINK}</a>' in html
    assert "<b>" not in html and "&lt;b&gt;펜션&lt;/b&gt;" in html
    assert "<dd>2건</dd>" in html  # Korean (UCS-2), more than 70 characters


def test_newest_first_and_an_empty_inbox_says_so():
    html = sms_inbox.render([{"phone_number": "+821011112222", "message": "첫째"},
                             {"phone_number": "+821011112222", "message": "둘째"}]).html
    assert html.index("둘째") < html.index("첫째") and "시각 모름" in html
    assert "아직 보낸 문자가 없어요" in sms_inbox.render([]).html


def test_an_unreachable_emulator_is_a_korean_503():
    page = sms_inbox.answer("http://127.0.0.1:9")
    assert page.status == 503 and "에뮬레이터" in page.html


def test_only_the_local_stage_with_an_emulator_has_an_inbox():
    assert sms_inbox.enabled({"STAGE": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"})
    assert not sms_inbox.enabled({"STAGE": "local"})
    assert not sms_inbox.enabled({"STAGE": "prod", "AWS_ENDPOINT_URL": "http://x"})
    assert sms_inbox.is_inbox("GET", "/_local/sms?x=1")
    assert not sms_inbox.is_inbox("POST", "/_local/sms")


def test_the_app_has_no_local_route():
    # app.py and chalicelib/ are the Lambda package: the inbox lives in devstack/ only.
    packaged = [PROJECT_DIR / "app.py", *(PROJECT_DIR / "chalicelib").rglob("*.py")]
    for path in packaged:
        source = path.read_text(encoding="utf-8")
        assert "_local/sms" not in source, path
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                    a.name for a in node.names]
                assert not any(n.startswith("devstack") for n in names), path
