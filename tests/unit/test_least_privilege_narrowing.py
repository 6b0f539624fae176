"""What the generated policies narrow beyond an ARN (issue: least privilege
that holds): texts only to phone numbers, each function's DynamoDB items by
partition-key prefix, the secrets key's readers, and the bucket owner on
every S3 call. Each is checked with the same evaluator the trace check uses
(tests/least_privilege.py ``allows``)."""

from __future__ import annotations

import json
import re

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib import aws
from provision import lambdas, policies, secrets_key, stages
from tests.least_privilege import allows

STAGE = "prod"
REGION, ACCOUNT, KEY = "ap-northeast-2", "111122223333", "0f1e2d3c-aaaa-bbbb-cccc-123456789012"
SMS_REGION = "ap-northeast-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/partnerline-{STAGE}"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:partnerline-{STAGE}-alarms"
FUNCTIONS = (lambdas.API_HANDLER, *lambdas.HANDLERS)


def policy(function: str) -> dict:
    arns = policies.Arns(STAGE, REGION, ACCOUNT, stages.options(STAGE)["event_bucket"],
                         sms_region=SMS_REGION, secrets_key=KEY)
    return policies.document(arns, function)


# -- SNS: phone numbers only ---------------------------------------------------

@pytest.mark.parametrize("function", [lambdas.API_HANDLER, "handle_partner_link"])
def test_the_functions_that_text_may_publish_to_a_phone_number_only(function):
    doc = policy(function)
    assert allows(doc, "sns:Publish", "*", SMS_REGION)          # PhoneNumber=...
    assert not allows(doc, "sns:Publish", "*", REGION)          # not from Seoul
    for arn in (TOPIC, f"arn:aws:sns:{SMS_REGION}:999999999999:someone-elses-topic",
                f"arn:aws:sns:{SMS_REGION}:{ACCOUNT}:endpoint/GCM/app/1"):
        assert not allows(doc, "sns:Publish", arn, SMS_REGION), arn


def test_the_escalation_page_publishes_to_the_alarms_topic_only():
    doc = policy("handle_customer_notification")
    assert allows(doc, "sns:Publish", TOPIC, REGION)
    assert not allows(doc, "sns:Publish", "*", SMS_REGION)      # no SMS
    assert not allows(doc, "sns:Publish", TOPIC.replace("-alarms", "-other"), REGION)


def test_no_other_function_publishes_at_all():
    for function in ("connect_event_registration", "handle_registration_log",
                     "erase_personal_data"):
        assert not allows(policy(function), "sns:Publish", "*", SMS_REGION), function


# -- DynamoDB: each function's own key prefixes --------------------------------

def test_every_leading_keys_pattern_is_a_whole_prefix():
    """The trace records a key's prefix up to its first "#" (one entry per
    request id would grow without end): a pattern must be exactly that."""
    for function in FUNCTIONS:
        for statement in policy(function)["Statement"]:
            condition = statement.get("Condition", {}).get("ForAllValues:StringLike", {})
            for pattern in condition.get("dynamodb:LeadingKeys", []):
                assert re.fullmatch(r"[A-Z]+#\*", pattern), (function, pattern)


def test_item_actions_are_held_to_the_functions_prefixes():
    api = policy(lambdas.API_HANDLER)
    assert allows(api, "dynamodb:UpdateItem", TABLE, REGION, "REQ#")
    assert allows(api, "dynamodb:GetItem", TABLE, REGION, "RES#")
    # Reservations are read, never written; registrations never deleted.
    assert not allows(api, "dynamodb:PutItem", TABLE, REGION, "RES#")
    assert not allows(api, "dynamodb:UpdateItem", TABLE, REGION, "RES#")
    assert not allows(api, "dynamodb:DeleteItem", TABLE, REGION, "EVENT#")
    assert not allows(api, "dynamodb:DeleteItem", TABLE, REGION, "REQ#")

    caller = policy("connect_event_registration")
    assert allows(caller, "dynamodb:PutItem", TABLE, REGION, "EVENT#")
    assert not allows(caller, "dynamodb:PutItem", TABLE, REGION, "REQ#")
    assert not allows(caller, "dynamodb:Query", TABLE, REGION, "RES#")

    link = policy("handle_partner_link")
    assert allows(link, "dynamodb:UpdateItem", TABLE, REGION, "REQ#")
    assert not allows(link, "dynamodb:UpdateItem", TABLE, REGION, "EVENT#")

    log = policy("handle_registration_log")
    assert allows(log, "dynamodb:Query", TABLE, REGION, "EVENT#")
    assert not allows(log, "dynamodb:Query", TABLE, REGION, "REQ#")


