"""The lifecycle table's rules, on the in-memory store (no emulator): every
operation moves a request only where its row allows, each is one write, and
what is generated from the table (the ASL's MarkTimeout, the doc) is current."""

from __future__ import annotations

import json

import pytest

from chalicelib import lifecycle
from chalicelib.lifecycle import asl, docs, rules
from chalicelib.lifecycle.change import Change
from scripts import generate_lifecycle

P = "P001"
AT = "2026-11-03T01:00:00.000Z"
HELD = {"partnerId": P, "linkState": "INPROGRESS", "taskToken": "t", "respondedAt": AT,
        "partnerDecision": "accept"}

# operation -> (what to call, fields removed before the call)
GUARDED = {
    "fail": (lambda r, rid: r.fail(rid, "x"), ()),
    "mark_sent": (lambda r, rid: r.mark_sent(rid, "t"), ()),
    "record_open": (lambda r, rid: r.record_open(rid), ()),
    "record_answer": (lambda r, rid: r.record_answer(rid, "accept", None, "later"), ()),
    "reopen": (lambda r, rid: r.reopen(rid, AT, "SMS Sent", "t", "x"), ()),
    "answer_too_late": (lambda r, rid: r.answer_too_late(rid, AT, "x"), ()),
    "mark_timeout": (lambda r, rid: r.mark_timeout(rid), ()),
    "take_recorded_answer": (lambda r, rid: r.take_recorded_answer(rid), ()),
    "claim_link": (lambda r, rid: r.claim_link(rid, "t2"), ("linkState",)),
}


def in_status(reqs, status, remove=()):
    rid = lifecycle.new_request_id()
    reqs.create(rid, intent="ChangeReservation", reservation_number="RS1",
                customer_phone="+821012345678", text="t")
    assert reqs.store.apply(rid, Change(fields={**HELD, "status": status}, remove=remove))
    return rid


def test_the_table_is_consistent_and_every_status_is_reachable():
    rules.check_table()
    reached = {t for row in rules.TRANSITIONS for t in row.targets}
    assert reached == set(rules.STATUSES)
    appended = {e for row in rules.TRANSITIONS for e in row.events}
    assert appended == set(rules.EVENTS)


@pytest.mark.parametrize("status", rules.STATUSES)
@pytest.mark.parametrize("name", sorted(GUARDED))
def test_each_operation_moves_a_request_only_where_its_row_allows(name, status):
    reqs = lifecycle.Requests(lifecycle.MemoryStore())
    call, remove = GUARDED[name]
    row = rules.transition(name)
    rid = in_status(reqs, status, remove)
    before = reqs.get(rid)
    result = call(reqs, rid)
    result = result.taken if isinstance(result, lifecycle.Claim) else result
    after = reqs.get(rid)
    appended = [e["type"] for e in after["events"][len(before["events"]):]]
    if row.allows(status):
        assert appended == list(row.events)
        assert after["status"] in (row.targets or (status,))
        assert result
    else:
        assert appended == [] and after["status"] == status
        if name != "mark_sent":  # its fallback may still record the link as sent
            assert not result


@pytest.mark.parametrize("name, call, writes", [
    ("create", None, 0),
    ("claim_link", lambda r, rid: r.claim_link(rid, "t"), 1),
    ("mark_sent", lambda r, rid: (r.claim_link(rid, "t"), r.store.__setattr__("writes", 0),
                                  r.mark_sent(rid, "t")), 1),
    ("record_open", lambda r, rid: r.record_open(rid), 1),
    ("record_refusal", lambda r, rid: r.record_refusal(rid, "bad_token"), 1),
    ("fail", lambda r, rid: r.fail(rid, "x"), 1),
    ("claim_notification", lambda r, rid: r.claim_notification(rid, "h"), 1),
    ("notify", lambda r, rid: r.notify(rid, "m", "template"), 1),
])
def test_each_operation_is_one_write(name, call, writes):
    store = lifecycle.MemoryStore()
    reqs = lifecycle.Requests(store)
    rid = lifecycle.new_request_id()
    reqs.create(rid, intent="i", reservation_number="n", customer_phone="p", text="t",
                partnerId=P)
    store.writes = 0
    if call:
        call(reqs, rid)
    assert store.writes == writes


