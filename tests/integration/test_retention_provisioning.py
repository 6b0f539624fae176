"""provision/retention.py against the emulator: every function's log group with
its retention, the event bucket's lifecycle rules (others' rules kept), both
idempotent; and destroy's clean-up of a leftover schedule rule. In a region of
its own and a bucket of its own, so nothing here meets another test's stage."""

from __future__ import annotations

import secrets

import boto3
import pytest

from provision import lambdas, retention, stages
from provision.core import Provisioner
from provision.destroy import Destroyer

pytestmark = pytest.mark.stack

REGION = "eu-west-3"
STAGE = "dev"


@pytest.fixture
def prov(stack_env, monkeypatch):
    bucket = f"axcl-retention-{secrets.token_hex(4)}"
    monkeypatch.setenv(stages.EVENT_BUCKET_OVERRIDE, bucket)
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    return Provisioner(STAGE, region=REGION, config=stages.load_config())


def test_every_function_gets_a_log_group_kept_90_days_once(prov):
    logs = boto3.client("logs", region_name=REGION)
    retention.ensure_log_groups(prov)
    names = retention.log_group_names(STAGE)
    assert len(names) == 1 + len(lambdas.HANDLERS)
    assert "/aws/lambda/partnerline-dev-erase_personal_data" in names
    groups = {g["logGroupName"]: g.get("retentionInDays") for g in
              logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/partnerline-dev")[
                  "logGroups"]}
    assert groups == dict.fromkeys(names, 90)
    prov.changes.clear()
    retention.ensure_log_groups(prov)
    assert prov.changes == []
    # A group someone set to keep forever is put back.
    logs.delete_retention_policy(logGroupName=names[0])
    retention.ensure_log_groups(prov)
    assert prov.changes == [f"log group {names[0]}: retention 90 days"]
    with pytest.raises(ValueError):
        retention.ensure_log_groups(prov, days=100)   # not a value CloudWatch Logs takes
    for name in names:
        logs.delete_log_group(logGroupName=name)


def test_the_event_bucket_gets_its_lifecycle_rules_and_keeps_others(prov):
    s3 = boto3.client("s3", region_name=REGION)
    bucket = prov.event_bucket()
    theirs = {"ID": "someone-elses", "Filter": {"Prefix": "archive/"}, "Status": "Enabled",
              "Expiration": {"Days": 400}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                          LifecycleConfiguration={"Rules": [theirs]})
    retention.ensure_bucket_lifecycle(prov)
    rules = {r["ID"]: r for r in retention.current_rules(s3, bucket)}
    assert set(rules) == {"someone-elses", retention.LOG_RULE, retention.EXPORT_RULE}
    log_rule = rules[retention.LOG_RULE]
    assert log_rule["Filter"] == {"Prefix": "axcl_event.txt"}
    assert log_rule["Expiration"] == {"Days": 30}          # EVENT_RETENTION_DAYS
    assert log_rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert rules[retention.EXPORT_RULE]["Filter"] == {"Prefix": "exports/"}
    assert rules[retention.EXPORT_RULE]["Expiration"] == {"Days": 7}
    prov.changes.clear()
    retention.ensure_bucket_lifecycle(prov)
    assert prov.changes == []


def test_destroy_removes_a_schedule_rule_chalice_delete_did_not_know(prov):
    events = boto3.client("events", region_name=REGION)
    ours = "partnerline-dev-erase_personal_data-event"
    for name in (ours, "partnerline-devx-other"):
        events.put_rule(Name=name, ScheduleExpression="rate(1 hour)")
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": lambdas.function_arn(
            REGION, "123456789012", STAGE, "erase_personal_data")}])
    gone: list[str] = []
    Destroyer(prov, progress=gone.append).schedules()
    left = [r["Name"] for r in events.list_rules(NamePrefix="partnerline-dev")["Rules"]]
    assert left == ["partnerline-devx-other"]
    assert gone == [f"  - 삭제: EventBridge rule {ours}"]
    events.remove_targets(Rule="partnerline-devx-other", Ids=["1"])
    events.delete_rule(Name="partnerline-devx-other")


def test_provisioning_a_stage_sets_the_lifecycle(stack_env):
    """The local stage, as the session provisioned it (Provisioner.run)."""
    s3 = boto3.client("s3", region_name="ap-northeast-2")
    rules = {r["ID"] for r in retention.current_rules(s3, stack_env["EVENT_BUCKET"])}
    assert {retention.LOG_RULE, retention.EXPORT_RULE} <= rules
