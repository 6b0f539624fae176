"""The whole loop on the emulator: execution -> SMS -> the partner's page ->
answer -> the customer-notification step, and the timeout path."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import boto3
import pytest

from chalicelib import clock, lifecycle, links, partner
from chalicelib.korean import KST
from tests.integration import partner_support as ps
from tests.requests_support import arrange

pytestmark = pytest.mark.stack


def link_of(emulator, request_id):
    sent = ps.wait_for(lambda: ps.sms_for(emulator.url, request_id))
    assert len(sent) == 1
    return sent[0][2]


def soon_kst(hours=3):
    return (clock.now() + timedelta(hours=hours)).astimezone(KST).strftime("%Y-%m-%dT%H:%M")


ANSWERED = {"accept": "변경할게요", "reject": "변경할 수 없어요", "propose": "다른 시간 제안"}


@pytest.mark.parametrize("decision", ["accept", "reject", "propose"])
def test_each_answer_reaches_responded_and_the_customer_step(
        decision, stack_env, client, sqs_dispatcher, emulator):
    request_id = ps.new_request()
    arn = ps.start(request_id, 30)
    ps.wait_status(request_id, lifecycle.SMS_SENT)
    token = link_of(emulator, request_id)

    page = client.http.get(f"/r/{token}")
    assert page.status_code == 200
    body = f"decision={decision}"
    proposed = soon_kst()
    if decision == "propose":
        body += f"&alternativeTime={proposed}"
    done = client.http.post(f"/r/{token}", headers=ps.FORM, body=body.encode())
    assert done.status_code == 200, done.body.decode()
    assert "응답이 전달되었어요" in done.body.decode()

    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED
    assert request["partnerDecision"] == decision
    assert request["respondedAt"]
    if decision == "propose":
        assert request["alternativeTime"] == proposed + ":00+09:00"
    else:
        assert "alternativeTime" not in request
    assert ps.event_types(request_id)[:4] == ["Created", "SMS Sent", "Opened", "Responded"]

    execution = ps.wait_execution(arn)
    assert execution["status"] == "SUCCEEDED"
    notified = ps.notify_messages(arn)
    assert len(notified) == 1
    answer = notified[0]["answer"]
    assert notified[0]["outcome"] == "answered" and notified[0]["requestId"] == request_id
    assert answer["decision"] == decision and answer["respondedAt"] == request["respondedAt"]
    assert answer.get("alternativeTime") == request.get("alternativeTime")
    link = lifecycle.link(request_id)
    assert "taskToken" not in link and link["usedAt"]  # spent, task token dropped

    again = client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=reject")
    assert again.status_code == 409 and "링크가 이미 사용되었습니다" in again.body.decode()
    # Opening the link again (a reload) shows the answer, calmly: a 200, no error.
    later = client.http.get(f"/r/{token}")
    assert later.status_code == 200, later.body.decode()
    assert "이 요청에는 이미 응답했어요" in later.body.decode()
    assert "전달한 응답: " + ANSWERED[decision] in later.body.decode()
    assert 'class="error"' not in later.body.decode()
    assert lifecycle.get(request_id)["partnerDecision"] == decision


# Per kind: the page's words for "another time", and what the customer reads.
PROPOSALS = {
    "ChangeReservation": ("다른 시간 제안", "변경할 수 있다고 해요"),
    "ReportTrouble": ("방문 시간 제안", "방문해 처리할 수 있다고 해요"),
    "RequestAddOnService": ("가능한 시간 제안", "준비할 수 있다고 해요"),
}


@pytest.mark.parametrize("intent", list(PROPOSALS))
def test_every_kind_takes_a_proposed_time_and_the_customer_reads_it_in_its_words(
        intent, stack_env, client, sqs_dispatcher, emulator):
    """CONTRACT section 3: three choices for every kind of request, an add-on
    too; the customer's message fits the kind and asks for the one-tap answer."""
    button, told = PROPOSALS[intent]
    request_id = ps.new_request(intent=intent)
    ps.start(request_id, 30)
    ps.wait_status(request_id, lifecycle.SMS_SENT)
    token = link_of(emulator, request_id)
    page = client.http.get(f"/r/{token}").body.decode()
    assert page.count('name="decision"') == 3 and f"<summary>{button}</summary>" in page
    done = client.http.post(f"/r/{token}", headers=ps.FORM,
                            body=f"decision=propose&alternativeTime={soon_kst()}".encode())
    assert done.status_code == 200, done.body.decode()
    assert f"전달한 응답: {button}" in done.body.decode()
    request = ps.wait_for(lambda: (lambda r: r if r.get("notification") else None)(
        lifecycle.get(request_id)), timeout=20)
    assert request["partnerDecision"] == "propose"
    message = request["notification"]["message"]
    assert told in message and message.endswith("이 시간이 괜찮은지 알려 주세요.")


