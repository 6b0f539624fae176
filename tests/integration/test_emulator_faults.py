"""Fault injection on the emulator (devstack/faults.py): each fault comes back
on the wire in the service's own shape, and botocore raises (or retries) it as
it would AWS's."""

from __future__ import annotations

import secrets
import time

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from devstack import faults


def client(service: str, attempts: int = 1, read_timeout: float = 5) -> object:
    config = Config(connect_timeout=1, read_timeout=read_timeout,
                    retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.session.Session().client(service, config=config)


@pytest.fixture(autouse=True)
def no_rules_left(emulator):
    faults.clear(emulator.url)
    yield
    faults.clear(emulator.url)


@pytest.fixture(scope="module")
def ddb_table(emulator):
    name = "faults-" + secrets.token_hex(4)
    ddb = client("dynamodb")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return name


def put(table: str, ddb=None) -> str:
    key = secrets.token_hex(6)
    (ddb or client("dynamodb")).put_item(TableName=table, Item={"pk": {"S": key}})
    return key


def exists(table: str, key: str) -> bool:
    return "Item" in client("dynamodb").get_item(TableName=table, Key={"pk": {"S": key}},
                                                 ConsistentRead=True)


def transaction(table: str, keys: list[str]) -> dict:
    return {"TransactItems": [
        {"Put": {"TableName": table, "Item": {"pk": {"S": k}},
                 "ConditionExpression": "attribute_not_exists(pk)"}} for k in keys]}


def test_throttle_is_dynamodbs_own_error_and_nothing_is_written(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "PutItem",
                                 "fault": "throttle", "count": 1})
    ddb = client("dynamodb")
    with pytest.raises(ddb.exceptions.ProvisionedThroughputExceededException) as raised:
        ddb.put_item(TableName=ddb_table, Item={"pk": {"S": "throttled"}})
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert not exists(ddb_table, "throttled")
    assert faults.status(emulator.url) == {
        "rules": [], "fired": {"dynamodb.PutItem.throttle": 1}}


def test_botocore_retries_a_throttle_as_it_would_awss(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "PutItem",
                                 "fault": "throttle", "count": 1})
    key = put(ddb_table, client("dynamodb", attempts=2))
    assert exists(ddb_table, key)
    assert faults.status(emulator.url)["fired"] == {"dynamodb.PutItem.throttle": 1}


def test_a_transaction_conflict_has_a_reason_per_item_and_applies_nothing(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "TransactWriteItems",
                                 "fault": "conflict", "item": 1})
    ddb = client("dynamodb", attempts=3)  # not retried by botocore, as on AWS
    keys = [secrets.token_hex(4), secrets.token_hex(4)]
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as raised:
        ddb.transact_write_items(**transaction(ddb_table, keys))
    reasons = raised.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["None", "TransactionConflict"]
    assert "TransactionConflict" in raised.value.response["Error"]["Message"]
    assert not any(exists(ddb_table, k) for k in keys)
    assert faults.status(emulator.url)["fired"] == {
        "dynamodb.TransactWriteItems.conflict": 1}


def test_a_server_error_is_a_500_internal_server_error(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "PutItem",
                                 "fault": "error", "count": 1})
    ddb = client("dynamodb")
    with pytest.raises(ClientError) as raised:
        ddb.put_item(TableName=ddb_table, Item={"pk": {"S": "five-hundred"}})
    assert raised.value.response["Error"]["Code"] == "InternalServerError"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert not exists(ddb_table, "five-hundred")


def test_drop_applies_the_write_and_loses_the_answer(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "PutItem",
                                 "fault": "drop", "count": 1})
    with pytest.raises(ConnectionClosedError):
        client("dynamodb").put_item(TableName=ddb_table, Item={"pk": {"S": "dropped"}})
    assert exists(ddb_table, "dropped")  # applied, though the client never heard


