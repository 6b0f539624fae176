"""The REST API `chalice deploy` would create, rebuilt in the emulator.

moto imports only OpenAPI 3 and Chalice writes Swagger 2.0, so the document
Chalice generates for our app is replayed call by call: its title as the
name, every path and method with Chalice's own Lambda proxy URI, then a
deployment of the stage (what Chalice's ``deploy_rest_api`` does).
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from typing import Any

import boto3
from chalice.deploy.swagger import SwaggerGenerator

from provision import http_api, lambdas

ACCOUNT = "123456789012"


def swagger(stage: str, region: str) -> dict[str, Any]:
    def arn(handler: str) -> str:
        return lambdas.function_arn(region, ACCOUNT, stage, handler)

    deployed = {
        "api_handler_arn": arn(lambdas.API_HANDLER),
        "api_handler_name": lambdas.function_name(stage),
        "lambda_functions": {lambdas.function_name(stage, h): {"arn": arn(h)}
                             for h in lambdas.HANDLERS},
    }
    http_api.chalice_route_keys()  # imports app.py the way provisioning does
    return SwaggerGenerator(region, deployed).generate_swagger(sys.modules["app"].app)


def find(stage: str, region: str) -> str | None:
    apigw = boto3.client("apigateway", region_name=region)
    for api in apigw.get_rest_apis(limit=500)["items"]:
        if api.get("description") == description(stage):
            return api["id"]
    return None


def description(stage: str) -> str:
    return f"test: the REST API of chalice deploy --stage {stage}"


def create(stage: str, region: str, api_stage: str = "api") -> str:
    """The stage's REST API (created once per emulator); returns its id."""
    found = find(stage, region)
    if found:
        return found
    doc = swagger(stage, region)
    apigw = boto3.client("apigateway", region_name=region)
    api_id = apigw.create_rest_api(name=doc["info"]["title"],
                                   description=description(stage))["id"]
    ids = {r["path"]: r["id"] for r in apigw.get_resources(restApiId=api_id)["items"]}
    for path, methods in sorted(doc["paths"].items()):
        parent = "/"
        for part in [p for p in path.split("/") if p]:
            here = parent.rstrip("/") + "/" + part
            if here not in ids:
                ids[here] = apigw.create_resource(restApiId=api_id, parentId=ids[parent],
                                                  pathPart=part)["id"]
            parent = here
        for method, spec in methods.items():
            integration = spec["x-amazon-apigateway-integration"]
            apigw.put_method(restApiId=api_id, resourceId=ids[path],
                             httpMethod=method.upper(), authorizationType="NONE")
            # Chalice's routes are Lambda proxies; its CORS preflights are mocks.
            kwargs = {k: integration[k] for k in ("uri",) if k in integration}
            if "httpMethod" in integration:
                kwargs["integrationHttpMethod"] = integration["httpMethod"]
            apigw.put_integration(restApiId=api_id, resourceId=ids[path],
                                  httpMethod=method.upper(),
                                  type=integration["type"].upper(), **kwargs)
    apigw.create_deployment(restApiId=api_id, stageName=api_stage)
    return api_id


def dummy_function(name: str, role: str, runtime: str = "python3.11") -> str:
    """A Lambda function named as `chalice deploy` would (a dummy zip, never
    invoked: moto needs no docker for that); its ARN."""
    iam = boto3.client("iam")
    try:
        role_arn = iam.get_role(RoleName=role)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = boto3.client("lambda")
    try:
        return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except lam.exceptions.ResourceNotFoundException:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr("app.py", "def handler(event, context):\n    return {}\n")
        return lam.create_function(FunctionName=name, Runtime=runtime, Role=role_arn,
                                   Handler="app.handler",
                                   Code={"ZipFile": buffer.getvalue()})["FunctionArn"]


def stream_mapping(stage: str, region: str) -> dict:
    """The table with its stream, the log function and the stream mapping,
    as provisioning and `chalice deploy` leave them (a dummy function, never
    invoked)."""
    from chalicelib import names
    from provision import lambdas

    ddb = boto3.session.Session().client("dynamodb", region_name=region)
    name = names.table_name(stage)
    try:
        table = ddb.describe_table(TableName=name)["Table"]
    except ddb.exceptions.ResourceNotFoundException:
        table = ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )["TableDescription"]
    if not table.get("LatestStreamArn"):
        ddb.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        table = ddb.describe_table(TableName=name)["Table"]
    stream_arn = table["LatestStreamArn"]
    function_arn = dummy_function(lambdas.function_name(stage, "handle_registration_log"),
                                  f"partnerline-{stage}-test-lambda", "python3.13")
    lam = boto3.session.Session().client("lambda", region_name=region)
    found = lam.list_event_source_mappings(EventSourceArn=stream_arn)["EventSourceMappings"]
    if found:
        return found[0]
    return lam.create_event_source_mapping(EventSourceArn=stream_arn, FunctionName=function_arn,
                                           StartingPosition="TRIM_HORIZON", BatchSize=100)
