"""After `chalice deploy`: the HTTP API's routes to the API function (moto's
API Gateway v2 and Lambda, functions created from a dummy zip, never invoked),
the REST API's gateway responses (tests/integration/test_provision_gateway_responses.py)
and the Amazon Connect wiring (botocore Stubber: moto has no Connect)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from provision import alarms, connect, http_api, lambdas
from provision.core import Provisioner
from tests.integration import chalice_rest_api

pytestmark = pytest.mark.stack

STAGE = "prod"
REGION = "ap-northeast-2"
INSTANCE = "11111111-2222-3333-4444-555555555555"
FLOW_ID = "flow-0001"


@pytest.fixture(scope="module")
def deployed(emulator):
    """The two functions the wiring needs, as `chalice deploy` would name them."""
    arns = {handler: chalice_rest_api.dummy_function(lambdas.function_name(STAGE, handler),
                                                     "partnerline-prod-test-lambda")
            for handler in (lambdas.API_HANDLER, connect.HANDLER)}
    chalice_rest_api.create(STAGE, REGION)  # its Korean gateway responses are a step too
    chalice_rest_api.stream_mapping(STAGE, REGION)
    return arns


def _connect_client():
    return boto3.session.Session().client("connect", region_name=REGION)


def _expected_flow(function_arn: str) -> str:
    return connect.render_flow(connect.FLOWS_DIR / connect.FLOW_FILE,
                               {connect.PLACEHOLDER: function_arn})


@pytest.fixture(scope="module")
def wired(deployed):
    function_arn = deployed[connect.HANDLER]
    flow = _expected_flow(function_arn)
    assert function_arn in flow and "${" not in flow

    client = _connect_client()
    with Stubber(client) as stubber:
        stubber.add_response("list_lambda_functions", {"LambdaFunctions": []},
                             {"InstanceId": INSTANCE})
        stubber.add_response("associate_lambda_function", {},
                             {"InstanceId": INSTANCE, "FunctionArn": function_arn})
        stubber.add_response("list_contact_flows", {"ContactFlowSummaryList": []},
                             {"InstanceId": INSTANCE, "ContactFlowTypes": ["CONTACT_FLOW"]})
        stubber.add_response("create_contact_flow", {"ContactFlowId": FLOW_ID}, {
            "InstanceId": INSTANCE, "Name": connect.flow_name(STAGE), "Type": "CONTACT_FLOW",
            "Content": flow, "Description": ANY})
        first = Provisioner(STAGE, region=REGION)
        first._clients["connect"] = client
        first.run_after_deploy(INSTANCE)
        stubber.assert_no_pending_responses()

    client = _connect_client()
    with Stubber(client) as stubber:
        stubber.add_response("list_lambda_functions", {"LambdaFunctions": [function_arn]},
                             {"InstanceId": INSTANCE})
        stubber.add_response("list_contact_flows", {"ContactFlowSummaryList": [
            {"Id": FLOW_ID, "Name": connect.flow_name(STAGE),
             "ContactFlowType": "CONTACT_FLOW"}]},
            {"InstanceId": INSTANCE, "ContactFlowTypes": ["CONTACT_FLOW"]})
        stubber.add_response("describe_contact_flow", {"ContactFlow": {
            "Id": FLOW_ID, "Name": connect.flow_name(STAGE), "Content": flow}},
            {"InstanceId": INSTANCE, "ContactFlowId": FLOW_ID})
        second = Provisioner(STAGE, region=REGION)
        second._clients["connect"] = client
        second.run_after_deploy(INSTANCE)
        stubber.assert_no_pending_responses()
    return {"first": first, "second": second, "arns": deployed}


def test_second_after_deploy_run_changes_nothing(wired):
    assert wired["first"].changes
    assert wired["second"].changes == []


def test_after_deploy_alarm_watches_the_instances_flow_errors(wired):
    [alarm] = boto3.client("cloudwatch", region_name=REGION).describe_alarms(
        AlarmNames=[alarms.flow_failure_alarm_name(STAGE)])["MetricAlarms"]
    assert alarms.watched_connect_instance(alarm) == INSTANCE


def test_every_chalice_route_reaches_the_function_with_payload_1_0(wired):
    apigw = boto3.client("apigatewayv2")
    [api] = [a for a in apigw.get_apis()["Items"]
             if a["Name"] == http_api.api_name(STAGE)]
    [integration] = apigw.get_integrations(ApiId=api["ApiId"])["Items"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["PayloadFormatVersion"] == "1.0"
    assert integration["IntegrationUri"] == wired["arns"][lambdas.API_HANDLER]
    routes = {r["RouteKey"]: r["Target"] for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}
    assert sorted(routes) == http_api.chalice_route_keys()
    assert "GET /api/health" in routes
    assert set(routes.values()) == {f"integrations/{integration['IntegrationId']}"}


def test_services_may_invoke_only_from_their_source(wired):
    lam = boto3.client("lambda")
    account = "123456789012"
    api_policy = json.loads(lam.get_policy(
        FunctionName=lambdas.function_name(STAGE))["Policy"])["Statement"]
    [statement] = [s for s in api_policy if s["Sid"] == http_api.PERMISSION_SID]
    assert statement["Principal"]["Service"] == "apigateway.amazonaws.com"
    assert f":execute-api:{REGION}:{account}:" in json.dumps(statement["Condition"])
    connect_policy = json.loads(lam.get_policy(
        FunctionName=lambdas.function_name(STAGE, connect.HANDLER))["Policy"])["Statement"]
    [statement] = [s for s in connect_policy if s["Sid"] == f"connect-{INSTANCE}"]
    assert statement["Principal"]["Service"] == "connect.amazonaws.com"
    assert connect.instance_arn(REGION, account, INSTANCE) in json.dumps(
        statement["Condition"])


def test_after_deploy_before_deploy_says_what_to_do(emulator):
    prov = Provisioner("dev", region=REGION)
    with pytest.raises(SystemExit) as raised:
        lambdas.deployed_arn(prov, connect.HANDLER)
    assert "chalice deploy --stage dev" in str(raised.value)


def _payload_1_0(route_path: str, raw_path: str, params: dict | None) -> dict:
    """An HTTP API (payload format 1.0) event, as API Gateway documents it."""
    return {
        "version": "1.0", "resource": route_path, "path": raw_path, "httpMethod": "GET",
        "headers": {"host": "abc.execute-api.ap-northeast-2.amazonaws.com"},
        "multiValueHeaders": {"host": ["abc.execute-api.ap-northeast-2.amazonaws.com"]},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "requestContext": {"accountId": "123456789012", "apiId": "abc",
                           "httpMethod": "GET", "path": raw_path, "protocol": "HTTP/1.1",
                           "requestId": "req-1", "resourceId": "GET " + route_path,
                           "resourcePath": route_path, "stage": "$default",
                           "identity": {"sourceIp": "203.0.113.1"}},
        "pathParameters": params, "stageVariables": None, "body": None,
        "isBase64Encoded": False,
    }


def test_why_routes_and_not_default(app_module):
    """A matched route carries the path template Chalice dispatches on; under a
    ``$default`` catch-all the raw path arrives and a route with a variable fails."""
    path, raw = "/assets/{name}", "/assets/common.js"
    if path not in app_module.app.routes:
        pytest.skip("the app serves no /assets/{name} (web pages) yet")
    routed = app_module.app(_payload_1_0(path, raw, {"name": "common.js"}), None)
    caught_all = app_module.app(_payload_1_0(raw, raw, None), None)
    assert routed["statusCode"] == 200
    assert "PARTNERLINE_CONFIG" in routed["body"]
    # Chalice finds no route for the raw path and answers 405 MethodNotAllowed.
    assert caught_all["statusCode"] == 405
