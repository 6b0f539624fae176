"""SnapStart as an after-deploy step (provision/snapstart.py), against moto's
Lambda, SQS and API Gateway v2, on a stage of its own (an AWS stage like dev,
so no other test's functions are shared): its six functions created as `chalice
deploy` names them (python3.13, dummy code, never invoked) with Chalice's own
queue mappings on the unqualified functions. On: SnapStart set, a version
published, alias ``live`` on it, each queue consumed through the alias (Chalice's
mapping disabled, not removed), the HTTP API integration and its invoke
permission on the alias; a second run changes nothing. Off again: back to the
functions themselves."""

from __future__ import annotations

import json

import boto3
import pytest

from chalicelib import names
from provision import gateway_responses, http_api, lambdas, sms_spend, snapstart, stages
from provision.core import Provisioner
from tests.integration import chalice_rest_api

pytestmark = pytest.mark.stack

STAGE = "snaptest"
REGION = "ap-northeast-2"
# Chalice's settings for each queue (app.py's @app.on_sqs_message).
QUEUES = {"handle_partner_link": ("partner-links", 1, None),
          "handle_customer_notification": ("customer-notify", 1, None)}


def _lambda():
    return boto3.session.Session().client("lambda", region_name=REGION)


@pytest.fixture(scope="module")
def deployed(emulator):
    """The six functions and Chalice's three queue mappings, as `chalice deploy`
    leaves them."""
    arns = {handler: chalice_rest_api.dummy_function(
        lambdas.function_name(STAGE, handler), "partnerline-dev-test-lambda", "python3.13")
        for handler in (lambdas.API_HANDLER, *lambdas.HANDLERS)}
    sqs = boto3.session.Session().client("sqs", region_name=REGION)
    lam = _lambda()
    for handler, (kind, batch, concurrency) in QUEUES.items():
        url = sqs.create_queue(QueueName=names.queue_name(kind, STAGE))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        extra = {"ScalingConfig": {"MaximumConcurrency": concurrency}} if concurrency else {}
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=arns[handler],
                                        BatchSize=batch, **extra)
    chalice_rest_api.stream_mapping(STAGE, REGION)
    return arns


def after_deploy(monkeypatch, on: bool) -> Provisioner:
    monkeypatch.setitem(stages.STAGES, STAGE, {**stages.STAGES["dev"], "snapstart": on})
    # The REST API's Korean responses and its throttle: their own steps and tests,
    # not this one's (this stage has no REST API).
    monkeypatch.setattr(gateway_responses, "ensure", lambda prov: None)
    monkeypatch.setattr(sms_spend, "ensure_rest_api_throttle", lambda prov: None)
    prov = Provisioner(STAGE, region=REGION)
    prov.run_after_deploy()
    return prov


def mappings(function_arn: str) -> list[dict]:
    return _lambda().list_event_source_mappings(FunctionName=function_arn)[
        "EventSourceMappings"]


def http_integration_uris() -> list[str]:
    apigw = boto3.session.Session().client("apigatewayv2", region_name=REGION)
    api = next(a for a in apigw.get_apis()["Items"] if a["Name"] == http_api.api_name(STAGE))
    return [i["IntegrationUri"] for i in apigw.get_integrations(ApiId=api["ApiId"])["Items"]]


def test_runtimes_that_have_snapstart():
    assert [r for r in ("python3.11", "python3.12", "python3.13", "python3.9", "nodejs22.x",
                        None) if snapstart.supports_snapstart(r)] == ["python3.12", "python3.13"]


