"""`chalice deploy` (through the launcher) re-run after a failure half-way:
no second mapping on a queue, no orphan REST API (issue 11, item 5).

Chalice records what it created only after the whole plan ran; the failures
are injected into its AWS client, against the emulator, at the two places a
re-run used to duplicate: after the mappings (ImportRestApi fails), and after
the REST API exists (CreateDeployment fails).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError
from chalice import awsclient

from devstack import rehearse
from devstack.emulator import Emulator
from devstack.ports import free_port
from provision import chalice_cli


@pytest.fixture
def process_state():
    """Chalice, run in this process, imports ``app`` and exports the stage's
    environment (TABLE_NAME, STAGE, ...). An ``app`` module imported earlier
    for another stage would give Chalice that stage's queue names, so it is set
    aside for the test; both are put back for later tests."""
    from chalicelib import aws, queues

    environ, earlier_app = dict(os.environ), sys.modules.pop("app", None)
    yield
    os.environ.clear()
    os.environ.update(environ)
    sys.modules.pop("app", None)
    if earlier_app is not None:
        sys.modules["app"] = earlier_app
    aws.reset()
    queues.reset()


@pytest.fixture
def provisioned(tmp_path, monkeypatch, process_state):
    project = rehearse.copy_project(tmp_path / "project")
    emulator = Emulator(free_port(), str(rehearse.PROJECT_DIR / "test-artifacts" /
                                        "deploy-rerun-emulator.log")).start()
    try:
        env = rehearse.emulator_env(emulator.url)
        done = subprocess.run([sys.executable, "-m", "provision", "--stage", "dev"],
                              cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        for key in ("AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            monkeypatch.setenv(key, env[key])
        monkeypatch.delenv("STAGE", raising=False)
        # The local stage's stream (stack_env): the deploy reads dev's from its config.
        monkeypatch.delenv("REGISTRATION_STREAM_ARN", raising=False)
        yield project
    finally:
        emulator.stop()


def _fail_once(monkeypatch, method: str) -> None:
    original = getattr(awsclient.TypedAWSClient, method)
    calls = []

    def failing(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ClientError({"Error": {"Code": "TooManyRequestsException",
                                         "Message": "injected"}}, method)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(awsclient.TypedAWSClient, method, failing)


def _deploy(project) -> int:
    return chalice_cli.main(["--project-dir", str(project), "deploy", "--stage", "dev"])


def _counts() -> tuple[dict[str, int], int]:
    lam = boto3.client("lambda", region_name=rehearse.REGION)
    per_queue: dict[str, int] = {}
    for m in lam.list_event_source_mappings()["EventSourceMappings"]:
        arn = m["EventSourceArn"]
        # A table's stream (its label, a time with colons, changes per stream):
        # named by its table.
        queue = (arn.split(":table/", 1)[1].split("/")[0] + " stream" if ":table/" in arn
                 else arn.rsplit(":", 1)[-1])
        per_queue[queue] = per_queue.get(queue, 0) + 1
    apis = boto3.client("apigateway", region_name=rehearse.REGION).get_rest_apis()["items"]
    return per_queue, len(apis)


ONE_EACH = {**{f"partnerline-dev-{k}": 1 for k in ("partner-links", "customer-notify")},
            "partnerline-dev stream": 1}


@pytest.mark.parametrize("failing", ["import_rest_api", "deploy_rest_api"])
def test_a_rerun_after_a_failed_deploy_duplicates_nothing(provisioned, monkeypatch, capsys,
                                                          failing):
    _fail_once(monkeypatch, failing)
    assert _deploy(provisioned) == 2
    err = capsys.readouterr().err
    assert "[실패] chalice deploy" in err and "TooManyRequestsException" in err
    assert "Traceback" not in err
    record = json.loads((provisioned / ".chalice" / "deployed" / "dev.json").read_text())
    kinds = [r["resource_type"] for r in record["resources"]]
    assert (kinds.count("sqs_event"), kinds.count("dynamodb_event")) == (2, 1)
    assert _deploy(provisioned) == 0
    assert _deploy(provisioned) == 0
    assert _counts() == (ONE_EACH, 1)
