"""An operator's resend and recorded answer, as the partner sees them in
Debian's chromium: the new SMS names the (unchanged) deadline, the older
link says a newer one was sent, and a link opened after an operator
recorded the answer says the operators recorded it (not as if the partner
had). Screenshots in test-artifacts/partner-resend-*.png."""

from __future__ import annotations

import pytest
import requests

from chalicelib.partner import sms
from tests.e2e.browser_support import (
    PARTNER_PHONE,
    console_errors,
    local_url,
    partner_link,
    screenshot,
)
from tests.operators_support import bearer

pytestmark = [pytest.mark.stack, pytest.mark.browser]


def admin_action(local_stack, request_id, **body):
    return requests.post(f"{local_stack.url}/api/admin/requests/{request_id}/actions",
                         headers=bearer("admin"),
                         json=body, timeout=20)


def partner_texts(endpoint):
    data = requests.get(endpoint + "/moto-api/data.json", timeout=10).json()
    return [m["message"] for m in data.get("sns", {}).get("SMS", [])
            if m["phone_number"] == PARTNER_PHONE]


def test_resend_then_an_operators_answer_as_the_partner_reads_them(local_stack, new_page):
    created = requests.post(local_stack.url + "/api/requests", timeout=20, json={
        "text": "BK77001234 체크인 날짜를 24일로 바꾸고 싶어요", "customerPhone": "010-1111-2222"})
    assert created.status_code == 201, created.text
    request_id = created.json()["requestId"]
    old = local_url(partner_link(local_stack.endpoint, request_id), local_stack.url)
    deadline = requests.get(f"{local_stack.url}/api/requests/{request_id}", timeout=10,
                            headers={"X-Customer-Token": created.json()["customerToken"]},
                            ).json()["deadline"]
    before = len(partner_texts(local_stack.endpoint))

    resent = admin_action(local_stack, request_id, action="resend", operator="김상담")
    assert resent.status_code == 200, resent.text
    texts = partner_texts(local_stack.endpoint)[before:]
    assert len(texts) == 1
    # The wait is not extended: the new SMS names the same deadline.
    assert f"{sms.deadline_text(deadline)}까지 답해 주세요" in texts[0]
    new = local_url(partner_link(local_stack.endpoint, request_id), local_stack.url)
    assert new != old

    page = new_page()
    errors = console_errors(page)
    page.goto(old)
    page.get_by_role("heading", name="새 링크를 보냈어요").wait_for()
    assert "가장 최근에 받은 문자의 링크" in page.content()
    assert "링크가 만료되었어요" not in page.content()
    screenshot(page, "partner-resend-old-link")

    answered = admin_action(local_stack, request_id, action="answer", decision="reject",
                            operator="김상담", note="제휴점이 전화로 거절")
    assert answered.status_code == 200, answered.text
    page.goto(new)
    page.get_by_role("heading", name="이미 응답했어요").or_(
        page.get_by_role("heading", name="응답이 전달되었어요")).first.wait_for()
    body = page.locator("body").inner_text()
    assert "운영팀이" in body and "기록한 응답" in body
    assert "전달한 응답" not in body
    screenshot(page, "partner-resend-operator-answer")
    assert [e for e in errors if "status of 4" not in e] == []
