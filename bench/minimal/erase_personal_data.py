"""Minimal retention sweep on a stage with nothing due: the ended requests
past the retention period (the personal-data index), then whether the event
has closed (its draws). Nothing found, nothing erased."""

import os
from datetime import UTC, datetime, timedelta

import boto3

dynamodb = boto3.client("dynamodb")
TABLE = os.environ["BENCH_MIN_TABLE"]
EVENT = os.environ.get("EVENT_ID", "axcl")


def handler(event, context):
    cutoff = (datetime.now(UTC) - timedelta(days=90)).isoformat()
    due = dynamodb.query(
        TableName=TABLE, IndexName="personalData", Limit=100, ScanIndexForward=True,
        KeyConditionExpression="#p = :held AND #u <= :before",
        FilterExpression="#s IN (:s0, :s1, :s2)",
        ExpressionAttributeNames={"#p": "personalData", "#u": "updatedAt", "#s": "status"},
        ExpressionAttributeValues={":held": {"S": "held"}, ":before": {"S": cutoff},
                                   ":s0": {"S": "Responded"}, ":s1": {"S": "Timeout"},
                                   ":s2": {"S": "Failed"}})
    draws = dynamodb.query(
        TableName=TABLE, ConsistentRead=True, ScanIndexForward=True,
        KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
        ExpressionAttributeValues={":pk": {"S": f"EVENT#{EVENT}"}, ":sk": {"S": "DRAW#"}})
    return {"requests": due["Count"], "draws": draws["Count"]}
