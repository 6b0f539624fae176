"""Korean gateway responses on the REST API `chalice deploy` creates (moto's
API Gateway v1: gateway responses, deployments, stages)."""

from __future__ import annotations

import json
import re
import sys

import boto3
import pytest

from provision import gateway_responses, lambdas
from provision.core import Provisioner
from tests.integration import chalice_rest_api

pytestmark = pytest.mark.stack

REGION = "ap-northeast-2"
STAGE = "dev"
OTHER = "prod"  # same REST API name in the same account: must stay untouched
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _apigw():
    return boto3.client("apigateway", region_name=REGION)


def _snapshot(api_id: str) -> dict:
    """Everything of a REST API but its gateway responses and deployments."""
    apigw = _apigw()
    resources = apigw.get_resources(restApiId=api_id, embed=["methods"])["items"]
    api = apigw.get_rest_api(restApiId=api_id)
    api.pop("ResponseMetadata", None)
    stages = apigw.get_stages(restApiId=api_id)["item"]
    return {"api": api, "resources": sorted(resources, key=lambda r: r["path"]),
            "stages": sorted(s["stageName"] for s in stages)}


def _deployments(api_id: str) -> list[str]:
    return [d["id"] for d in _apigw().get_deployments(restApiId=api_id)["items"]]


def _responses(api_id: str) -> dict:
    return {r["responseType"]: r
            for r in _apigw().get_gateway_responses(restApiId=api_id)["items"]}


@pytest.fixture(scope="module")
def apis(emulator):
    return {stage: chalice_rest_api.create(stage, REGION) for stage in (STAGE, OTHER)}


@pytest.fixture(scope="module")
def runs(apis):
    api_id, other = apis[STAGE], apis[OTHER]
    before = {"dev": _snapshot(api_id), "deployments": _deployments(api_id),
              "other": _snapshot(other), "other_responses": _responses(other),
              "other_deployments": _deployments(other)}
    first = Provisioner(STAGE, region=REGION)
    put_first = gateway_responses.ensure(first)
    after_first = _deployments(api_id)
    second = Provisioner(STAGE, region=REGION)
    put_second = gateway_responses.ensure(second)
    return {"api_id": api_id, "other": other, "before": before, "first": first,
            "second": second, "put_first": put_first, "put_second": put_second,
            "after_first": after_first, "after_second": _deployments(api_id)}


def test_first_run_puts_every_response_and_redeploys_the_stage_once(runs):
    assert sorted(runs["put_first"]) == sorted(gateway_responses.RESPONSES)
    assert len(runs["first"].changes) == 1
    assert "gateway responses" in runs["first"].changes[0]
    new = set(runs["after_first"]) - set(runs["before"]["deployments"])
    assert len(new) == 1
    stage = _apigw().get_stage(restApiId=runs["api_id"], stageName="api")
    assert stage["deploymentId"] == new.pop()


def test_second_run_changes_nothing(runs):
    assert runs["put_second"] == []
    assert runs["second"].changes == []
    assert runs["after_second"] == runs["after_first"]  # no second deployment


def test_nothing_else_is_touched(runs):
    assert _snapshot(runs["api_id"]) == runs["before"]["dev"]
    other = runs["other"]
    assert _snapshot(other) == runs["before"]["other"]
    assert _responses(other) == runs["before"]["other_responses"]
    assert _deployments(other) == runs["before"]["other_deployments"]


def test_the_answers_are_the_contracts_json_in_korean(runs):
    found = _responses(runs["api_id"])
    expected_status = {"UNAUTHORIZED": "401", "ACCESS_DENIED": "403",
                       "MISSING_AUTHENTICATION_TOKEN": "404", "THROTTLED": "429",
                       "DEFAULT_4XX": None, "DEFAULT_5XX": None}
    assert set(expected_status) <= set(found)
    for kind, status in expected_status.items():
        response = found[kind]
        assert response.get("statusCode") == status, kind
        body = json.loads(response["responseTemplates"]["application/json"])
        assert set(body) == {"code", "message"}, kind
        assert re.fullmatch(r"[A-Z_]+", body["code"]), kind
        assert HANGUL.search(body["message"]) and len(body["message"]) <= 40, kind
        assert not re.search(r"[A-Za-z]", body["message"]), kind
        assert body["message"].endswith("요."), kind  # polite 해요체
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == "'*'"
        assert "application/json" in headers["gatewayresponse.header.Content-Type"]
    codes = {k: json.loads(found[k]["responseTemplates"]["application/json"])["code"]
             for k in expected_status}
    assert codes["UNAUTHORIZED"] == "UNAUTHORIZED"  # as the app's own 401
    assert codes["MISSING_AUTHENTICATION_TOKEN"] == "NOT_FOUND"
    assert codes["DEFAULT_4XX"] == "BAD_REQUEST"
    assert codes["DEFAULT_5XX"] == "INTERNAL_ERROR"
    five = json.loads(found["DEFAULT_5XX"]["responseTemplates"]["application/json"])
    assert five["message"] == sys.modules["app"].UNEXPECTED  # the app's own apology


