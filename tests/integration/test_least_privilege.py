"""Least privilege, proven by traces (tests/least_privilege.py).

The whole session is traced and checked when it ends; these tests drive the
paths the rest of the suite reaches only below the handlers (the caller's
clash fallback, an answer of unknown fate, secrets from SSM as on dev/prod)
through the handlers themselves, and show that the check fails as soon as a
policy file lacks an action a function needs.
"""

from __future__ import annotations

import json
import secrets
import shutil

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from tests import least_privilege as lp

pytestmark = pytest.mark.stack


@pytest.fixture
def trace():
    assert lp.ACTIVE is not None, "the session recorder is installed by tests/conftest.py"
    return lp.ACTIVE


def connect_event(digits: str) -> dict:
    return {"Name": "ContactFlowEvent", "Details": {"ContactData": {}, "Parameters": {
        "inputValue": digits, "customerPhone": "+821055556666",
        "contactId": secrets.token_hex(8)}}}


def actions(calls: dict, function: str) -> set[str]:
    return {c.action for c in calls if c.function == function}


def without(tmp_path, function: str, action: str):
    """A copy of .chalice/ whose dev and prod files for ``function`` lack ``action``."""
    target = tmp_path / "chalice"
    shutil.copytree(lp.policies.CHALICE_DIR, target)
    for stage in lp.CHECKED_STAGES:
        path = lp.policy_path(stage, function, target)
        doc = json.loads(path.read_text(encoding="utf-8"))
        for statement in doc["Statement"]:
            statement["Action"] = [a for a in lp._as_list(statement["Action"]) if a != action]
        doc["Statement"] = [s for s in doc["Statement"] if s["Action"]]
        path.write_text(json.dumps(doc), encoding="utf-8")
    return target


def allowed(calls: dict, function: str, action: str) -> None:
    """The call was checked (not set aside) and every call allowed."""
    report = lp.check(calls)
    assert action in {c["action"] for c in report["functions"][function]}, report
    assert report["denied"] == [], report["denied"]


def test_a_registration_is_traced_to_its_function_and_allowed(trace, app_module, event_id):
    with trace.recorded() as calls:
        answer = app_module.connect_event_registration(connect_event("4321"), None)
    assert answer["registrationStatus"] == "SUCCESS"
    assert {c.function for c in calls} == {"connect_event_registration"}
    # TransactWriteItems is authorised item by item, as PutItem.
    # The only call: the log follows from the table's stream.
    assert actions(calls, "connect_event_registration") == {"dynamodb:PutItem"}
    allowed(calls, "connect_event_registration", "dynamodb:PutItem")


def test_the_check_fails_when_a_needed_action_is_removed(trace, app_module, event_id, tmp_path):
    with trace.recorded() as calls:
        app_module.connect_event_registration(connect_event("4322"), None)
    report = lp.check(calls, chalice_dir=without(
        tmp_path, "connect_event_registration", "dynamodb:PutItem"))
    denied = {(d["stage"], d["action"], d["operation"]) for d in report["denied"]}
    assert denied == {(stage, "dynamodb:PutItem", "dynamodb:TransactWriteItems")
                      for stage in lp.CHECKED_STAGES}
    assert "dynamodb:PutItem" in lp.render(report)


def test_the_callers_clash_fallback_reads_one_block_and_may(trace, app_module, event_id,
                                                           monkeypatch, tmp_path):
    """Every random guess lands on a number already taken: after the few tries
    the caller reads one block of numbers (a Query) and takes a free one."""
    from chalicelib.registration import store

    app_module.connect_event_registration(connect_event("5001"), None)
    [first] = [item["lotteryNumber"] for item in store.lottery_items(event_id)]
    monkeypatch.setattr(store.secrets, "randbelow", lambda n: int(first[1:]) % n)
    with trace.recorded() as calls:
        answer = app_module.connect_event_registration(connect_event("5002"), None)
    assert answer["registrationStatus"] == "SUCCESS" and answer["lotteryNumber"] != first
    allowed(calls, "connect_event_registration", "dynamodb:Query")
    refused = lp.check(calls, chalice_dir=without(
        tmp_path, "connect_event_registration", "dynamodb:Query"))["denied"]
    assert {d["action"] for d in refused} == {"dynamodb:Query"}


