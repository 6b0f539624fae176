"""The single DynamoDB table: plain-dict items in, plain-dict items out.

Keys, entities and access patterns: docs/data-model.md.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from typing import Any

from chalicelib import aws, settings

_serializer = None
_deserializer = None


def _codec():
    global _serializer, _deserializer
    if _serializer is None:
        from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

        _serializer, _deserializer = TypeSerializer(), TypeDeserializer()
    return _serializer, _deserializer


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def _number_safe(value: Any) -> Any:
    if isinstance(value, float):
        return decimal.Decimal(str(value))
    if isinstance(value, list):
        return [_number_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _number_safe(v) for k, v in value.items()}
    return value


def serialize(item: dict[str, Any]) -> dict[str, Any]:
    ser, _ = _codec()
    return {k: ser.serialize(_number_safe(v)) for k, v in item.items() if v is not None}


def serialize_value(value: Any) -> dict[str, Any]:
    ser, _ = _codec()
    return ser.serialize(_number_safe(value))


def deserialize(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    _, de = _codec()
    return {k: _plain(de.deserialize(v)) for k, v in item.items()}


def values(mapping: dict[str, Any]) -> dict[str, Any]:
    """``{":v": 1}`` -> ExpressionAttributeValues."""
    return {k: serialize_value(v) for k, v in mapping.items()}


def client():
    return aws.client("dynamodb")


def name() -> str:
    return settings.current().table_name


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get(pk: str, sk: str, consistent: bool = True) -> dict[str, Any] | None:
    found = client().get_item(TableName=name(), Key=key(pk, sk), ConsistentRead=consistent)
    return deserialize(found.get("Item"))


def put_new(item: dict[str, Any]) -> bool:
    """Put an item that must not exist yet. False when it already does."""
    try:
        client().put_item(TableName=name(), Item=serialize(item),
                          ConditionExpression="attribute_not_exists(pk)")
        return True
    except Exception as exc:  # botocore's modeled exception class is per-client
        if aws.error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise


def put(item: dict[str, Any]) -> None:
    client().put_item(TableName=name(), Item=serialize(item))


def query(pk: str, sk_prefix: str | None = None, index: str | None = None,
          forward: bool = True, limit: int | None = None,
          consistent: bool = False) -> Iterator[dict[str, Any]]:
    """All items of a partition (optionally under a sort-key prefix), paged."""
    pk_name, sk_name = ("gsi1pk", "gsi1sk") if index else ("pk", "sk")
    expr = f"{pk_name} = :pk"
    vals: dict[str, Any] = {":pk": pk}
    if sk_prefix:
        expr += f" AND begins_with({sk_name}, :sk)"
        vals[":sk"] = sk_prefix
    kwargs: dict[str, Any] = {
        "TableName": name(), "KeyConditionExpression": expr,
        "ExpressionAttributeValues": values(vals), "ScanIndexForward": forward,
    }
    if index:
        kwargs["IndexName"] = index
    elif consistent:
        kwargs["ConsistentRead"] = True
    returned = 0
    while True:
        if limit is not None:
            kwargs["Limit"] = limit - returned
        page = client().query(**kwargs)
        for raw in page.get("Items", []):
            yield deserialize(raw)
            returned += 1
        if "LastEvaluatedKey" not in page or (limit is not None and returned >= limit):
            return
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def count(pk: str, sk_prefix: str) -> int:
    kwargs: dict[str, Any] = {
        "TableName": name(), "Select": "COUNT",
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
        "ExpressionAttributeValues": values({":pk": pk, ":sk": sk_prefix}),
    }
    total = 0
    while True:
        page = client().query(**kwargs)
        total += page["Count"]
        if "LastEvaluatedKey" not in page:
            return total
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def ping() -> None:
    """One cheap call that proves the table is reachable."""
    client().describe_table(TableName=name())