def test_only_the_api_queries_the_indexes_and_none_scans():
    for function in FUNCTIONS:
        doc = policy(function)
        assert not allows(doc, "dynamodb:Scan", TABLE, REGION), function
        # The dashboard's list and search, and the retention sweep's personalData index.
        assert allows(doc, "dynamodb:Query", f"{TABLE}/index/gsi1", REGION) == (
            function in (lambdas.API_HANDLER, "erase_personal_data")), function


# -- the secrets key -----------------------------------------------------------

def test_the_secret_readers_decrypt_with_the_stages_key_through_ssm_only():
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY}"
    readers = set(policies.secret_readers(STAGE))
    # The authorizer verifies a JWT against the pool's public keys: no secret.
    assert readers == {lambdas.API_HANDLER, "handle_partner_link"}
    for function in FUNCTIONS:
        decrypts = [s for s in policy(function)["Statement"] if "kms:Decrypt" in s["Action"]]
        if function not in readers:
            assert decrypts == [], function
            continue
        assert decrypts == [{"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key],
                             "Condition": {"StringEquals": {
                                 "kms:ViaService": f"ssm.{REGION}.amazonaws.com"}}}]


def test_the_key_policy_names_only_the_reading_roles_for_decrypt():
    doc = secrets_key.key_policy(STAGE, REGION, ACCOUNT)
    root = f"arn:aws:iam::{ACCOUNT}:root"
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    assert all(s["Principal"] == {"AWS": root} for s in doc["Statement"])
    decrypt = [s for s in doc["Statement"] if "kms:Decrypt" in json.dumps(s["Action"])]
    assert decrypt == [by_sid["OnlyTheReadingFunctionsDecrypt"]]
    assert decrypt[0]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com",
                         "kms:CallerAccount": ACCOUNT},
        "ArnEquals": {"aws:PrincipalArn": [
            f"arn:aws:iam::{ACCOUNT}:role/partnerline-{STAGE}-{f}"
            for f in ("api_handler", "handle_partner_link")]}}
    # The account administers the key (else it becomes unmanageable) and may
    # encrypt through SSM (provisioning, a rotation), but reads nothing.
    admin = by_sid["AccountAdministersTheKey"]["Action"]
    assert "kms:PutKeyPolicy" not in admin and "kms:Put*" in admin
    assert not any(a.startswith(("kms:Decrypt", "kms:ReEncrypt")) or a == "kms:*"
                   for s in doc["Statement"] if s["Sid"] != "OnlyTheReadingFunctionsDecrypt"
                   for a in s["Action"])


# -- S3: the bucket owner on every call ---------------------------------------

def test_every_s3_operation_that_can_name_the_owner_does():
    s3 = boto3.client("s3", region_name=REGION, aws_access_key_id="x",
                      aws_secret_access_key="x")
    aws.expect_bucket_owner(s3, lambda: ACCOUNT)
    owner = {"ExpectedBucketOwner": ACCOUNT}
    with Stubber(s3) as stub:
        stub.add_response("head_object", {}, {"Bucket": "b", "Key": "k", **owner})
        stub.add_response("put_object", {}, {"Bucket": "b", "Key": "k", "Body": b"x", **owner})
        stub.add_response("head_bucket", {}, {"Bucket": "b", **owner})
        stub.add_response("create_bucket", {}, {"Bucket": "b"})  # has no such parameter
        s3.head_object(Bucket="b", Key="k")
        s3.put_object(Bucket="b", Key="k", Body=b"x")
        s3.head_bucket(Bucket="b")
        s3.create_bucket(Bucket="b")
        stub.assert_no_pending_responses()