def test_an_answer_of_unknown_fate_is_looked_up_in_the_execution_history(trace, client,
                                                                        stack_env):
    from chalicelib import aws, links, partner
    from tests.integration import partner_support as ps

    request_id = ps.new_request()
    ps.start(request_id, 30)
    message = ps.take_link_message(request_id)
    assert partner.handle_link_message(message["Body"]) == "sent"
    token, _ = links.issue(request_id)
    sfn = aws.client("stepfunctions", "api")  # a route's client (chalicelib.aws)

    def unreachable(request, **_):
        raise EndpointConnectionError(endpoint_url=request.url)

    sfn.meta.events.register("before-send.sfn.SendTaskSuccess", unreachable)
    try:
        with trace.recorded() as calls:
            response = client.http.post(
                f"/r/{token}", body="decision=accept",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    finally:
        sfn.meta.events.unregister("before-send.sfn.SendTaskSuccess", unreachable)
    assert response.status_code == 503
    found = {c.action: c.resource for c in calls if c.function == "api_handler"}
    assert found["states:GetExecutionHistory"].endswith(
        f":execution:partnerline-local-partner-confirmation:{request_id}")
    assert found["states:SendTaskSuccess"] == "*"
    allowed(calls, "api_handler", "states:GetExecutionHistory")


def test_the_operators_token_is_checked_without_aws_and_the_list_appends_its_record(
        trace, client, stack_env):
    """The operator's token is verified in the API function against the pool's
    public keys (HTTPS, not an AWS API); the list appends its access record
    with the API function's PutItem, and no other function takes part."""
    from tests.operators_support import bearer

    headers = bearer("viewer")
    with trace.recorded() as calls:
        response = client.http.get("/api/admin/requests", headers=headers)
    assert response.status_code == 200
    assert {c.function for c in calls} == {"api_handler"}
    allowed(calls, "api_handler", "dynamodb:PutItem")


# -- the dev/prod paths the local stage replaces, through the handlers ----------

def sqs_event(body: str) -> dict:
    """One SQS record as Lambda's event source mapping delivers it."""
    return {"Records": [{
        "messageId": secrets.token_hex(8), "receiptHandle": "r", "body": body,
        "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:ap-northeast-2:123456789012:q",
        "awsRegion": "ap-northeast-2"}]}


def api_event(method: str, path: str, body: str) -> dict:
    """The REST API's proxy event, as Lambda hands it to the API function (the
    test client would put the local stage's settings back over the test's)."""
    return {"resource": path, "path": path, "httpMethod": method, "body": body,
            "headers": {"content-type": "application/json"},
            "multiValueHeaders": {"content-type": ["application/json"]},
            "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": path, "httpMethod": method, "path": path,
                               "stage": "api", "requestId": secrets.token_hex(8),
                               "identity": {"sourceIp": "127.0.0.1"}}}


def test_a_chat_message_classified_by_lex_asks_the_stages_bot_alias(trace, app_module,
                                                                    configure):
    from botocore.stub import Stubber

    from chalicelib import aws, nlu

    configure(NLU_BACKEND="lex", LEX_BOT_ID="BOTID00001", LEX_BOT_ALIAS_ID="ALIAS00001",
              LEX_LOCALE_ID="ko_KR")
    nlu.reset()
    runtime = aws.client("lexv2-runtime", "interactive")
    try:
        with Stubber(runtime) as stub:
            stub.add_response("recognize_text", {
                "sessionState": {"intent": {"name": "FallbackIntent", "state": "Failed"}},
                "interpretations": [{"intent": {"name": "FallbackIntent"}}],
                "sessionId": "chat-session-1"})
            with trace.recorded() as calls:
                response = app_module.app(api_event("POST", "/api/requests", json.dumps(
                    {"text": "안녕하세요", "customerPhone": "010-1234-5678"})), None)
            stub.assert_no_pending_responses()
    finally:
        nlu.reset()
    assert response["statusCode"] == 422
    found = {c.action: c.resource for c in calls if c.function == "api_handler"}
    assert found["lex:RecognizeText"].endswith(":bot-alias/BOTID00001/ALIAS00001")
    allowed(calls, "api_handler", "lex:RecognizeText")


