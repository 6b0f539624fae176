"""Minimal phone registration: one transaction, the queue's URL, one send."""

import json
import os
import random

import boto3

dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")
TABLE = os.environ["BENCH_MIN_TABLE"]
QUEUE = os.environ["BENCH_MIN_QUEUE"]


def handler(event, context):
    employee = event["Details"]["Parameters"]["inputValue"]
    number = f"L{random.randrange(10_000):04d}"
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"EMP#{employee}"}, "sk": {"S": "R"},
                                              "n": {"S": number}}}},
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"LOT#{number}#{employee}"},
                                              "sk": {"S": "R"}}}},
    ])
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"employeeId": employee}))
    return {"registrationStatus": "SUCCESS", "lotteryNumber": number}
