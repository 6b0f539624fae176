"""The emulator keeps DynamoDB's promises that moto alone does not."""

from __future__ import annotations

import pytest

from chalicelib import aws, table

pytestmark = pytest.mark.stack


def _put(pk, sk, cond=True):
    op = {"TableName": table.name(), "Item": table.serialize({"pk": pk, "sk": sk})}
    if cond:
        op["ConditionExpression"] = "attribute_not_exists(pk)"
    return {"Put": op}


def test_failed_transaction_writes_nothing(stack_env):
    table.put({"pk": "EMU#1", "sk": "taken", "v": "before"})
    with pytest.raises(Exception) as caught:
        table.client().transact_write_items(TransactItems=[
            _put("EMU#1", "fresh"), _put("EMU#1", "taken")])
    assert aws.error_code(caught.value) == "TransactionCanceledException"
    reasons = [r["Code"] for r in caught.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    assert table.get("EMU#1", "fresh") is None
    assert table.get("EMU#1", "taken")["v"] == "before"


def test_successful_transaction_writes_everything(stack_env):
    table.client().transact_write_items(TransactItems=[
        _put("EMU#2", "a"), _put("EMU#2", "b")])
    assert table.get("EMU#2", "a") and table.get("EMU#2", "b")