def test_no_answer_times_out_and_a_late_click_changes_nothing(
        stack_env, client, sqs_dispatcher, emulator):
    request_id = ps.new_request()
    arn = ps.start(request_id, 5)  # the issue: 2-5 s; room to see the page first
    ps.wait_status(request_id, lifecycle.SMS_SENT)
    token = link_of(emulator, request_id)
    assert client.http.get(f"/r/{token}").status_code == 200

    timed_out = ps.wait_status(request_id, lifecycle.TIMEOUT, timeout=10)
    assert ps.event_types(request_id)[-2:] == ["Timeout", "Escalated"]
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    assert ps.notify_messages(arn) == [{"requestId": request_id, "outcome": "timeout"}]

    late = client.http.post(f"/r/{token}", headers=ps.FORM, body=b"decision=accept")
    assert late.status_code == 410 and "요청이 만료되었어요" in late.body.decode()
    seen = client.http.get(f"/r/{token}")
    assert seen.status_code == 410
    after = lifecycle.get(request_id)
    assert after["status"] == lifecycle.TIMEOUT and "partnerDecision" not in after
    # (the customer-notification handler may add its Notified event meanwhile)
    def ours(item):
        return [e for e in item["events"] if e["type"] != "Notified"]

    assert ours(after) == ours(timed_out)


def test_the_deadline_takes_a_claim_whose_answer_never_reached_step_functions(stack_env):
    """A click claimed the request, but its SendTaskSuccess never landed (the
    function died in between) and the wait timed out: the record is the truth,
    so the request stays Responded with that answer, is never Timeout nor
    escalated, and the customer is told the answer."""
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.RESPONDED,
                             fields={"partnerDecision": "accept"}, event_type="Responded")
    arn = ps.start(request_id, 2)
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.RESPONDED
    assert request["partnerDecision"] == "accept" and request[lifecycle.ANSWER_TAKEN_AT]
    assert not {"Timeout", "Escalated"} & set(ps.event_types(request_id))
    assert ps.notify_messages(arn) == [{"requestId": request_id, "outcome": "answered",
                                        "answer": {"recorded": True}}]
    ps.take_link_message(request_id)  # tidy the queue


def test_mark_timeout_leaves_a_failed_request_alone(stack_env):
    request_id = ps.new_request()
    arrange(request_id, status=lifecycle.FAILED, event_type="Failed")
    arn = ps.start(request_id, 2)
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    failed = [e["taskFailedEventDetails"]["error"] for e in ps.history(arn)
              if e["type"] == "TaskFailed"]
    # MarkTimeout (not waiting), then TakeRecordedAnswer (no answer recorded).
    assert failed == ["DynamoDB.ConditionalCheckFailedException"] * 2
    assert lifecycle.get(request_id)["status"] == lifecycle.FAILED
    assert "Timeout" not in ps.event_types(request_id)
    ps.take_link_message(request_id)


def test_mark_timeout_failing_for_any_reason_still_notifies_the_customer(stack_env):
    """Whatever error MarkTimeout's write meets (here a ValidationException: the
    item's timeline is not a list, so list_append cannot work), the workflow
    goes on to NotifyCustomer: no customer is left without an answer."""
    request_id = ps.new_request()
    boto3.client("dynamodb").update_item(
        TableName=os.environ["TABLE_NAME"], Key={"pk": {"S": f"REQ#{request_id}"},
                                                 "sk": {"S": "REQ"}},
        UpdateExpression="SET events = :broken", ExpressionAttributeValues={
            ":broken": {"S": "not a list"}})
    arn = ps.start(request_id, 2)
    ps.take_link_message(request_id)  # nobody sends the SMS
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    failed = [e["taskFailedEventDetails"]["error"] for e in ps.history(arn)
              if e["type"] == "TaskFailed"]
    assert failed and "ConditionalCheckFailed" not in failed[-1]
    assert ps.notify_messages(arn) == [{"requestId": request_id, "outcome": "timeout"}]


