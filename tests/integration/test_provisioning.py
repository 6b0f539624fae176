"""The one provisioning path, against the emulator."""

from __future__ import annotations

import json
import re

import boto3
import pytest

from chalicelib import names
from chalicelib.lifecycle import indexes
from provision import stages
from provision.core import Provisioner

pytestmark = pytest.mark.stack


def test_second_run_changes_nothing(stack_env):
    again = Provisioner("local", region="ap-northeast-2")
    env = again.run()
    assert again.changes == []
    assert env["TABLE_NAME"] == names.table_name("local")


def test_an_older_table_gets_the_missing_indexes_once(stack_env):
    """A table made before the admin list's indexes gets them by UpdateTable,
    one per call; a second run changes nothing."""
    ddb = boto3.client("dynamodb")
    for gone in (indexes.BY_ID, indexes.ESCALATED):
        ddb.update_table(TableName="partnerline-local",
                         GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": gone}}])
    calls = []
    prov = Provisioner("local", region="ap-northeast-2")
    prov.client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.UpdateTable", lambda params, **_: calls.append(params))
    prov.ensure_table()
    assert sorted(c["GlobalSecondaryIndexUpdates"][0]["Create"]["IndexName"] for c in calls) \
        == sorted([indexes.BY_ID, indexes.ESCALATED])
    assert all(len(c["GlobalSecondaryIndexUpdates"]) == 1 for c in calls)
    have = [i["IndexName"] for i in ddb.describe_table(
        TableName="partnerline-local")["Table"]["GlobalSecondaryIndexes"]]
    assert sorted(have) == sorted(i.name for i in indexes.INDEXES)
    again = Provisioner("local", region="ap-northeast-2")
    again.ensure_table()
    assert again.changes == []


def test_table_has_keys_index_and_ttl(stack_env):
    ddb = boto3.client("dynamodb")
    table = ddb.describe_table(TableName="partnerline-local")["Table"]
    assert {k["AttributeName"] for k in table["KeySchema"]} == {"pk", "sk"}
    assert sorted(i["IndexName"] for i in table["GlobalSecondaryIndexes"]) == sorted(
        i.name for i in indexes.INDEXES)
    ttl = ddb.describe_time_to_live(TableName="partnerline-local")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiresAt"


@pytest.mark.parametrize("kind", names.QUEUE_KINDS)
def test_queues_have_dead_letter_queues_and_long_visibility(stack_env, kind):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=names.queue_name(kind, "local"))["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(names.dead_letter_queue_name(kind, "local"))
    assert int(redrive["maxReceiveCount"]) == 3
    visibility = int(attrs["VisibilityTimeout"])
    assert visibility == stages.queue_visibility(kind, "local")
    # Lambda's rule: the consuming function's timeout fits in the visibility.
    assert visibility >= stages.function_timeout("local", stages.QUEUE_HANDLERS[kind])
    if kind not in stages.PROMPT_REDELIVERY:
        assert visibility >= stages.VISIBILITY_FACTOR * stages.handler_timeout("local")


def test_buckets_encrypted_and_website(stack_env):
    s3 = boto3.client("s3")
    rules = s3.get_bucket_encryption(Bucket="axcl-local")[
        "ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_bucket_website(Bucket="partnerline-local-web")["IndexDocument"] == {
        "Suffix": "index.html"}


def test_state_machine_placeholders_filled(stack_env):
    sfn = boto3.client("stepfunctions")
    definition = sfn.describe_state_machine(
        stateMachineArn=stack_env["PARTNER_CONFIRMATION_ARN"])["definition"]
    assert re.search(r"\$\{[A-Za-z0-9]+\}", definition) is None
    assert names.queue_name("partner-links", "local") in definition


def test_changed_definition_is_updated(stack_env, tmp_path, monkeypatch):
    prov = Provisioner("local", region="ap-northeast-2")
    original = prov.render_definition
    monkeypatch.setattr(prov, "render_definition",
                        lambda path: original(path).replace("answered", "answered-v2"))
    prov.ensure_state_machines()
    assert any("definition" in c for c in prov.changes)
    Provisioner("local", region="ap-northeast-2").ensure_state_machines()  # restore


def test_unknown_placeholder_is_refused(stack_env, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Comment": "${Nope}",'
                    ' "End": true}}}')
    with pytest.raises(ValueError, match="Nope"):
        Provisioner("local", region="ap-northeast-2").render_definition(path)


def test_write_environment_is_idempotent(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"version": "2.0", "app_name": "x", "stages": {"local": {}}}))
    assert stages.write_environment("local", {"TABLE_NAME": "t"}, path) is True
    assert stages.write_environment("local", {"TABLE_NAME": "t"}, path) is False
    saved = json.loads(path.read_text())
    assert saved["stages"]["local"]["environment_variables"] == {"TABLE_NAME": "t"}


def test_provisioning_writes_only_declared_variables(stack_env):
    """What provisioning writes into config.json is the stage's choices and
    the declared PROVISIONED names (tests/unit/test_foundation.py relies on it)."""
    env = Provisioner("local", region="ap-northeast-2").run()
    chosen = stages.settings("local")
    assert {k: env[k] for k in chosen} == chosen
    assert set(env) - set(chosen) <= set(stages.PROVISIONED)
