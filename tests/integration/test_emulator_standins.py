"""The emulator's stand-ins for lexv2-models and connect (devstack/standins.py)
and its Swagger 2.0 import: what provisioning and `chalice deploy` need, held
to botocore's service models on the server side too."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.config import Config

REGION = "ap-northeast-2"
ROLE = "arn:aws:iam::123456789012:role/r"


def _client(service: str, validate: bool = True):
    return boto3.client(service, region_name=REGION,
                        config=Config(parameter_validation=validate))


def test_a_bot_is_ready_at_once_and_its_locale_builds(emulator):
    lex = _client("lexv2-models")
    bot = lex.create_bot(botName="standin-bot", roleArn=ROLE, idleSessionTTLInSeconds=300,
                         dataPrivacy={"childDirected": False})["botId"]
    lex.get_waiter("bot_available").wait(botId=bot, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    scope = {"botId": bot, "botVersion": "DRAFT", "localeId": "ko_KR"}
    with pytest.raises(lex.exceptions.ResourceNotFoundException):
        lex.describe_bot_locale(**scope)
    lex.create_bot_locale(**scope, nluIntentConfidenceThreshold=0.4)
    assert lex.describe_bot_locale(**scope)["botLocaleStatus"] == "NotBuilt"
    assert lex.build_bot_locale(**scope)["botLocaleStatus"] == "Building"
    lex.get_waiter("bot_locale_built").wait(**scope, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    version = lex.create_bot_version(botId=bot, botVersionLocaleSpecification={
        "ko_KR": {"sourceBotVersion": "DRAFT"}})["botVersion"]
    assert version == "1"
    found = lex.list_bots(filters=[{"name": "BotName", "values": ["standin-bot"],
                                    "operator": "EQ"}])["botSummaries"]
    assert [b["botId"] for b in found] == [bot]
    lex.delete_bot(botId=bot, skipResourceInUseCheck=True)
    with pytest.raises(lex.exceptions.ResourceNotFoundException):
        lex.describe_bot_locale(**scope)


def test_parameters_the_api_does_not_take_are_refused_by_the_server(emulator):
    lex = _client("lexv2-models", validate=False)  # only the server checks now
    with pytest.raises(lex.exceptions.ValidationException) as caught:
        lex.create_bot(botName="x", roleArn=ROLE, idleSessionTTLInSeconds="soon",
                       dataPrivacy={"childDirected": False})
    assert "idleSessionTTLInSeconds" in str(caught.value)
    with pytest.raises(lex.exceptions.ValidationException):
        lex.create_bot(botName="x", roleArn=ROLE)  # required members missing


def test_connect_flows_and_associations_need_a_real_instance(emulator):
    con = _client("connect")
    with pytest.raises(con.exceptions.ResourceNotFoundException):
        con.list_lambda_functions(InstanceId="no-such-instance")
    instance = con.create_instance(IdentityManagementType="CONNECT_MANAGED",
                                   InstanceAlias="standin", InboundCallsEnabled=True,
                                   OutboundCallsEnabled=False)["Id"]
    fn = "arn:aws:lambda:ap-northeast-2:123456789012:function:f"
    con.associate_lambda_function(InstanceId=instance, FunctionArn=fn)
    assert con.list_lambda_functions(InstanceId=instance)["LambdaFunctions"] == [fn]
    flow = con.create_contact_flow(InstanceId=instance, Name="flow", Type="CONTACT_FLOW",
                                   Content=json.dumps({"Version": "2019-10-30"}))
    described = con.describe_contact_flow(InstanceId=instance,
                                          ContactFlowId=flow["ContactFlowId"])["ContactFlow"]
    assert described["Name"] == "flow" and described["Arn"] == flow["ContactFlowArn"]
    con.delete_contact_flow(InstanceId=instance, ContactFlowId=flow["ContactFlowId"])
    con.disassociate_lambda_function(InstanceId=instance, FunctionArn=fn)
    assert con.list_contact_flows(InstanceId=instance)["ContactFlowSummaryList"] == []


def test_chalices_swagger2_document_imports_with_its_integrations(emulator):
    from chalice.deploy.swagger import SwaggerGenerator

    import app as app_module

    uri = ("arn:aws:apigateway:ap-northeast-2:lambda:path/2015-03-31/functions/"
           "arn:aws:lambda:ap-northeast-2:123456789012:function:standin/invocations")

    class Generator(SwaggerGenerator):
        def _uri(self, lambda_arn=None):
            return uri

        def _auth_uri(self, authorizer):
            return uri

    doc = Generator(REGION, None).generate_swagger(app_module.app)
    assert doc["swagger"] == "2.0" and "description" not in doc["info"]
    apigw = _client("apigateway")
    api = apigw.import_rest_api(body=json.dumps(doc))["id"]
    resources = {r["path"]: r for r in apigw.get_resources(restApiId=api, limit=500)["items"]}
    integration = apigw.get_integration(restApiId=api, resourceId=resources["/r/{token}"]["id"],
                                        httpMethod="GET")
    assert integration["type"] == "AWS_PROXY" and integration["uri"] == uri
    apigw.create_deployment(restApiId=api, stageName="api")
    assert apigw.get_stage(restApiId=api, stageName="api")["stageName"] == "api"