def test_an_operation_cannot_lead_where_the_table_does_not():
    reqs = lifecycle.Requests(lifecycle.MemoryStore())
    rid = in_status(reqs, rules.RESPONDED)
    with pytest.raises(ValueError):
        reqs.reopen(rid, AT, rules.FAILED, "t", "x")
    assert reqs.get(rid)["status"] == rules.RESPONDED


def test_the_generated_asl_and_doc_are_up_to_date():
    """Fails when the table changed and `python -m scripts.generate_lifecycle`
    was not run (or the generated parts were edited by hand)."""
    assert generate_lifecycle.stale() == []
    state = json.loads(generate_lifecycle.ASL_PATH.read_text())["States"]["MarkTimeout"]
    row = rules.transition("mark_timeout")
    values = state["Parameters"]["ExpressionAttributeValues"]
    assert values[":to"] == {"S": rules.TIMEOUT}
    assert sorted(v["S"] for k, v in values.items() if k.startswith(":s")) == sorted(row.sources)
    # A refused condition (the request holds an answer) goes to TakeRecordedAnswer.
    assert state["Catch"][0] == {"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                                 "ResultPath": None, "Next": "TakeRecordedAnswer"}
    assert state["Catch"][-1]["ErrorEquals"] == ["States.ALL"]
    take = json.loads(generate_lifecycle.ASL_PATH.read_text())["States"]["TakeRecordedAnswer"]
    row = rules.transition("take_recorded_answer")
    values = take["Parameters"]["ExpressionAttributeValues"]
    assert sorted(v["S"] for k, v in values.items() if k.startswith(":s")) == sorted(row.sources)
    assert take["Next"] == "RecordedAnswer"


def test_at_the_deadline_a_recorded_answer_is_taken_never_timed_out():
    """The record is the truth: the deadline's two steps, on the in-memory twin."""
    reqs = lifecycle.Requests(lifecycle.MemoryStore())
    rid = in_status(reqs, rules.RESPONDED)
    assert not reqs.mark_timeout(rid)
    assert reqs.take_recorded_answer(rid)
    after = reqs.get(rid)
    assert after["status"] == rules.RESPONDED and after["partnerDecision"] == "accept"
    assert "Timeout" not in [e["type"] for e in after["events"]]
    # The partner's late delivery can no longer undo what the deadline took.
    assert not reqs.answer_too_late(rid, AT, "x")
    assert reqs.get(rid)["status"] == rules.RESPONDED


def test_a_new_status_in_the_table_reaches_the_asl_and_the_doc(monkeypatch):
    """Adding a status is one table edit plus the generation step: the
    generated ASL and doc follow, and until they are written the drift test
    above fails."""
    held = "On Hold"
    row = rules.transition("mark_timeout")
    grown = rules.Transition(row.name, (*row.sources, held), row.targets, row.events, row.why,
                             row.by)
    hold = rules.Transition("hold", rules.WAITING, (held,), (rules.OPENED,), "an operator waits")
    table = tuple(grown if t.name == row.name else t for t in rules.TRANSITIONS) + (hold,)
    monkeypatch.setattr(rules, "STATUSES", (*rules.STATUSES, held))
    monkeypatch.setattr(rules, "TRANSITIONS", table)
    monkeypatch.setattr(rules, "BY_NAME", {t.name: t for t in table})
    rules.check_table()
    state = asl.mark_timeout_state()
    assert state["Parameters"]["ConditionExpression"] == "#status IN (:s0, :s1, :s2)"
    assert state["Parameters"]["ExpressionAttributeValues"][":s2"] == {"S": held}
    assert 'state "On Hold" as OnHold' in docs.render()
    assert "OnHold --> Timeout : mark_timeout" in docs.render()
    assert sorted(p.name for p in generate_lifecycle.stale()) == [
        "partner-confirmation.json", "request-lifecycle.md"]
    # The operations follow the same table: a request on hold can time out.
    reqs = lifecycle.Requests(lifecycle.MemoryStore())
    assert reqs.mark_timeout(in_status(reqs, held))
