"""The table's stream and its mapping to the log function (provision/core.py,
provision/streams.py) against the emulator."""

from __future__ import annotations

import boto3
import pytest

from provision import streams
from provision.core import Provisioner
from provision.errors import StepFailed
from tests.integration import chalice_rest_api

STAGE, REGION = "dev", "ap-northeast-2"
pytestmark = pytest.mark.stack


def test_the_stream_is_enabled_once_keys_only_and_its_arn_provisioned(emulator):
    first = Provisioner(STAGE, region=REGION)
    first.ensure_table()
    arn = first.ensure_table_stream()
    assert first.env["REGISTRATION_STREAM_ARN"] == arn
    table = boto3.client("dynamodb", region_name=REGION).describe_table(
        TableName="partnerline-dev")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True,
                                            "StreamViewType": "KEYS_ONLY"}
    again = Provisioner(STAGE, region=REGION)
    assert again.ensure_table_stream() == arn and again.changes == []


def test_after_deploy_sets_retries_bisection_and_the_registration_filter(emulator):
    mapping = chalice_rest_api.stream_mapping(STAGE, REGION)
    lam = boto3.client("lambda", region_name=REGION)
    # As `chalice deploy` leaves it (other tests may have run this step already).
    lam.update_event_source_mapping(UUID=mapping["UUID"], BisectBatchOnFunctionError=False,
                                    MaximumRetryAttempts=-1, FilterCriteria={"Filters": []})
    prov = Provisioner(STAGE, region=REGION)
    streams.ensure(prov)
    got = lam.get_event_source_mapping(UUID=mapping["UUID"])
    assert got["BisectBatchOnFunctionError"] is True
    assert got["MaximumRetryAttempts"] == streams.MAX_RETRY_ATTEMPTS
    assert got["FilterCriteria"] == streams.REGISTRATION_FILTER
    assert any("stream mapping" in c for c in prov.changes)
    again = Provisioner(STAGE, region=REGION)
    streams.ensure(again)
    assert again.changes == []


def test_two_mappings_on_the_stream_stop_the_step(emulator):
    mapping = chalice_rest_api.stream_mapping(STAGE, REGION)
    lam = boto3.client("lambda", region_name=REGION)
    extra = lam.create_event_source_mapping(
        EventSourceArn=mapping["EventSourceArn"], FunctionName=mapping["FunctionArn"],
        StartingPosition="LATEST")
    try:
        with pytest.raises(StepFailed, match="2개"):
            streams.ensure(Provisioner(STAGE, region=REGION))
    finally:
        lam.delete_event_source_mapping(UUID=extra["UUID"])
