"""The HTTP API's stage throttling (provision/http_api.py): created with the
stage against the emulator; put back with UpdateStage when it drifted (moto has
no UpdateStage, so that call is checked against botocore's model by Stubber)."""

from __future__ import annotations

import copy

import boto3
import pytest
from botocore.stub import Stubber

from provision import http_api, stages
from provision.core import Provisioner

pytestmark = pytest.mark.stack

STAGE, REGION = "dev", "ap-northeast-2"


def provisioner() -> Provisioner:
    prov = Provisioner(STAGE, region=REGION, config=copy.deepcopy(stages.load_config()),
                       progress=lambda _line: None)
    prov.env["WEB_BUCKET"] = "partnerline-dev-web"
    return prov


def test_the_stage_is_created_with_default_route_throttling(emulator):
    prov = provisioner()
    http_api.ensure_api(prov)
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    [stage] = apigw.get_stages(ApiId=prov.http_api_id)["Items"]
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 50.0
    again = provisioner()
    http_api.ensure_api(again)
    assert not [c for c in again.changes if "throttling" in c]  # idempotent


def test_a_stage_whose_throttling_drifted_gets_it_back(emulator):
    prov = provisioner()
    http_api.ensure_api(prov)  # the API exists (moto); its stage is now stubbed as drifted
    api_id = prov.http_api_id
    apigw = boto3.client("apigatewayv2", region_name=REGION)
    api = next(a for a in apigw.get_apis()["Items"] if a["ApiId"] == api_id)
    stubbed = provisioner()
    client = stubbed.client("apigatewayv2")
    with Stubber(client) as stub:
        stub.add_response("get_apis", {"Items": [api]})
        stub.add_response("get_stages", {"Items": [{
            "StageName": "$default", "AutoDeploy": True,
            "DefaultRouteSettings": {"DetailedMetricsEnabled": True,
                                     "ThrottlingBurstLimit": 5000,
                                     "ThrottlingRateLimit": 10000.0}}]})
        stub.add_response("update_stage", {}, {
            "ApiId": api_id, "StageName": "$default",
            "DefaultRouteSettings": {"DetailedMetricsEnabled": True,
                                     "ThrottlingBurstLimit": 100,
                                     "ThrottlingRateLimit": 50.0}})
        http_api.ensure_api(stubbed)
        stub.assert_no_pending_responses()
    assert any("throttling" in c for c in stubbed.changes)