def test_a_response_changed_by_hand_is_put_back_alone(runs):
    apigw = _apigw()
    api_id = runs["api_id"]
    apigw.put_gateway_response(restApiId=api_id, responseType="THROTTLED", statusCode="429",
                               responseTemplates={"application/json":
                                                  '{"message":$context.error.messageString}'})
    deployments = _deployments(api_id)
    prov = Provisioner(STAGE, region=REGION)
    assert gateway_responses.ensure(prov) == ["THROTTLED"]
    assert len(_deployments(api_id)) == len(deployments) + 1
    again = Provisioner(STAGE, region=REGION)
    assert gateway_responses.ensure(again) == [] and again.changes == []


def test_chalices_own_record_names_the_api(apis, tmp_path, monkeypatch):
    monkeypatch.setattr(gateway_responses, "DEPLOYED_DIR", tmp_path)
    prov = Provisioner(STAGE, region=REGION)
    assert gateway_responses.find_rest_api(prov) == apis[STAGE]  # no record: by its routes

    def record(api_id: str) -> None:
        (tmp_path / f"{STAGE}.json").write_text(json.dumps({
            "schema_version": "2.0", "backend": "api", "resources": [
                {"name": "api_handler", "resource_type": "lambda_function",
                 "lambda_arn": lambdas.function_arn(REGION, "123456789012", STAGE)},
                {"name": "rest_api", "resource_type": "rest_api", "rest_api_id": api_id,
                 "rest_api_url": f"https://{api_id}.execute-api.{REGION}.amazonaws.com/api/"},
            ]}))

    record(apis[OTHER])
    assert gateway_responses.find_rest_api(prov) == apis[OTHER]  # the record wins
    record("gone123456")  # deleted since: found by its routes again
    assert gateway_responses.find_rest_api(prov) == apis[STAGE]


def test_before_chalice_deploy_it_says_what_to_do(emulator):
    prov = Provisioner("local", region=REGION)  # no REST API invokes partnerline-local
    with pytest.raises(SystemExit) as raised:
        gateway_responses.find_rest_api(prov)
    assert "chalice deploy --stage local" in str(raised.value)


def test_api_stage_follows_the_chalice_config():
    assert gateway_responses.api_stage({"stages": {"dev": {}}}, "dev") == "api"
    assert gateway_responses.api_stage({"api_gateway_stage": "v1", "stages": {"dev": {}}},
                                       "dev") == "v1"
    assert gateway_responses.api_stage(
        {"api_gateway_stage": "v1", "stages": {"dev": {"api_gateway_stage": "x"}}},
        "dev") == "x"
    prov = Provisioner(STAGE, region=REGION)
    assert gateway_responses.api_stage(prov.config, STAGE) == "api"


def _api_function(stage: str) -> None:
    """The API function `chalice deploy` creates (a dummy zip, never invoked)."""
    chalice_rest_api.dummy_function(lambdas.function_name(stage),
                                    f"partnerline-{stage}-test-gw-lambda")

def test_after_deploy_runs_it_as_step_three_of_five(runs):
    _api_function(STAGE)
    chalice_rest_api.stream_mapping(STAGE, REGION)
    lines: list[str] = []
    first = Provisioner(STAGE, region=REGION, progress=lines.append)
    first.run_after_deploy()
    steps = [line for line in lines if line.startswith("[")]
    assert [s.split("]")[0] + "]" for s in steps] == ["[1/5]", "[2/5]", "[3/5]", "[4/5]",
                                                      "[5/5]"]
    assert "SnapStart" in steps[0] and "게이트웨이 응답" in steps[2] and "Connect" in steps[4]
    assert "스트림" in steps[3]
    second = Provisioner(STAGE, region=REGION)
    second.run_after_deploy()
    assert second.changes == []
