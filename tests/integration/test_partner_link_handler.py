"""The link handler: one SMS per link, whatever SQS redelivers."""

from __future__ import annotations

import json

import pytest

from chalicelib import lifecycle, partner
from chalicelib.partner import sms
from devstack.dispatcher import LambdaContext, to_lambda_record
from tests.integration import partner_support as ps
from tests.requests_support import arrange

pytestmark = pytest.mark.stack


def sqs_event(message):
    return {"Records": [to_lambda_record(
        message, "arn:aws:sqs:ap-northeast-2:123456789012:partnerline-local-partner-links",
        "ap-northeast-2")]}


def test_one_sms_and_a_redelivery_sends_none(stack_env, app_module, emulator):
    request_id = ps.new_request()
    arn = ps.start(request_id, 30)
    message = ps.take_link_message(request_id)
    body = json.loads(message["Body"])
    # The wait's own start and timeout come along: the request's deadline.
    assert set(body) == {"requestId", "taskToken", "waitStartedAt", "timeoutSeconds"}

    app_module.handle_partner_link(sqs_event(message), LambdaContext("handle_partner_link"))
    sent = ps.sms_for(emulator.url, request_id)
    assert len(sent) == 1
    number, text, token = sent[0]
    request = lifecycle.get(request_id)
    assert number == request["partnerPhone"]
    assert text.startswith("[예약확인] 바다뷰 펜션님, 오션뷰 디럭스 2박 요청에")
    assert text.endswith(f"{stack_env['CONFIRM_BASE_URL']}/r/{token}")
    assert body["taskToken"] not in text  # the task token never leaves the table
    assert sms.length(text) <= 134 and len(token) <= 120
    assert request["status"] == lifecycle.SMS_SENT
    assert ps.event_types(request_id) == ["Created", "SMS Sent"]
    link = lifecycle.link(request_id)
    assert link["state"] == lifecycle.COMPLETED and link["taskToken"] == body["taskToken"]

    # Lambda's event source mapping delivers at least once: the same message again.
    app_module.handle_partner_link(sqs_event(message), LambdaContext("handle_partner_link"))
    assert partner.handle_link_message(message["Body"]) == "duplicate"
    assert len(ps.sms_for(emulator.url, request_id)) == 1
    assert ps.event_types(request_id) == ["Created", "SMS Sent"]
    boto_sfn_stop(arn)


def boto_sfn_stop(arn):
    import boto3

    boto3.client("stepfunctions").stop_execution(executionArn=arn)


def test_a_second_task_token_rebinds_without_a_second_sms(stack_env, emulator):
    request_id = ps.new_request()
    assert partner.handle_link_message(
        json.dumps({"requestId": request_id, "taskToken": "first"})) == "sent"
    assert partner.handle_link_message(
        json.dumps({"requestId": request_id, "taskToken": "second"})) == "rebound"
    assert (lifecycle.get(request_id) or {}).get("taskToken") == "second"
    assert len(ps.sms_for(emulator.url, request_id)) == 1


def test_in_progress_elsewhere_is_left_for_a_retry(stack_env, emulator):
    request_id = ps.new_request()
    assert lifecycle.claim_link(request_id, "tok").taken  # another delivery is sending
    with pytest.raises(partner.LinkInProgress):
        partner.handle_link_message({"requestId": request_id, "taskToken": "tok"})
    assert ps.sms_for(emulator.url, request_id) == []
    assert lifecycle.link(request_id)["state"] == lifecycle.INPROGRESS


def test_stale_lock_is_retaken_by_a_later_delivery(stack_env, emulator):
    request_id = ps.new_request()
    assert lifecycle.claim_link(request_id, "tok", now=1).taken  # lock ran out long ago
    assert partner.handle_link_message({"requestId": request_id, "taskToken": "tok"}) == "sent"
    assert len(ps.sms_for(emulator.url, request_id)) == 1
    assert lifecycle.link(request_id)["state"] == lifecycle.COMPLETED


@pytest.mark.parametrize("status", [lifecycle.TIMEOUT, lifecycle.RESPONDED])
def test_closed_request_gets_no_sms(stack_env, emulator, status):
    request_id = ps.new_request()
    arrange(request_id, status=status, event_type=status)
    assert partner.handle_link_message(
        {"requestId": request_id, "taskToken": "t"}) == "closed"
    assert ps.sms_for(emulator.url, request_id) == []
    assert lifecycle.link(request_id) is None


def test_unusable_messages_are_dropped_not_retried(stack_env):
    assert partner.handle_link_message("not json") == "invalid"
    assert partner.handle_link_message({"requestId": 1}) == "invalid"
    assert partner.handle_link_message(
        {"requestId": lifecycle.new_request_id(), "taskToken": "t"}) == "unknown"


