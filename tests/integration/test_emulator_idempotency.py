"""The emulator's TransactWriteItems honours ClientRequestToken as DynamoDB
does (devstack/idempotent_transactions.py): the same token with the same
items succeeds again and applies nothing twice, also when the first answer
was lost; the same token with other items is IdempotentParameterMismatch."""

from __future__ import annotations

import secrets
import threading
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from devstack import faults

pytestmark = pytest.mark.stack


def client(attempts: int = 1):
    config = Config(connect_timeout=1, read_timeout=5,
                    retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.session.Session().client("dynamodb", config=config)


@pytest.fixture(scope="module")
def table(emulator):
    name = "tokens-" + secrets.token_hex(4)
    client().create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return name


@pytest.fixture(autouse=True)
def no_rules_left(emulator):
    faults.clear(emulator.url)
    yield
    faults.clear(emulator.url)


def counting(table: str, counter: str, mark: str) -> list[dict]:
    """A transaction that is visibly applied twice if it is: a counter goes
    up by one and a new item is written."""
    return [
        {"Update": {"TableName": table, "Key": {"pk": {"S": counter}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Put": {"TableName": table, "Item": {"pk": {"S": mark}}}},
    ]


def count(table: str, counter: str) -> int:
    item = client().get_item(TableName=table, Key={"pk": {"S": counter}},
                             ConsistentRead=True).get("Item")
    return int(item["n"]["N"]) if item else 0


def test_the_same_token_and_items_succeed_again_and_apply_once(table):
    counter, token = secrets.token_hex(6), str(uuid.uuid4())
    items = counting(table, counter, secrets.token_hex(6))
    ddb = client()
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert count(table, counter) == 1
    # Without a token (or with another) it is a new transaction.
    ddb.transact_write_items(TransactItems=items)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=str(uuid.uuid4()))
    assert count(table, counter) == 3


def test_the_same_token_with_other_items_is_a_mismatch_and_applies_nothing(table):
    counter, token = secrets.token_hex(6), str(uuid.uuid4())
    ddb = client()
    ddb.transact_write_items(TransactItems=counting(table, counter, "a-" + counter),
                             ClientRequestToken=token)
    other = "b-" + counter
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=counting(table, counter, other),
                                 ClientRequestToken=token)
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert count(table, counter) == 1
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": other}},
                                      ConsistentRead=True)


def test_a_resend_after_a_lost_answer_is_answered_and_applies_nothing(emulator, table):
    counter, token = secrets.token_hex(6), str(uuid.uuid4())
    items = counting(table, counter, secrets.token_hex(6))
    faults.inject(emulator.url, {"service": "dynamodb", "operation": "TransactWriteItems",
                                 "fault": "drop", "count": 1})
    with pytest.raises(ConnectionClosedError):
        client().transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert count(table, counter) == 1  # it landed, though nobody heard
    client().transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert count(table, counter) == 1


def test_twenty_sends_of_one_token_at_once_apply_it_once(table):
    counter, token = secrets.token_hex(6), str(uuid.uuid4())
    items = counting(table, counter, secrets.token_hex(6))
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def send() -> None:
        ddb = client()
        start.wait(10)
        try:
            ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert count(table, counter) == 1