def test_mark_timeout_also_closes_a_request_whose_sms_never_went_out(stack_env):
    request_id = ps.new_request()
    arn = ps.start(request_id, 2)
    ps.take_link_message(request_id)  # nobody sends the SMS
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    assert lifecycle.get(request_id)["status"] == lifecycle.TIMEOUT
    assert ps.event_types(request_id) == ["Created", "Timeout", "Escalated"]


def test_a_click_that_beats_the_timeout_in_the_table_but_not_in_step_functions(stack_env):
    """The claim wins in DynamoDB, but the wait is already over (moto answers
    InvalidToken, AWS TaskTimedOut): the claim is undone to Timeout."""
    request_id = ps.new_request()
    assert partner.handle_link_message(
        json.dumps({"requestId": request_id, "taskToken": "expired-task-token"})) == "sent"
    token, _ = links.issue(request_id)
    page = partner.answer(token, "accept", None)
    assert page.status == 410 and "요청이 만료되었어요" in page.html
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.TIMEOUT
    assert not {"partnerDecision", "alternativeTime", "respondedAt"} & set(request)
    assert ps.event_types(request_id) == ["Created", "SMS Sent", "Responded", "Timeout"]
    assert partner.answer(token, "reject", None).status == 410


def test_send_task_success_is_called_once_with_the_answer(stack_env):
    request_id = ps.new_request()
    arn = ps.start(request_id, 30)
    message = ps.take_link_message(request_id)
    partner.handle_link_message(message["Body"])
    token, _ = links.issue(request_id)
    calls = []
    from chalicelib import aws

    sfn = aws.client("stepfunctions", "interactive")

    def record(params, **_):
        calls.append(json.loads(params["output"]))

    sfn.meta.events.register("provide-client-params.sfn.SendTaskSuccess", record)
    try:
        assert partner.answer(token, "propose", soon_kst(5)).status == 200
    finally:
        sfn.meta.events.unregister("provide-client-params.sfn.SendTaskSuccess", record)
    assert len(calls) == 1
    assert set(calls[0]) == {"decision", "alternativeTime", "respondedAt"}
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    boto3.client("stepfunctions")  # (emulator reachable; nothing left running)


def test_an_undelivered_answer_is_taken_back_and_the_link_works_again(stack_env):
    """SendTaskSuccess fails for a reason that is not "the wait is over": the
    claim is undone (status back, decision removed, the task token given back
    to the request) and the partner's next click gets through."""
    from botocore.exceptions import EndpointConnectionError

    from chalicelib import aws

    request_id = ps.new_request()
    arn = ps.start(request_id, 30)
    message = ps.take_link_message(request_id)
    assert partner.handle_link_message(message["Body"]) == "sent"
    task_token = json.loads(message["Body"])["taskToken"]
    token, _ = links.issue(request_id)
    sfn = aws.client("stepfunctions", "interactive")

    def unreachable(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    sfn.meta.events.register("before-send.sfn.SendTaskSuccess", unreachable)
    try:
        page = partner.answer(token, "accept", None)
    finally:
        sfn.meta.events.unregister("before-send.sfn.SendTaskSuccess", unreachable)
    assert page.status == 503
    request = lifecycle.get(request_id)
    assert request["status"] == lifecycle.SMS_SENT
    assert not {"partnerDecision", "alternativeTime", "respondedAt"} & set(request)
    assert (lifecycle.get(request_id) or {}).get("taskToken") == task_token
    assert "usedAt" not in lifecycle.link(request_id)
    assert ps.event_types(request_id) == ["Created", "SMS Sent", "Responded",
                                          "AnswerNotDelivered"]

    assert partner.answer(token, "reject", None).status == 200
    assert lifecycle.get(request_id)["partnerDecision"] == "reject"
    assert ps.wait_execution(arn)["status"] == "SUCCEEDED"
    assert ps.notify_messages(arn)[0]["answer"]["decision"] == "reject"
