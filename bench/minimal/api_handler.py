"""Minimal POST /api/requests: the message's intent, the reservation, its
one open request taken (a conditional write), the request, the execution.

The intent is Lex's RecognizeText in AWS; where the stage has no Lex (the
local stage, `NLU_BACKEND=local`) both sides run the same stand-in instead,
the classifier built from the bot in lex/ (chalicelib/nlu/local.py), so
neither side is timed for work the other skips."""

import json
import os
import uuid

import boto3

dynamodb = boto3.client("dynamodb")
stepfunctions = boto3.client("stepfunctions")
TABLE = os.environ["BENCH_MIN_TABLE"]
STATE_MACHINE = os.environ["BENCH_MIN_STATE_MACHINE"]
if os.environ.get("NLU_BACKEND", "lex") == "lex":
    lex = boto3.client("lexv2-runtime")
else:
    from chalicelib.nlu import local as stand_in

    stand_in.model()


def intent(text):
    if os.environ.get("NLU_BACKEND", "lex") == "lex":
        return lex.recognize_text(
            botId=os.environ["LEX_BOT_ID"], botAliasId=os.environ["LEX_BOT_ALIAS_ID"],
            localeId="ko_KR", sessionId=uuid.uuid4().hex, text=text,
        )["sessionState"]["intent"]["name"]
    return stand_in.model().predict(text)[0]


def handler(event, context):
    body = json.loads(event["body"])
    kind = intent(body["text"])
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "RES#1"}, "sk": {"S": "R"}})
    request_id = uuid.uuid4().hex
    dynamodb.update_item(TableName=TABLE, Key={"pk": {"S": "OPEN#1"}, "sk": {"S": "R"}},
                         UpdateExpression="SET requestId = :rid",
                         ConditionExpression="attribute_not_exists(pk) OR requestId <> :rid",
                         ExpressionAttributeValues={":rid": {"S": request_id}})
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": f"REQ#{request_id}"},
                                             "sk": {"S": "R"}, "text": {"S": body["text"]},
                                             "intent": {"S": kind}})
    stepfunctions.start_execution(stateMachineArn=STATE_MACHINE, name=request_id,
                                  input=json.dumps({"requestId": request_id}))
    return {"statusCode": 201, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"requestId": request_id})}
