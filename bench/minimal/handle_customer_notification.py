"""Minimal customer notification (template): claim, write the message."""

import json
import os

import boto3

dynamodb = boto3.client("dynamodb")
TABLE = os.environ["BENCH_MIN_TABLE"]


def handler(event, context):
    for record in event["Records"]:
        request_id = json.loads(record["body"])["requestId"]
        key = {"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "R"}}
        dynamodb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET s = :s",
                             ExpressionAttributeValues={":s": {"S": "notifying"}})
        dynamodb.update_item(TableName=TABLE, Key=key, UpdateExpression="SET m = :m",
                             ExpressionAttributeValues={":m": {"S": "파트너가 수락했어요."}})