def test_unreachable_partner_fails_the_request(stack_env, emulator):
    request_id = ps.new_request(partnerPhone="not a phone")
    assert partner.handle_link_message({"requestId": request_id, "taskToken": "t"}) == "unknown"
    assert lifecycle.get(request_id)["status"] == lifecycle.FAILED
    assert ps.sms_for(emulator.url, request_id) == []


def test_an_sms_that_went_out_after_the_request_moved_on_still_completes_the_link(stack_env):
    request_id = ps.new_request()
    assert lifecycle.claim_link(request_id, "tok").taken
    arrange(request_id, status=lifecycle.TIMEOUT,
                             event_type=lifecycle.TIMEOUT)  # the wait ended meanwhile
    assert lifecycle.mark_sent(request_id, "tok")
    assert lifecycle.link(request_id)["state"] == lifecycle.COMPLETED
    assert lifecycle.get(request_id)["status"] == lifecycle.TIMEOUT
    assert ps.event_types(request_id) == ["Created", "Timeout"]


def test_a_delivery_whose_lock_was_retaken_leaves_the_link_to_the_new_holder(stack_env):
    request_id = ps.new_request()
    assert lifecycle.claim_link(request_id, "first", now=1).taken   # its lock ran out
    assert lifecycle.claim_link(request_id, "second").taken         # a redelivery took over
    assert not lifecycle.mark_sent(request_id, "first")
    link = lifecycle.link(request_id)
    assert link["state"] == lifecycle.INPROGRESS and link["taskToken"] == "second"
    # The first delivery's SMS did go out: the request says so.
    assert lifecycle.get(request_id)["status"] == lifecycle.SMS_SENT
    assert lifecycle.mark_sent(request_id, "second")
    assert ps.event_types(request_id) == ["Created", "SMS Sent"]


def test_a_failing_mark_after_the_sms_does_not_send_it_again(stack_env, emulator, monkeypatch):
    """The SMS went out; marking it fails: the handler must not raise (SQS
    would redeliver and, after the lock, text the partner twice)."""
    from chalicelib.partner import sender

    request_id = ps.new_request()
    calls: list[int] = []

    def broken(*_args, **_kwargs):
        calls.append(1)
        raise RuntimeError("DynamoDB unavailable")

    monkeypatch.setattr(lifecycle, "mark_sent", broken)
    monkeypatch.setattr(sender.time, "sleep", lambda _s: None)
    body = {"requestId": request_id, "taskToken": "tt-" + request_id}
    assert partner.handle_link_message(body) == "sent"
    assert len(calls) == sender.MARK_TRIES
    assert lifecycle.get(request_id)["taskToken"] == "tt-" + request_id  # the link still works


@pytest.mark.parametrize("sms_region", [None, "ap-southeast-1"])
def test_the_sms_goes_out_through_sns_in_the_sms_region(stack_env, emulator, configure,
                                                         sms_region):
    """SNS sends no SMS from Seoul: the publish is signed for and sent to the
    stage's SMS_REGION (default ap-northeast-1), and the emulator still has it."""
    from bench.awscalls import on_every_client

    if sms_region:
        configure(SMS_REGION=sms_region)
    published: list[str] = []

    def record(request_signer=None, **_):
        published.append(request_signer.region_name)

    def hook(client):
        client.meta.events.register("before-call.sns.Publish", record,
                                    unique_id=f"test-sms-region-{id(published)}")

    def unhook(client):
        client.meta.events.unregister("before-call.sns.Publish",
                                      unique_id=f"test-sms-region-{id(published)}")

    request_id = ps.new_request()
    arn = ps.start(request_id, 30)
    message = ps.take_link_message(request_id)
    with on_every_client(hook, unhook):
        assert partner.handle_link_message(message["Body"]) == "sent"
    assert published == [sms_region or "ap-northeast-1"]
    assert len(ps.sms_for(emulator.url, request_id)) == 1
    boto_sfn_stop(arn)


def test_no_reminder_once_the_deadline_has_passed_or_without_a_sent_link(stack_env, emulator):
    request_id = ps.new_request()
    assert lifecycle.claim_link(request_id, "tok", deadline="2020-01-01T09:00:00+09:00").taken
    assert lifecycle.mark_sent(request_id, "tok", link_expires_at=2_000_000_000)
    assert partner.handle_link_message({"requestId": request_id, "kind": "reminder"}) \
        == "skipped"
    assert ps.sms_for(emulator.url, request_id) == []
    assert "ReminderSent" not in ps.event_types(request_id)
    # Given back, not spent: nothing was sent.
    assert "reminderState" not in lifecycle.get(request_id)
    # A request whose SMS never went out has nothing to remind of.
    other = ps.new_request()
    assert partner.handle_link_message({"requestId": other, "kind": "reminder"}) == "skipped"
    assert partner.handle_link_message({"requestId": lifecycle.new_request_id(),
                                        "kind": "reminder"}) == "unknown"
