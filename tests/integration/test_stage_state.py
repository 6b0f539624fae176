"""A deployed stage's state lives in its account, not in the checkout
(provision/stage_state.py, provision/launch.py; issue 22 item 4)."""

from __future__ import annotations

import copy
import json
import os

import boto3
import pytest

from provision import launch, stage_state, stages
from provision.core import Provisioner

pytestmark = pytest.mark.stack

STAGE, REGION = "dev", "ap-northeast-2"


def provisioner() -> Provisioner:
    return Provisioner(STAGE, region=REGION, config=copy.deepcopy(stages.load_config()),
                       progress=lambda _line: None)


@pytest.fixture
def clean_stage(emulator):
    ssm = boto3.client("ssm", region_name=REGION)
    stage_state.delete_env(ssm, STAGE)
    yield ssm
    stage_state.delete_env(ssm, STAGE)


def test_the_environment_is_stored_once_and_read_back_by_any_clone(clean_stage):
    prov = provisioner()
    env = {"STAGE": STAGE, "TABLE_NAME": "partnerline-dev", "EVENT_BUCKET": "axcl-other",
           "API_URL": "https://abc.execute-api.ap-northeast-2.amazonaws.com", "EMPTY": ""}
    assert stage_state.store_env(prov, env) == ["API_URL", "EVENT_BUCKET", "TABLE_NAME"]
    again = provisioner()
    assert stage_state.store_env(again, env) == [] and again.changes == []
    assert stage_state.load_env(clean_stage, STAGE) == {
        k: v for k, v in env.items() if k not in ("STAGE", "EMPTY")}
    # A Provisioner with no config of its own reads the account's: the event
    # bucket's name chosen at the first deploy survives in a fresh clone.
    fresh = Provisioner(STAGE, region=REGION)
    assert fresh.event_bucket() == "axcl-other"
    assert stage_state.store_env(provisioner(), {**env, "API_URL": "https://new"}) == ["API_URL"]


def test_the_stages_own_choices_win_over_stored_values(monkeypatch):
    monkeypatch.setitem(stages.STAGES[STAGE], "settings", {"SMS_REGION": "ap-southeast-1"})
    tracked = stages.load_config()
    merged = stage_state.merged_config(tracked, STAGE, {"SMS_REGION": "ap-northeast-1",
                                                        "TABLE_NAME": "t"})
    env = merged["stages"][STAGE]["environment_variables"]
    assert env == {"SMS_REGION": "ap-southeast-1", "STAGE": STAGE, "TABLE_NAME": "t"}
    assert tracked == stages.load_config()  # the tracked config is not changed in memory


def test_chalices_record_goes_to_the_deploy_bucket_and_comes_back(emulator, tmp_path):
    prov = provisioner()
    bucket = stage_state.ensure_bucket(prov)
    s3 = boto3.client("s3", region_name=REGION)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)[
        "PublicAccessBlockConfiguration"].values())
    assert stage_state.ensure_bucket(provisioner()) == bucket
    clone_a, clone_b = tmp_path / "a", tmp_path / "b"
    record = {"resources": [{"name": "rest_api", "resource_type": "rest_api",
                             "rest_api_id": "abc123"}], "schema_version": "2.0"}
    path = stage_state.record_path(clone_a, STAGE)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(record))
    assert stage_state.store_record(s3, bucket, STAGE, clone_a) is True
    assert stage_state.store_record(s3, bucket, STAGE, clone_a) is False  # unchanged
    assert stage_state.fetch_record(s3, bucket, STAGE, clone_b) is True
    assert stage_state.describe_record(clone_b, STAGE) == record
    # No bucket yet (a stage never deployed): nothing fetched, no error.
    assert stage_state.fetch_record(s3, "partnerline-dev-deploy-nobody", STAGE,
                                    tmp_path / "c") is False


def test_the_launcher_hands_chalice_the_merged_config_and_account_policies(
        clean_stage, tmp_path, monkeypatch):
    from chalice.cli import factory

    prov = provisioner()
    bucket = stage_state.ensure_bucket(prov)
    stream = f"arn:aws:dynamodb:{REGION}:123456789012:table/partnerline-dev/stream/x"
    stage_state.store_env(prov, {"REGISTRATION_STREAM_ARN": stream, "TABLE_NAME": "t1",
                                 "LEX_BOT_ID": "BOT1234567", "LEX_BOT_ALIAS_ID": "ALIAS12345"})
    project = tmp_path / "clone"
    (project / ".chalice").mkdir(parents=True)
    tracked = (stages.PROJECT_DIR / ".chalice" / "config.json").read_text()
    (project / ".chalice" / "config.json").write_text(tracked)
    monkeypatch.delenv("REGISTRATION_STREAM_ARN", raising=False)
    original = factory.CLIFactory.load_project_config
    argv = ["--project-dir", str(project), "deploy", "--stage", STAGE]
    assert launch.applies(argv) and not launch.applies(["package", "--stage", STAGE, "out"])
    with launch.StageLaunch(argv, session=boto3.session.Session(region_name=REGION)) as run:
        assert run.refusal is None
        config = factory.CLIFactory(str(project)).load_project_config()
        section = config["stages"][STAGE]
        assert section["environment_variables"]["TABLE_NAME"] == "t1"
        policy_path = section["lambda_functions"]["api_handler"]["iam_policy_file"]
        assert os.path.isabs(policy_path)
        text = open(policy_path, encoding="utf-8").read()
        assert "bot-alias/BOT1234567/ALIAS12345" in text and ":123456789012:" in text
        assert os.environ["REGISTRATION_STREAM_ARN"] == stream
        stage_state.record_path(project, STAGE).parent.mkdir(parents=True, exist_ok=True)
        stage_state.record_path(project, STAGE).write_text('{"resources": []}')
    assert factory.CLIFactory.load_project_config is original
    assert "REGISTRATION_STREAM_ARN" not in os.environ
    assert not os.path.exists(policy_path)
    assert (project / ".chalice" / "config.json").read_text() == tracked
    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket=bucket, Key=stage_state.record_key(STAGE))["Body"].read()
    assert json.loads(body) == {"resources": []}


def test_a_stage_never_provisioned_is_refused_before_chalice(clean_stage, tmp_path):
    argv = ["--project-dir", str(stages.PROJECT_DIR), "deploy", "--stage", STAGE]
    with launch.StageLaunch(argv, session=boto3.session.Session(region_name=REGION)) as run:
        assert "make deploy STAGE=dev" in (run.refusal or "")