def test_a_notification_written_by_bedrock_invokes_the_stages_model(trace, app_module,
                                                                   configure):
    from botocore.stub import Stubber

    from chalicelib import aws
    from tests.integration.test_notify_service import (
        EXPECTED,
        GOOD,
        MODEL_ID,
        answered,
        make_request,
        reply,
    )

    configure(NOTIFIER_BACKEND="bedrock", BEDROCK_MODEL_ID=MODEL_ID)
    request_id = make_request()
    with Stubber(aws.client("bedrock-runtime", "llm")) as stub:
        stub.add_response("converse", reply(GOOD), EXPECTED)
        with trace.recorded() as calls:
            app_module.handle_customer_notification(sqs_event(answered(request_id)), None)
        stub.assert_no_pending_responses()
    found = {c.action: c.resource for c in calls if c.function == "handle_customer_notification"}
    # A cross-region inference profile: the profile is what the call names.
    assert found["bedrock:InvokeModel"].endswith(f":inference-profile/{MODEL_ID}")
    allowed(calls, "handle_customer_notification", "bedrock:InvokeModel")


def test_link_signing_keys_from_ssm_for_the_sender_and_the_partner_page(
        trace, app_module, client, emulator, monkeypatch):
    from chalicelib import secrets as app_secrets
    from provision import secrets as names
    from tests.integration import partner_support as ps

    parameter = names.parameter_name("local", "LINK_SIGNING_KEYS")
    boto3.client("ssm").put_parameter(Name=parameter, Type="SecureString", Overwrite=True,
                                      Value=app_secrets.get("LINK_SIGNING_KEYS"))
    monkeypatch.delenv("LINK_SIGNING_KEYS")
    monkeypatch.setenv("LINK_SIGNING_KEYS_PARAM", parameter)
    request_id = ps.new_request()
    ps.start(request_id, 30)
    message = ps.take_link_message(request_id)
    app_secrets.reset()
    try:
        with trace.recorded() as sent:
            app_module.handle_partner_link(sqs_event(message["Body"]), None)
        [(_, _, token)] = ps.wait_for(lambda: ps.sms_for(emulator.url, request_id))
        app_secrets.reset()  # a new container: the page reads the keys too
        with trace.recorded() as opened:
            assert client.http.get(f"/r/{token}").status_code == 200
    finally:
        app_secrets.reset()
    for calls, function in ((sent, "handle_partner_link"), (opened, "api_handler")):
        reads = {c.resource for c in calls
                 if c.function == function and c.action == "ssm:GetParameter"}
        assert [r.split(":parameter")[-1] for r in reads] == [parameter], function
        allowed(calls, function, "ssm:GetParameter")


def test_an_idempotency_record_is_given_up_when_the_request_fails_unexpectedly(
        trace, client, stack_env, monkeypatch):
    """A 500 the request itself never answered: the key's record is deleted so
    a retry with the same key can try again (chalicelib/chat/idempotency.py)."""
    from chalicelib.chat import intake

    def broken(raw):
        raise RuntimeError("the intake broke")

    monkeypatch.setattr(intake, "submit", broken)
    with trace.recorded() as calls:
        response = client.http.post(
            "/api/requests", body=json.dumps({"text": "예약 변경", "customerPhone": "01012345678"}),
            headers={"Content-Type": "application/json",
                     "Idempotency-Key": secrets.token_urlsafe(16)})
    assert response.status_code == 500
    deleted = {(c.action, c.leading_key) for c in calls if c.function == "api_handler"}
    assert ("dynamodb:DeleteItem", "IDEM#") in deleted
    allowed(calls, "api_handler", "dynamodb:DeleteItem")


def test_each_item_call_is_checked_with_its_key_prefix(trace, app_module, event_id,
                                                       tmp_path):
    """The registration's transaction is checked item by item as PutItem on
    EVENT#; a policy whose PutItem names other prefixes refuses it."""
    with trace.recorded() as calls:
        app_module.connect_event_registration(connect_event("4323"), None)
    assert {(c.action, c.leading_key) for c in calls} == {("dynamodb:PutItem", "EVENT#")}
    target = tmp_path / "chalice"
    shutil.copytree(lp.policies.CHALICE_DIR, target)
    for stage in lp.CHECKED_STAGES:
        path = lp.policy_path(stage, "connect_event_registration", target)
        path.write_text(path.read_text(encoding="utf-8").replace('"EVENT#*"', '"REQ#*"'),
                        encoding="utf-8")
    denied = lp.check(calls, chalice_dir=target)["denied"]
    assert {(d["stage"], d["action"], d["leading_key"]) for d in denied} == {
        (stage, "dynamodb:PutItem", "EVENT#") for stage in lp.CHECKED_STAGES}
