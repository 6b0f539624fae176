"""Minimal SMS link sender: the signing key, claim, the partner's daily SMS
count, publish, mark sent."""

import json
import os

import boto3

ssm = boto3.client("ssm")
dynamodb = boto3.client("dynamodb")
sns = boto3.client("sns")
TABLE = os.environ["BENCH_MIN_TABLE"]


def handler(event, context):
    key = ssm.get_parameter(Name=os.environ["LINK_SIGNING_KEYS_PARAM"],
                            WithDecryption=True)["Parameter"]["Value"]
    for record in event["Records"]:
        request_id = json.loads(record["body"])["requestId"]
        item = {"pk": {"S": f"REQ#{request_id}"}, "sk": {"S": "R"}}
        dynamodb.update_item(TableName=TABLE, Key=item, UpdateExpression="SET s = :s",
                             ExpressionAttributeValues={":s": {"S": "claimed"}})
        dynamodb.update_item(TableName=TABLE, Key={"pk": {"S": "SMSDAY#P001"}, "sk": {"S": "C"}},
                             UpdateExpression="ADD sent :one",
                             ConditionExpression="attribute_not_exists(sent) OR sent < :cap",
                             ExpressionAttributeValues={":one": {"N": "1"},
                                                        ":cap": {"N": "1000000"}})
        sns.publish(PhoneNumber="+821012345678",
                    Message=f"[예약확인] 요청에 답해 주세요 https://confirm.example/r/{key[:60]}")
        dynamodb.update_item(TableName=TABLE, Key=item, UpdateExpression="SET s = :s",
                             ExpressionAttributeValues={":s": {"S": "SMS Sent"}})
