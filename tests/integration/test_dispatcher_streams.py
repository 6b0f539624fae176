"""The stream dispatcher behaves like Lambda's DynamoDB event source mapping:
in order, batches, retry then bisect then skip, a cancelled transaction never
delivered (the emulator streams only committed writes)."""

from __future__ import annotations

import secrets

import boto3
import pytest

from devstack.dispatcher import StreamPoller, StreamSubscription, stream_subscriptions

pytestmark = pytest.mark.stack


def _table() -> tuple[str, str]:
    ddb = boto3.client("dynamodb")
    name = f"stream-{secrets.token_hex(4)}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"}
                                           for k in ("pk", "sk")],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                {"AttributeName": "sk", "KeyType": "RANGE"}],
                     StreamSpecification={"StreamEnabled": True,
                                          "StreamViewType": "KEYS_ONLY"})
    return name, ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def _put(table: str, n: int) -> None:
    boto3.client("dynamodb").put_item(TableName=table, Item={
        "pk": {"S": "P"}, "sk": {"S": f"{n:03d}"}})


def _poller(arn: str, handler, batch: int = 100) -> tuple[StreamPoller, list[str]]:
    lines: list[str] = []
    poller = StreamPoller(StreamSubscription(arn, "handler", handler, batch),
                          boto3.client("dynamodbstreams"), lines.append)
    poller.start()
    return poller, lines


def test_records_arrive_in_order_lambda_shaped_in_batches(emulator):
    table, arn = _table()
    batches: list[list[str]] = []

    def handler(event, context):
        batches.append([r["dynamodb"]["Keys"]["sk"]["S"] for r in event["Records"]])
        record = event["Records"][0]
        assert record["eventSource"] == "aws:dynamodb" and record["eventSourceARN"] == arn
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)

    poller, _ = _poller(arn, handler, batch=4)
    for n in range(10):
        _put(table, n)
    while poller.poll_once():
        pass
    assert batches == [["000", "001", "002", "003"], ["004", "005", "006", "007"],
                       ["008", "009"]]
    assert poller.poll_once() == 0   # nothing delivered twice


def test_a_poison_record_is_bisected_out_and_skipped_the_rest_delivered(emulator):
    table, arn = _table()
    handled: list[str] = []
    tries: dict[str, int] = {}

    def handler(event, context):
        keys = [r["dynamodb"]["Keys"]["sk"]["S"] for r in event["Records"]]
        if "003" in keys:
            tries["003"] = tries.get("003", 0) + 1
            raise ValueError("poison")
        handled.extend(keys)

    poller, lines = _poller(arn, handler)
    for n in range(8):
        _put(table, n)
    poller.poll_once()
    assert sorted(handled) == ["000", "001", "002", "004", "005", "006", "007"]
    assert poller.skipped == 1
    assert any("건너뜁니다" in line for line in lines)
    _put(table, 8)               # the shard moved on: later records still flow
    poller.poll_once()
    assert handled[-1] == "008"


def test_a_cancelled_transaction_is_not_in_the_stream(emulator):
    table, arn = _table()
    seen: list[str] = []
    poller, _ = _poller(arn, lambda event, context: seen.extend(
        r["dynamodb"]["Keys"]["sk"]["S"] for r in event["Records"]))
    _put(table, 1)
    ddb = boto3.client("dynamodb")
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": table, "Item": {"pk": {"S": "P"}, "sk": {"S": "002"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Put": {"TableName": table, "Item": {"pk": {"S": "P"}, "sk": {"S": "001"}},
                     "ConditionExpression": "attribute_not_exists(pk)"}}])
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": {"pk": {"S": "P"}, "sk": {"S": "003"}}}}])
    while poller.poll_once():
        pass
    assert seen == ["001", "003"]


def test_the_app_subscribes_its_log_function_to_the_provisioned_stream(app_module, stack_env):
    subs = stream_subscriptions(app_module.app, app_module)
    assert [(s.function_name, s.stream_arn) for s in subs] == [
        ("handle_registration_log", stack_env["REGISTRATION_STREAM_ARN"])]
