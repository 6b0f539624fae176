"""Minimal POST /api/requests: the reservation, the request, the execution."""

import json
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
stepfunctions = boto3.client("stepfunctions")
TABLE = os.environ["BENCH_MIN_TABLE"]
STATE_MACHINE = os.environ["BENCH_MIN_STATE_MACHINE"]


def handler(event, context):
    body = json.loads(event["body"])
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "RES#1"}, "sk": {"S": "R"}})
    request_id = uuid.uuid4().hex
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"REQ#{request_id}"},
                                             "sk": {"S": "R"}, "text": {"S": body["text"]}})
    stepfunctions.start_execution(stateMachineArn=STATE_MACHINE, name=request_id,
                                  input=json.dumps({"requestId": request_id}))
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"requestId": request_id})}
