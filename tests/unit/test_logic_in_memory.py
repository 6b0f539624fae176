"""Logic above the lifecycle, unit tested on the in-memory store (no
emulator): the customer's notification and the partner's page. The AWS
contract of the same paths is in tests/integration."""

from __future__ import annotations

import json

import pytest

from chalicelib import clock, lifecycle, links, notify
from chalicelib.partner import answers

P = "P001"


@pytest.fixture
def reqs(configure):
    """The app's requests in memory, the template notifier (no AWS at all)."""
    configure(NOTIFIER_BACKEND="template", STAGE="local")
    with lifecycle.using(lifecycle.MemoryStore()) as requests:
        yield requests


def new(reqs, status=lifecycle.SMS_SENT):
    rid = lifecycle.new_request_id()
    reqs.create(rid, intent="ChangeReservation", reservation_number="RS2025110301",
                customer_phone="+821012345678", text="날짜를 바꾸고 싶어요", partnerId=P,
                partnerName="바다뷰 펜션", partnerPhone="+821098765432",
                reservation={"serviceName": "오션뷰 디럭스 2박",
                             "startsAt": "2026-12-24T15:00:00+09:00", "partySize": 2})
    assert reqs.claim_link(rid, "tt").taken
    if status != lifecycle.CREATED:
        assert reqs.mark_sent(rid, "tt")
    return rid


def message(rid, outcome="timeout"):
    body = {"requestId": rid, "outcome": outcome}
    if outcome == "answered":
        body["answer"] = {"decision": "accept", "respondedAt": clock.iso()}
    return json.dumps(body)


def test_a_timeout_notifies_the_customer_once_whatever_the_queue_does(reqs, configure):
    configure(ALARMS_TOPIC_ARN=None)  # no page to the operators here (a stack test has one)
    rid = new(reqs)
    assert reqs.mark_timeout(rid)
    reqs.store.writes = 0
    assert notify.handle_message(message(rid)) == notify.Outcome.NOTIFIED
    assert reqs.store.writes == 2  # the claim, then the message with its event
    assert notify.handle_message(message(rid)) == notify.Outcome.ALREADY_NOTIFIED
    item = reqs.get(rid)
    assert item["notification"]["source"] == "template"
    assert "taskToken" not in item  # a dead token goes with the notification
    assert [e["type"] for e in item["events"]].count("Notified") == 1


def test_an_answer_is_told_to_the_customer(reqs):
    rid = new(reqs)
    assert reqs.record_answer(rid, "accept", None, clock.iso())
    assert notify.handle_message(message(rid, "answered")) == notify.Outcome.NOTIFIED
    assert "변경하기로" in reqs.get(rid)["notification"]["message"]


def test_a_failed_or_unknown_request_is_not_notified(reqs):
    rid = new(reqs, status=lifecycle.CREATED)
    assert reqs.fail_unreachable(rid, "tt")
    assert notify.handle_message(message(rid)) == notify.Outcome.REQUEST_FAILED
    assert "notification" not in reqs.get(rid)
    assert notify.handle_message(message("nope")) == notify.Outcome.UNKNOWN_REQUEST
    assert notify.handle_message("{") == notify.Outcome.BAD_MESSAGE


def test_a_second_delivery_while_the_first_holds_the_claim_comes_back_later(reqs):
    rid = new(reqs)
    assert reqs.claim_notification(rid, "other delivery")
    with pytest.raises(notify.InProgress):
        notify.handle_message(message(rid))


def test_the_partner_page_counts_opens(reqs):
    rid = new(reqs)
    token, _ = links.issue(rid)
    page = answers.open_link(token)
    assert page.status == 200 and "바다뷰 펜션" in page.html
    item = reqs.get(rid)
    assert [e["type"] for e in item["events"]][-1] == "Opened"
    assert item["openedCount"] == 1 and item["status"] == lifecycle.SMS_SENT


def test_the_partner_page_after_the_wait_says_the_request_expired(reqs):
    rid = new(reqs)
    assert reqs.mark_timeout(rid)
    token, _ = links.issue(rid)
    page = answers.open_link(token)
    assert page.status >= 400 and "openedCount" not in reqs.get(rid)
