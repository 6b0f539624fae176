"""Operators' resend and answer on a request that really went through SMS and
timed out: the state machine's wait sent the link message, the link handler
sent the SMS (linkState COMPLETED, the task token kept), and the wait timed
out (MarkTimeout) while the customer's notification is still queued (no
dispatcher here), so the timed-out task's token is still on the request.
Every other condition of ``resend_link`` and ``operator_answer`` holds on such
a request; only their status guard (``WAITING``, chalicelib/lifecycle/rules.py)
refuses them, so these tests fail if the guard goes."""

from __future__ import annotations

import json

import pytest

from chalicelib import errors, lifecycle, partner
from chalicelib.lifecycle import operations as fields
from chalicelib.operators import actions as operators
from tests.integration import partner_support as ps

pytestmark = pytest.mark.stack


def timed_out_after_sms(emulator) -> tuple[str, str]:
    """(request id, execution ARN) of a request whose SMS went out and whose
    wait then timed out."""
    request_id = ps.new_request()
    arn = ps.start(request_id, 3)
    assert partner.handle_link_message(ps.take_link_message(request_id)["Body"]) == "sent"
    assert len(ps.sms_for(emulator.url, request_id)) == 1
    assert ps.wait_execution(arn, timeout=30)["status"] == "SUCCEEDED"
    timed_out = [e for e in ps.history(arn) if e["type"] == "TaskTimedOut"]
    assert len(timed_out) == 1  # the wait itself timed out
    item = ps.wait_status(request_id, lifecycle.TIMEOUT)
    # What the other conditions look at: all would let the action through.
    assert item[fields.LINK_STATE] == fields.COMPLETED
    assert fields.RESENT_EPOCH not in item
    assert item.get(fields.TASK_TOKEN)  # the dead task's token
    assert "notification" not in item
    return request_id, arn


def test_resend_is_refused_for_a_request_that_timed_out_after_its_sms(stack_env, emulator):
    request_id, _ = timed_out_after_sms(emulator)
    with pytest.raises(errors.ApiError) as refused:
        operators.act(request_id, json.dumps({"action": "resend"}), "kim")
    assert (refused.value.status, refused.value.code) == (409, "NOT_WAITING")
    assert len(ps.sms_for(emulator.url, request_id)) == 1  # no new link went out
    item = lifecycle.get(request_id)
    assert item["status"] == lifecycle.TIMEOUT
    assert lifecycle.LINK_RESENT not in ps.event_types(request_id)
    assert fields.RESENT_EPOCH not in item


def test_answer_after_a_real_timeout_is_the_late_answer_the_customer_is_told(
        stack_env, emulator):
    request_id, arn = timed_out_after_sms(emulator)
    after = operators.act(request_id, json.dumps({
        "action": "answer", "decision": "accept", "note": "제휴점이 전화로 수락"}), "kim")
    assert after["status"] == lifecycle.RESPONDED
    item = lifecycle.get(request_id)
    assert item["partnerDecision"] == "accept"
    assert item["operatorAnswer"]["late"] is True  # the late path, not the workflow's
    assert fields.TASK_TOKEN not in item
    # The workflow was not handed the answer: its only task outcome is the timeout.
    outcomes = [e["type"] for e in ps.history(arn)
                if e["type"] in ("TaskSucceeded", "TaskTimedOut")
                and "waitForTaskToken" in json.dumps(e, default=str)]
    assert outcomes == ["TaskTimedOut"]