def test_snapstart_on_then_unchanged_then_off(deployed, monkeypatch):
    lam = _lambda()
    prov = after_deploy(monkeypatch, on=True)
    assert prov.changes
    for handler, arn in deployed.items():
        name = lambdas.function_name(STAGE, handler)
        config = lam.get_function_configuration(FunctionName=name)
        assert config["SnapStart"]["ApplyOn"] == "PublishedVersions"
        version = lam.get_alias(FunctionName=name, Name=snapstart.ALIAS)["FunctionVersion"]
        assert version != "$LATEST"
        published = lam.get_function_configuration(FunctionName=name, Qualifier=version)
        assert published["SnapStart"] == {"ApplyOn": "PublishedVersions",
                                          "OptimizationStatus": "On"}
        assert prov.invoke_arns[handler] == f"{arn}:{snapstart.ALIAS}"
    for handler, (_kind, batch, concurrency) in QUEUES.items():
        arn = deployed[handler]
        chalice = mappings(arn)
        assert [m["State"] for m in chalice] == ["Disabled"]
        ours = mappings(f"{arn}:{snapstart.ALIAS}")
        assert len(ours) == 1 and ours[0]["State"] == "Enabled"
        assert ours[0]["EventSourceArn"] == chalice[0]["EventSourceArn"]
        assert ours[0]["BatchSize"] == batch
        assert ours[0].get("ScalingConfig", {}).get("MaximumConcurrency") == concurrency
    api_arn = deployed[lambdas.API_HANDLER]
    assert http_integration_uris() == [f"{api_arn}:{snapstart.ALIAS}"]
    policy = json.loads(lam.get_policy(FunctionName=lambdas.function_name(STAGE),
                                       Qualifier=snapstart.ALIAS)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [http_api.PERMISSION_SID]

    again = after_deploy(monkeypatch, on=True)
    assert again.changes == []
    assert all(len(mappings(f"{deployed[h]}:{snapstart.ALIAS}")) == 1 for h in QUEUES)

    # app.py changes a batch size; `chalice deploy` updates only its own mapping.
    link = deployed["handle_partner_link"]
    lam.update_event_source_mapping(UUID=mappings(link)[0]["UUID"], BatchSize=5)
    after_deploy(monkeypatch, on=True)
    assert [m["BatchSize"] for m in mappings(f"{link}:{snapstart.ALIAS}")] == [5]

    off = after_deploy(monkeypatch, on=False)
    assert off.changes
    for handler in deployed:
        config = lam.get_function_configuration(FunctionName=lambdas.function_name(STAGE,
                                                                                  handler))
        assert config["SnapStart"]["ApplyOn"] == "None"
    for handler in QUEUES:
        assert [m["State"] for m in mappings(deployed[handler])] == ["Enabled"]
        assert mappings(f"{deployed[handler]}:{snapstart.ALIAS}") == []
    assert http_integration_uris() == [api_arn]
    assert after_deploy(monkeypatch, on=False).changes == []


def test_connect_invokes_the_alias_while_snapstart_is_on(deployed, monkeypatch):
    """Connect (botocore Stubber: moto has no Connect) is given the alias, and
    the invoke permission is the alias's."""
    from botocore.stub import ANY, Stubber

    from provision import connect

    monkeypatch.setitem(stages.STAGES, STAGE, {**stages.STAGES["dev"], "snapstart": True})
    prov = Provisioner(STAGE, region=REGION)
    snapstart.ensure(prov)
    alias = f"{deployed[connect.HANDLER]}:{snapstart.ALIAS}"
    instance = "11111111-2222-3333-4444-555555555555"
    client = boto3.session.Session().client("connect", region_name=REGION)
    prov._clients["connect"] = client
    with Stubber(client) as stubber:
        stubber.add_response("list_lambda_functions", {"LambdaFunctions": []},
                             {"InstanceId": instance})
        stubber.add_response("associate_lambda_function", {},
                             {"InstanceId": instance, "FunctionArn": alias})
        stubber.add_response("list_contact_flows", {"ContactFlowSummaryList": []},
                             {"InstanceId": instance, "ContactFlowTypes": ["CONTACT_FLOW"]})
        flow = connect.render_flow(connect.FLOWS_DIR / connect.FLOW_FILE,
                                   {connect.PLACEHOLDER: alias})
        stubber.add_response("create_contact_flow", {"ContactFlowId": "flow-1"}, {
            "InstanceId": instance, "Name": connect.flow_name(STAGE), "Type": "CONTACT_FLOW",
            "Content": flow, "Description": ANY})
        connect.ensure(prov, instance)
        stubber.assert_no_pending_responses()
    policy = json.loads(_lambda().get_policy(
        FunctionName=lambdas.function_name(STAGE, connect.HANDLER),
        Qualifier=snapstart.ALIAS)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == [f"connect-{instance}"]