# -- the trace check refuses what the narrowings refuse ------------------------

def test_the_trace_check_refuses_a_topic_publish_and_a_foreign_key_prefix():
    from tests import least_privilege as lp

    local_table = "arn:aws:dynamodb:ap-northeast-2:123456789012:table/partnerline-local"
    calls = {
        lp.Call("handle_partner_link", "sns:Publish", "*", "sns:Publish", SMS_REGION): 1,
        lp.Call("handle_partner_link", "sns:Publish",
                f"arn:aws:sns:{SMS_REGION}:123456789012:partnerline-local-alarms",
                "sns:Publish", SMS_REGION): 1,
        lp.Call("handle_partner_link", "dynamodb:UpdateItem", local_table,
                "dynamodb:UpdateItem", REGION, "REQ#"): 1,
        lp.Call("handle_partner_link", "dynamodb:UpdateItem", local_table,
                "dynamodb:UpdateItem", REGION, "RES#"): 1,
    }
    denied = {(d["stage"], d["action"], d["resource"].rsplit(":", 1)[-1], d["leading_key"])
              for d in lp.check(calls)["denied"]}
    assert denied == {(stage, action, what, key) for stage in lp.CHECKED_STAGES
                      for action, what, key in (
                          ("sns:Publish", f"partnerline-{stage}-alarms", ""),
                          ("dynamodb:UpdateItem", f"table/partnerline-{stage}", "RES#"))}


def test_leading_keys_are_read_from_every_kind_of_item_call():
    from tests.least_privilege import leading_keys

    key = {"pk": {"S": "EVENT#axcl"}, "sk": {"S": "EMP#1"}}
    assert leading_keys("GetItem", {"Key": key}) == ["EVENT#"]
    assert leading_keys("PutItem", {"Item": {"pk": {"S": "REQ#abc"}}}) == ["REQ#"]
    assert leading_keys("TransactWriteItems", {"TransactItems": [
        {"Put": {"Item": key}}, {"Update": {"Key": {"pk": {"S": "EVENT#axcl#LOTS#001"}}}}]}) == [
        "EVENT#", "EVENT#"]
    assert leading_keys("Query", {"KeyConditionExpression": "#p = :pk AND begins_with(sk, :s)",
                                  "ExpressionAttributeNames": {"#p": "pk"},
                                  "ExpressionAttributeValues": {":pk": {"S": "ALARM#x"},
                                                                ":s": {"S": "A"}}}) == ["ALARM#"]
    # An index's partition key is not the item's: no leading key.
    assert leading_keys("Query", {"IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :pk",
                                  "ExpressionAttributeValues": {":pk": {"S": "REQUESTS"}}}
                        ) == [""]


def test_a_stage_may_name_who_reads_its_secrets_by_hand(monkeypatch):
    rotator = f"arn:aws:iam::{ACCOUNT}:role/secrets-rotation"
    monkeypatch.setitem(stages.STAGES, STAGE, {**stages.STAGES[STAGE],
                                               "secret_readers": [rotator]})
    people = secrets_key.people_who_read(STAGE)
    assert people == (rotator,)
    doc = secrets_key.key_policy(STAGE, REGION, ACCOUNT, people)
    [decrypt] = [s for s in doc["Statement"] if s["Action"] == "kms:Decrypt"]
    assert decrypt["Condition"]["ArnEquals"]["aws:PrincipalArn"][-1] == rotator
    monkeypatch.undo()
    assert secrets_key.people_who_read(STAGE) == ()
