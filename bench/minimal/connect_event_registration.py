"""Minimal phone registration: one transaction (the log follows from the
table's stream)."""

import os
import random

import boto3

dynamodb = boto3.client("dynamodb")
TABLE = os.environ["BENCH_MIN_TABLE"]


def handler(event, context):
    employee = event["Details"]["Parameters"]["inputValue"]
    number = f"L{random.randrange(10_000):04d}"
    dynamodb.transact_write_items(TransactItems=[
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"EMP#{employee}"}, "sk": {"S": "R"},
                                              "n": {"S": number}}}},
        {"Put": {"TableName": TABLE, "Item": {"pk": {"S": f"LOT#{number}#{employee}"},
                                              "sk": {"S": "R"}}}},
    ])
    return {"registrationStatus": "SUCCESS", "lotteryNumber": number}
