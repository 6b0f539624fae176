"""make status / redrive / rotate-keys (scripts/day2.py) against the emulator."""

from __future__ import annotations

import copy
import datetime as dt
import json

import boto3
import pytest

from chalicelib import names
from chalicelib.secrets import CACHE_SECONDS
from provision import secrets as stage_secrets
from provision import stage_state, stages
from provision.core import Provisioner
from scripts import day2

pytestmark = pytest.mark.stack

STAGE, REGION = "dev", "ap-northeast-2"
KIND = "customer-notify"


@pytest.fixture
def queues(emulator):
    prov = Provisioner(STAGE, region=REGION, config=copy.deepcopy(stages.load_config()))
    urls = prov.ensure_queues()
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.get_queue_url(QueueName=names.dead_letter_queue_name(KIND, STAGE))["QueueUrl"]
    for url in (urls[KIND], dlq):
        drain(sqs, url)
    return sqs, urls[KIND], dlq


def drain(sqs, url) -> list[dict]:
    """Every message of the queue, received and deleted (PurgeQueue allows
    one call a minute)."""
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                  MessageAttributeNames=["All"]).get("Messages", [])
        if not got:
            return found
        found += got
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])


def test_redrive_moves_every_dead_letter_back_counted(queues):
    sqs, queue, dlq = queues
    for i in range(13):
        sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"n": i}), MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "notify"}})
    assert day2.redrive(sqs, STAGE, KIND) == 13
    moved = drain(sqs, queue)
    assert sorted(json.loads(m["Body"])["n"] for m in moved) == list(range(13))
    assert all(m["MessageAttributes"]["kind"]["StringValue"] == "notify" for m in moved)
    assert day2.dead_letters(sqs, STAGE)[names.dead_letter_queue_name(KIND, STAGE)] == 0
    left = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert left == {"ApproximateNumberOfMessages": "0",
                    "ApproximateNumberOfMessagesNotVisible": "0"}  # deleted, not just hidden
    assert day2.redrive(sqs, STAGE, KIND) == 0


def test_status_names_the_addresses_dead_letters_and_alarms(queues, monkeypatch):
    sqs, _, dlq = queues
    sqs.send_message(QueueUrl=dlq, MessageBody="{}")
    prov = Provisioner(STAGE, region=REGION, config=copy.deepcopy(stages.load_config()))
    stage_state.store_env(prov, {"PUBLIC_URL": "https://d111111abcdef8.cloudfront.net"})
    text = day2.status(STAGE, boto3.session.Session(region_name=REGION))
    assert "고객 채팅        https://d111111abcdef8.cloudfront.net/" in text
    assert (f"{names.dead_letter_queue_name(KIND, STAGE)}: 1건  → make redrive STAGE={STAGE} "
            f"QUEUE={KIND}") in text
    assert "SMS 이번 달 사용액" in text


def test_rotation_adds_a_key_then_retires_the_old_one_after_the_longest_link(emulator):
    ssm = boto3.client("ssm", region_name=REGION)
    name = stage_secrets.parameter_name(STAGE, "LINK_SIGNING_KEYS")
    ssm.put_parameter(Name=name, Value="kold:" + "a" * 43, Type="SecureString", Overwrite=True)
    said = day2.rotate_keys(ssm, STAGE)
    keys = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"].split(",")
    assert len(keys) == 2 and keys[1] == "kold:" + "a" * 43
    assert "a" * 43 not in said and keys[0].split(":")[1] not in said  # no secret printed
    assert day2.rotate_keys(ssm, STAGE).endswith("바꾼 것이 없어요.")
    changed = ssm.get_parameter(Name=name)["Parameter"]["LastModifiedDate"]
    later = changed + dt.timedelta(seconds=day2.link_life_seconds(STAGE) + CACHE_SECONDS + 1)
    assert "kold" in day2.rotate_keys(ssm, STAGE, now=later)
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == keys[0]
