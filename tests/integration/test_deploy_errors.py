"""Failures a person can act on (issue 11, items 5 and 8): the step, AWS's
error code and what to do, in Korean, no traceback, a non-zero exit."""

from __future__ import annotations

import re
import subprocess
import sys

import boto3
import pytest
from botocore.stub import Stubber

from devstack import rehearse
from devstack.ports import free_port
from provision import stages
from provision.core import Provisioner
from provision.errors import StepFailed, explain

REGION = "ap-northeast-2"


def _stubbed_s3(prov: Provisioner) -> Stubber:
    s3 = boto3.session.Session().client("s3", region_name=REGION)
    prov._clients["s3"] = s3
    return Stubber(s3)


def test_an_event_bucket_owned_elsewhere_names_the_setting_to_change():
    prov = Provisioner("prod", region=REGION, config={"stages": {}})
    stubber = _stubbed_s3(prov)
    stubber.add_client_error("head_bucket", "403", http_status_code=403,
                             expected_params={"Bucket": "axcl"})
    with stubber, pytest.raises(StepFailed) as caught:
        prov.ensure_buckets()
    message = str(caught.value)
    assert "'axcl'" in message and "EVENT_BUCKET" in message and "다른 AWS 계정" in message
    stubber.assert_no_pending_responses()  # nothing was created after the 403


def test_the_event_bucket_is_a_setting(monkeypatch):
    config = {"stages": {"prod": {"environment_variables": {"EVENT_BUCKET": "axcl-acme"}}}}
    assert stages.event_bucket("prod", {"stages": {}}) == "axcl"
    assert stages.event_bucket("prod", config) == "axcl-acme"
    monkeypatch.setenv(stages.EVENT_BUCKET_OVERRIDE, "axcl-override")
    assert stages.event_bucket("prod", config) == "axcl-override"


def test_explain_gives_step_code_and_advice():
    from botocore.exceptions import ClientError

    exc = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                      "CreateTable")
    text = explain("[1/11] DynamoDB 테이블", exc)
    assert text.splitlines() == [
        "[실패] [1/11] DynamoDB 테이블",
        "  AWS 오류 코드: AccessDeniedException",
        "  할 일: 이 자격 증명에 필요한 권한이 없어요. 배포용 IAM 사용자/역할에 권한을 주고 "
        "다시 실행해 주세요."]


def test_a_failing_provisioning_step_prints_no_traceback(tmp_path):
    project = rehearse.copy_project(tmp_path)
    env = rehearse.emulator_env(f"http://127.0.0.1:{free_port()}")  # nothing listens
    env["AWS_MAX_ATTEMPTS"] = "1"
    done = subprocess.run([sys.executable, "-m", "provision", "--stage", "dev"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert re.search(r"\[실패\] \[1/\d+\] DynamoDB 테이블", done.stderr)
    assert "AWS_ENDPOINT_URL" in done.stderr  # what to check


def test_destroying_prod_needs_confirm(tmp_path):
    project = rehearse.copy_project(tmp_path)
    env = rehearse.emulator_env(f"http://127.0.0.1:{free_port()}")
    done = subprocess.run(["make", "--no-print-directory", "-C", str(project), "destroy",
                           "STAGE=prod", f"VENV={rehearse.PROJECT_DIR / '.venv'}"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "CONFIRM=prod" in done.stderr and "지우지 않았어요" in done.stderr
