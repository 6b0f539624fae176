"""The request store's contract (tests/request_store_contract.py) against
DynamoDB in the emulator, and what only the table can show."""

from __future__ import annotations

import pytest

from chalicelib import lifecycle, secrets
from tests.request_store_contract import *  # noqa: F403 - the shared contract tests

pytestmark = pytest.mark.stack


@pytest.fixture
def reqs(stack_env):
    return lifecycle.Requests(lifecycle.DynamoStore())


def test_secrets_come_from_ssm_when_only_a_parameter_is_named(stack_env, monkeypatch):
    import boto3

    boto3.client("ssm").put_parameter(Name="/partnerline/test/EXAMPLE_SECRET", Value="s3cr3t",
                                      Type="SecureString", Overwrite=True)
    monkeypatch.delenv("EXAMPLE_SECRET", raising=False)
    monkeypatch.setenv("EXAMPLE_SECRET_PARAM", "/partnerline/test/EXAMPLE_SECRET")
    secrets.reset()
    assert secrets.get("EXAMPLE_SECRET") == "s3cr3t"
    monkeypatch.delenv("EXAMPLE_SECRET_PARAM")
    with pytest.raises(secrets.MissingSecret):
        secrets.get("EXAMPLE_SECRET")