def test_a_stalled_drop_is_a_read_timeout_after_the_write(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "TransactWriteItems",
                                 "fault": "drop", "seconds": 1.0, "count": 1})
    keys = [secrets.token_hex(4), secrets.token_hex(4)]
    with pytest.raises(ReadTimeoutError):
        client("dynamodb", read_timeout=0.3).transact_write_items(
            **transaction(ddb_table, keys))
    assert all(exists(ddb_table, k) for k in keys)


def test_delay_answers_late_but_normally(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "GetItem",
                                 "fault": "delay", "seconds": 0.6, "count": 1})
    key = put(ddb_table)  # PutItem is not delayed
    started = time.monotonic()
    assert exists(ddb_table, key)
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    assert exists(ddb_table, key)  # count 1: used up
    assert time.monotonic() - started < 0.6


def test_sqs_and_s3_throttle_in_their_own_shapes(emulator):
    sqs, s3 = client("sqs"), client("s3")
    queue = sqs.create_queue(QueueName="faults-" + secrets.token_hex(4))["QueueUrl"]
    bucket = "faults-" + secrets.token_hex(4)
    s3.create_bucket(Bucket=bucket,
                     CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    faults.inject(emulator.url,
                  {"service": "sqs", "operation": "SendMessage", "fault": "throttle"},
                  {"service": "s3", "operation": "PutObject", "fault": "throttle"})
    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl=queue, MessageBody="x")
    assert raised.value.response["Error"]["Code"] == "RequestThrottled"
    with pytest.raises(ClientError) as raised:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert raised.value.response["Error"]["Code"] == "SlowDown"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    # Other operations of the same services are untouched.
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages") is None
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_rules_are_counted_expire_and_can_be_removed(emulator, ddb_table):
    ddb = client("dynamodb")
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "PutItem",
                                 "fault": "error", "count": 2})
    for _ in range(2):
        with pytest.raises(ClientError):
            put(ddb_table, ddb)
    assert exists(ddb_table, put(ddb_table, ddb))  # the third goes through

    faults.inject(emulator.url, {"service": "dynamodb", "fault": "error", "ttl": 0.5})
    with pytest.raises(ClientError):
        put(ddb_table, ddb)
    time.sleep(0.6)
    assert exists(ddb_table, put(ddb_table, ddb))

    (rule,) = faults.inject(emulator.url, {"service": "dynamodb", "fault": "error"})
    gone = requests.delete(f"{emulator.url}/_faults/{rule['id']}", timeout=5)
    assert gone.json() == {"removed": True}
    assert exists(ddb_table, put(ddb_table, ddb))


def test_a_rule_can_pick_requests_by_their_body(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "PutItem",
                                 "fault": "error", "match": '"chosen"'})
    ddb = client("dynamodb")
    put(ddb_table, ddb)  # another item: untouched
    with pytest.raises(ClientError):
        ddb.put_item(TableName=ddb_table, Item={"pk": {"S": "chosen"}})
    assert not exists(ddb_table, "chosen")
    assert faults.status(emulator.url)["fired"] == {"dynamodb.PutItem.error": 1}


def test_probability_zero_never_fires(emulator, ddb_table):
    faults.inject(emulator.url, {"service": "dynamodb", "fault": "error", "probability": 0})
    for _ in range(5):
        put(ddb_table)
    assert faults.status(emulator.url)["fired"] == {}


@pytest.mark.parametrize("spec", [{"fault": "explode"}, {"fault": "drop", "count": 0},
                                  {"fault": "delay", "probability": 2},
                                  {"fault": "delay", "seconds": "soon"},
                                  {"fault": "delay", "colour": "red"}, ["not", "a", "rule"]])
def test_a_bad_rule_is_refused_and_adds_nothing(emulator, spec):
    answer = requests.post(emulator.url + "/_faults", json=spec, timeout=5)
    assert answer.status_code == 400 and answer.json()["error"]
    assert faults.status(emulator.url)["rules"] == []
