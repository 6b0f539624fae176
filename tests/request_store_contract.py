"""One contract for both request stores: the same tests run against DynamoDB
in the emulator (tests/integration/test_request_store.py) and against the
in-memory store (tests/unit/test_request_store_memory.py). Each test module
supplies a ``reqs`` fixture: a `lifecycle.Requests` over its store."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib import clock, lifecycle
from chalicelib.lifecycle import operations as ops

PARTNER = "P001"


def new(reqs, **fields):
    rid = lifecycle.new_request_id()
    reqs.create(rid, intent="ChangeReservation", reservation_number="RS2025110301",
                customer_phone="+821012345678", text="날짜 변경",
                **{"partnerId": PARTNER, **fields})
    return rid


def sent(reqs, token="tt"):
    rid = new(reqs)
    assert reqs.claim_link(rid, token).taken
    assert reqs.mark_sent(rid, token)
    return rid


def types(reqs, rid):
    return [e["type"] for e in reqs.get(rid)["events"]]


def test_ids_are_128_bit_and_unique():
    ids = {lifecycle.new_request_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 22 for i in ids)


def test_create_then_public_view(reqs):
    rid = new(reqs)
    view = lifecycle.public_view(reqs.get(rid))
    assert view["status"] == "Created"
    assert [e["type"] for e in view["events"]] == ["Created"]
    assert "customerPhone" not in view and "text" not in view


def test_a_create_that_failed_is_one_record_created_then_failed(reqs):
    rid = lifecycle.new_request_id()
    item = reqs.create(rid, intent="ChangeReservation", reservation_number="RS1",
                       customer_phone="+821012345678", text="t",
                       failure_reason="RESERVATION_NOT_FOUND")
    assert item["status"] == reqs.get(rid)["status"] == "Failed"
    assert types(reqs, rid) == ["Created", "Failed"]
    assert reqs.get(rid)["events"][1]["reason"] == "RESERVATION_NOT_FOUND"
    with pytest.raises(RuntimeError):
        reqs.create(rid, intent="x", reservation_number="y", customer_phone="z", text="t")


def test_mark_sent_sets_status_and_appends_event_together(reqs):
    rid = sent(reqs)
    after = reqs.get(rid)
    assert after["status"] == "SMS Sent" and after["linkState"] == "COMPLETED"
    assert types(reqs, rid) == ["Created", "SMS Sent"]
    assert reqs.fail(rid, "late") is None  # only a Created request can fail
    assert reqs.get(rid)["status"] == "SMS Sent"


def test_unknown_request_is_none(reqs):
    assert reqs.get("nope") is None
    assert reqs.fail("does-not-exist", "x") is None
    assert reqs.record_refusal("does-not-exist", "bad_token") is None
    assert not reqs.claim_link("does-not-exist", "t").taken
    assert reqs.get("x" * 100) is None


def test_one_winner_among_racing_answers(reqs):
    rid = sent(reqs)

    def answer(i):
        return reqs.record_answer(rid, f"d{i}", None, clock.iso())

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(answer, range(30)))
    winners = [r for r in results if r]
    assert len(winners) == 1
    assert winners[0].item["taskToken"] == "tt"  # returned as it was before
    final = reqs.get(rid)
    assert types(reqs, rid).count("Responded") == 1 and "taskToken" not in final
    assert final["status"] == "Responded"
    assert final["partnerDecision"] == f"d{[bool(r) for r in results].index(True)}"
    losers = [r for r in results if not r]
    assert all(r.item["status"] == "Responded" for r in losers)  # why, with no read


def test_an_answer_needs_the_task_token(reqs):
    rid = new(reqs)
    refused = reqs.record_answer(rid, "accept", None, clock.iso())
    assert not refused and refused.item["status"] == "Created"  # no task token yet
    assert reqs.claim_link(rid, "tt").taken
    assert reqs.record_answer(rid, "propose", "2026-12-24T15:00:00+09:00",
                              clock.iso())
    assert reqs.get(rid)["alternativeTime"] == "2026-12-24T15:00:00+09:00"


def test_the_link_is_held_by_one_delivery_until_its_lock_runs_out(reqs):
    rid = new(reqs)
    now = clock.epoch()
    assert reqs.claim_link(rid, "first", now=now).taken
    again = reqs.claim_link(rid, "second", now=now)
    assert not again.taken and again.state == "INPROGRESS" and not again.same_token
    assert reqs.claim_link(rid, "first", now=now).same_token
    later = reqs.claim_link(rid, "second", now=now + ops.LOCK_SECONDS + 1)
    assert later.taken and reqs.link(rid)["taskToken"] == "second"
    assert not reqs.mark_sent(rid, "first")  # lost the link, but the SMS went out:
    assert reqs.get(rid)["status"] == "SMS Sent"
    assert reqs.mark_sent(rid, "second")
    assert types(reqs, rid) == ["Created", "SMS Sent"]
    done = reqs.claim_link(rid, "third")
    assert not done.taken and done.state == "COMPLETED"
    assert reqs.rebind_link(rid, "third") and reqs.link(rid)["taskToken"] == "third"


def test_a_failed_send_releases_the_link_and_no_phone_fails_the_request(reqs):
    rid = new(reqs)
    assert reqs.claim_link(rid, "a").taken
    assert not reqs.release_link(rid, "other")
    assert reqs.release_link(rid, "a") and reqs.link(rid) is None
    assert reqs.claim_link(rid, "b").taken
    assert reqs.fail_unreachable(rid, "b")
    item = reqs.get(rid)
    assert item["status"] == "Failed" and "taskToken" not in item
    assert item["events"][-1]["reason"] == "partner_unreachable"


def test_opens_are_all_counted_but_only_the_first_few_kept(reqs):
    rid = sent(reqs)
    for _ in range(ops.OPENED_CAP + 2):
        opened = reqs.record_open(rid)
        assert opened and opened.item["status"] == "SMS Sent"
    assert reqs.get(rid)["openedCount"] == ops.OPENED_CAP + 2
    assert types(reqs, rid).count("Opened") == ops.OPENED_CAP


def test_refusals_are_all_counted_but_only_the_first_few_kept(reqs):
    rid = new(reqs)
    results = [reqs.record_refusal(rid, "bad_token") for _ in range(ops.FAILED_CAP + 2)]
    assert results == [True] * ops.FAILED_CAP + [False, False]
    item = reqs.get(rid)
    assert item["failedCount"] == ops.FAILED_CAP + 2 and item["status"] == "Created"
    assert types(reqs, rid).count("Failed") == ops.FAILED_CAP


def test_only_our_own_answer_is_taken_back(reqs):
    rid = sent(reqs)
    at = clock.iso()
    assert reqs.record_answer(rid, "accept", None, at)
    assert not reqs.reopen(rid, "1999-01-01T00:00:00.000Z", "SMS Sent", "tt", "x")
    assert reqs.reopen(rid, at, "SMS Sent", "tt", "answer_not_delivered")
    item = reqs.get(rid)
    assert item["status"] == "SMS Sent" and item["taskToken"] == "tt"
    assert "partnerDecision" not in item and "linkUsedAt" not in item
    assert types(reqs, rid)[-1] == "AnswerNotDelivered"
    at2 = clock.iso()
    assert reqs.record_answer(rid, "reject", None, at2)
    assert reqs.answer_too_late(rid, at2, "late_answer")
    item = reqs.get(rid)
    assert item["status"] == "Timeout" and "partnerDecision" not in item
    with pytest.raises(ValueError):
        reqs.reopen(rid, at2, "Failed", "tt", "x")  # not a target the table allows


@pytest.mark.parametrize("status", ["Created", "SMS Sent", "Responded"])
def test_mark_timeout_closes_every_waiting_or_claimed_request(reqs, status):
    rid = sent(reqs) if status != "Created" else new(reqs)
    if status == "Responded":
        # The record is the truth: a claimed answer is taken, never timed out.
        assert reqs.record_answer(rid, "accept", None, clock.iso())
        assert not reqs.mark_timeout(rid)
        assert reqs.take_recorded_answer(rid)
        item = reqs.get(rid)
        assert item["status"] == "Responded" and item["partnerDecision"] == "accept"
        assert item[ops.ANSWER_TAKEN_AT] and ops.ANSWER_TOKEN not in item
        assert "Timeout" not in types(reqs, rid)
        return
    assert reqs.mark_timeout(rid)
    item = reqs.get(rid)
    assert item["status"] == "Timeout" and "partnerDecision" not in item
    assert types(reqs, rid)[-2:] == ["Timeout", "Escalated"]
    assert item["escalatedAt"] == reqs.get(rid)["events"][-1]["at"]
    assert not reqs.mark_timeout(rid)  # once
    assert types(reqs, rid).count("Escalated") == 1


def test_one_reminder_only_while_unanswered(reqs):
    rid = new(reqs)
    assert not reqs.claim_reminder(rid, "h0")  # no SMS yet: nothing to remind of
    rid = sent(reqs)
    first = reqs.claim_reminder(rid, "h1", now=1000)
    assert first and first.item["reminderState"] == ops.INPROGRESS
    assert not reqs.claim_reminder(rid, "h2", now=1001)  # held
    assert not reqs.mark_reminded(rid, "h2")  # not the holder: no event
    assert reqs.mark_reminded(rid, "h1")
    assert not reqs.claim_reminder(rid, "h3", now=10**9)  # sent: never again
    assert types(reqs, rid).count("ReminderSent") == 1


def test_a_failed_reminder_is_released_and_a_dead_holder_times_out(reqs):
    rid = sent(reqs)
    assert reqs.claim_reminder(rid, "h1", now=1000)
    assert reqs.release_reminder(rid, "h1")
    assert reqs.claim_reminder(rid, "h2", now=1001)  # released: retaken
    assert reqs.claim_reminder(rid, "h3", now=1001 + ops.LOCK_SECONDS + 1)  # lock ran out
    assert not reqs.mark_reminded(rid, "h2") and reqs.mark_reminded(rid, "h3")


def test_no_reminder_after_an_answer_or_a_timeout(reqs):
    rid = sent(reqs)
    assert reqs.record_answer(rid, "accept", None, clock.iso())
    assert not reqs.claim_reminder(rid, "h1")
    rid = sent(reqs)
    assert reqs.mark_timeout(rid)
    assert not reqs.claim_reminder(rid, "h1")
    assert "ReminderSent" not in types(reqs, rid)


def test_the_escalation_page_is_taken_once(reqs):
    rid = sent(reqs)
    assert not reqs.claim_escalation_alarm(rid)  # not escalated
    assert reqs.mark_timeout(rid)
    assert reqs.claim_escalation_alarm(rid)
    assert not reqs.claim_escalation_alarm(rid)
    assert reqs.release_escalation_alarm(rid) and reqs.claim_escalation_alarm(rid)


def test_the_deadline_is_public_only_while_waiting(reqs):
    rid = new(reqs)
    assert reqs.claim_link(rid, "tt", deadline="2026-12-01T10:05:00+09:00").taken
    assert reqs.mark_sent(rid, "tt", link_expires_at=2_000_000_000)
    item = reqs.get(rid)
    assert item["linkExpiresAt"] == 2_000_000_000
    assert ops.public_view(item)["deadline"] == "2026-12-01T10:05:00+09:00"
    assert reqs.rebind_link(rid, "t2", deadline="2026-12-01T10:06:00+09:00")
    assert ops.public_view(reqs.get(rid))["deadline"] == "2026-12-01T10:06:00+09:00"
    assert reqs.record_answer(rid, "accept", None, clock.iso())
    assert "deadline" not in ops.public_view(reqs.get(rid))


def test_a_failed_request_stays_failed(reqs):
    rid = new(reqs)
    assert reqs.fail(rid, "WORKFLOW_UNAVAILABLE")["status"] == "Failed"
    assert not reqs.mark_timeout(rid) and not reqs.claim_link(rid, "t").taken
    assert types(reqs, rid) == ["Created", "Failed"]


def test_the_customer_is_notified_at_most_once(reqs):
    rid = sent(reqs)
    assert reqs.mark_timeout(rid)
    first = reqs.claim_notification(rid, "a")
    assert first and first.item["status"] == "Timeout"
    assert not reqs.claim_notification(rid, "b")  # held
    assert reqs.claim_notification(rid, "c", now=clock.epoch() + ops.NOTIFY_CLAIM_SECONDS + 1)
    item = reqs.notify(rid, "답변이 없었어요.", "template")
    assert item["notification"]["message"] == "답변이 없었어요."
    assert "taskToken" not in item and "notifyClaimUntil" not in item
    assert reqs.notify(rid, "again", "template") is None
    refused = reqs.claim_notification(rid, "d")
    assert not refused and "notification" in refused.item
    assert types(reqs, rid).count("Notified") == 1


def test_listing_is_newest_first_and_limited(reqs):
    first = new(reqs)
    time.sleep(0.002)  # listed by creation time (milliseconds), then by id
    second = new(reqs)
    listed = [r["requestId"] for r in reqs.list_recent(limit=500)]
    assert listed.index(second) < listed.index(first)
    assert len(reqs.list_recent(limit=1)) == 1
