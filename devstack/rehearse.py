"""make rehearse: the whole deployment, rehearsed against a fresh emulator.

1. Two fresh `git clone`s of the working tree as it is on disk (a snapshot
   commit made with a temporary index; the checkout itself is never touched),
   as two teammates or CI would have them. One virtualenv serves both.
2. A fresh emulator (``python -m devstack.moto_server``) on a free port, with
   an Amazon Connect instance so the Connect wiring is rehearsed too.
3. ``make deploy STAGE=dev`` from the first clone, then from the second (the
   real Chalice CLI through the launcher): the second must find everything in
   place (a no-op for provisioning) and update the same stage: one REST API,
   one HTTP API, one mapping per event source (``duplicates``).
4. The wiring, checked from the emulator's own state (``check_wiring``), and
   `git status` clean in both clones (nothing tracked rewritten).
5. ``make destroy STAGE=dev`` twice from the second clone; nothing of the
   stage may remain (``leftovers``), the second run must have nothing to
   delete, and the clone stays clean.

Exits 1 with the list of gaps. ``check_wiring`` and ``leftovers`` take plain
boto3 clients, so tests run them against deliberately broken deployments.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devstack import rehearse_privilege

PROJECT_DIR = Path(__file__).resolve().parent.parent
STAGE = "dev"
REGION = "ap-northeast-2"
# What `make deploy` needs of the checkout (the Lambda package and provisioning).
COPIED = ("app.py", "chalicelib", "vendor", "provision", "devstack", "scripts", "stepfunctions",
          "lex", "contact-flows", "web", ".chalice", "requirements.txt",
          "requirements-dev.txt", "Makefile")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "deployed", "deployments")
# What Lambda's SQS event source mapping does with the function's role: needed
# whatever provision/policies.py says, so checked apart from it.
CONSUME = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# The same for a DynamoDB stream mapping (the DynamoDB developer guide's policy).
STREAM_READ = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
               "dynamodb:ListStreams")


# -- the deployed system, from the emulator's state -----------------------------

def _clients(session: Any, region: str = REGION) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def client(service: str, where: str | None = None) -> Any:
        where = where or region
        key = f"{service}@{where}"
        if key not in cache:
            cache[key] = session.client(service, region_name=where)
        return cache[key]

    return client


def front_door_gaps(client: Callable[[str], Any], east: Callable[[str], Any], stage: str,
                    functions_env: dict[str, str] | None = None) -> list[str]:
    """The CloudFront distribution's origins and behaviours, its response
    headers policy and the WAF web ACL's rules (``east``: us-east-1 clients),
    against what provision/cloudfront.py and provision/waf.py mean."""
    from chalicelib.static_site import SECURITY_HEADERS
    from provision import cloudfront, http_api, waf

    gaps: list[str] = []
    cf = client("cloudfront")
    dists = [d for d in cf.list_distributions().get("DistributionList", {}).get("Items", [])
             or [] if d.get("Comment") == cloudfront.comment(stage)]
    if len(dists) != 1:
        return [f"CloudFront 배포가 {len(dists)}개예요 (정확히 1개여야 해요)"]
    dist = dists[0]
    config = cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    api = http_api._find_api(client("apigatewayv2"), http_api.api_name(stage))
    api_domain = (api or {}).get("ApiEndpoint", "").split("://")[-1]
    web = origins.get(cloudfront.WEB_ORIGIN, {})
    if ".s3-website" not in web.get("DomainName", "") or web.get("CustomOriginConfig", {}).get(
            "OriginProtocolPolicy") != "http-only":
        gaps.append(f"기본 오리진이 S3 웹사이트 엔드포인트가 아니에요: {web.get('DomainName')}")
    api_origin = origins.get(cloudfront.API_ORIGIN, {})
    if not api_domain or api_origin.get("DomainName") != api_domain or api_origin.get(
            "CustomOriginConfig", {}).get("OriginProtocolPolicy") != "https-only":
        gaps.append(f"API 오리진이 HTTP API({api_domain})가 아니에요: "
                    f"{api_origin.get('DomainName')}")
    default = config["DefaultCacheBehavior"]
    if default.get("TargetOriginId") != cloudfront.WEB_ORIGIN:
        gaps.append("기본 동작이 웹 오리진으로 가지 않아요")
    behaviours = {b["PathPattern"]: b for b in (config.get("CacheBehaviors") or {}).get(
        "Items", []) or []}
    for path in cloudfront.API_PATHS:
        b = behaviours.get(path)
        if b is None:
            gaps.append(f"CloudFront 동작 {path}가 없어요")
            continue
        if b["TargetOriginId"] != cloudfront.API_ORIGIN:
            gaps.append(f"{path}가 HTTP API로 가지 않아요")
        if sorted(b["AllowedMethods"]["Items"]) != sorted(cloudfront.ALL_METHODS):
            gaps.append(f"{path}가 모든 메서드를 받지 않아요: {b['AllowedMethods']['Items']}")
        if b.get("CachePolicyId") != cloudfront.CACHING_DISABLED:
            gaps.append(f"{path}가 캐시돼요 (CachingDisabled가 아니에요)")
        if b.get("OriginRequestPolicyId") != cloudfront.ALL_VIEWER_EXCEPT_HOST:
            gaps.append(f"{path}가 헤더·쿼리 문자열을 넘기지 않아요")
    for what, b in [("기본 동작", default), *behaviours.items()]:
        if b.get("ViewerProtocolPolicy") != "redirect-to-https":
            gaps.append(f"{what}: HTTP를 HTTPS로 돌리지 않아요")
        if not b.get("Compress"):
            gaps.append(f"{what}: 압축하지 않아요")
    if config.get("HttpVersion") != "http2and3":
        gaps.append(f"HTTP 버전이 {config.get('HttpVersion')}예요 (http2and3이어야 해요)")
    policy_id = default.get("ResponseHeadersPolicyId")
    try:
        headers = cf.get_response_headers_policy_config(Id=policy_id)[
            "ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    except Exception:  # noqa: BLE001 - no policy is a gap
        headers = None
    if headers is None:
        gaps.append("응답 헤더 정책이 없어요")
    else:
        wanted = {
            "CSP": (headers.get("ContentSecurityPolicy", {}).get("ContentSecurityPolicy"),
                    SECURITY_HEADERS["Content-Security-Policy"]),
            "HSTS": (bool(headers.get("StrictTransportSecurity")), True),
            "nosniff": (bool(headers.get("ContentTypeOptions")), True),
            "frame": (headers.get("FrameOptions", {}).get("FrameOption"), "DENY"),
            "referrer": (headers.get("ReferrerPolicy", {}).get("ReferrerPolicy"), "no-referrer"),
        }
        gaps += [f"응답 헤더 정책의 {k}가 달라요: {have!r}" for k, (have, want) in
                 wanted.items() if have != want]
    acl = waf.find_acl(east("wafv2"), stage)
    if acl is None:
        gaps.append(f"WAF 웹 ACL {waf.acl_name(stage)}가 없어요")
    else:
        if config.get("WebACLId") != acl["ARN"]:
            gaps.append("CloudFront 배포에 WAF 웹 ACL이 연결되지 않았어요")
        got = east("wafv2").get_web_acl(Name=acl["Name"], Scope=waf.SCOPE, Id=acl["Id"])[
            "WebACL"].get("Rules", [])
        rates = {r["Name"]: r["Statement"]["RateBasedStatement"] for r in got
                 if "RateBasedStatement" in r.get("Statement", {})}
        for rule in waf.rules():
            statement = rule["Statement"].get("RateBasedStatement")
            if statement is None:
                if not any(r.get("Statement", {}).get("ManagedRuleGroupStatement", {}).get(
                        "Name") == rule["Name"] for r in got):
                    gaps.append(f"WAF 관리형 규칙 그룹 {rule['Name']}가 없어요")
                continue
            have = rates.get(rule["Name"])
            if have is None:
                gaps.append(f"WAF 속도 규칙 {rule['Name']}가 없어요")
            elif (have.get("Limit"), have.get("AggregateKeyType")) != (
                    statement["Limit"], "IP") or waf._comparable(
                    [have.get("ScopeDownStatement", {})]) != waf._comparable(
                    [statement["ScopeDownStatement"]]):
                gaps.append(f"WAF 속도 규칙 {rule['Name']}가 달라요")
        alarms = east("cloudwatch").describe_alarms(AlarmNames=[waf.alarm_name(stage)])
        if not alarms["MetricAlarms"]:
            gaps.append(f"경보 {waf.alarm_name(stage)}(us-east-1)가 없어요")
    url = f"https://{dist['DomainName']}"
    for key, value in (functions_env or {}).items():
        if value != url:
            gaps.append(f"함수의 {key}가 CloudFront 주소가 아니에요: {value!r}")
    return gaps


def _allows(document: dict[str, Any], action: str, resource: str) -> bool:
    """Does an Allow statement of ``document`` cover ``action`` on ``resource``?"""
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        if st.get("Effect") != "Allow":
            continue
        actions = st.get("Action", [])
        resources = st.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        if any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions) and any(
                fnmatch.fnmatchcase(resource, r) for r in resources):
            return True
    return False


def _role_policy(iam: Any, role_arn: str) -> dict[str, Any]:
    """Every inline policy of the role, merged into one document."""
    from urllib.parse import unquote

    name = role_arn.rsplit("/", 1)[-1]
    merged: list[dict[str, Any]] = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        if isinstance(doc, str):
            doc = json.loads(unquote(doc))
        st = doc.get("Statement", [])
        merged.extend([st] if isinstance(st, dict) else st)
    return {"Statement": merged}


def _expected_pairs(document: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for st in document["Statement"]:
        if st["Effect"] != "Allow":
            continue  # a Deny grants nothing (rehearse_privilege checks it is there)
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        resources = [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
        pairs.extend((a, r) for a in actions for r in resources)
    return pairs


def check_wiring(client: Callable[[str], Any], app: Any, stage: str, account: str,
                 runtime: str, connect_instance_id: str | None = None) -> list[str]:
    """Every gap between the app (routes, queue handlers) and what is deployed."""
    from chalice.app import SQSEventConfig

    from chalicelib import names
    from provision import alarms, http_api, lambdas, policies, resources

    gaps: list[str] = []
    lam, iam = client("lambda"), client("iam")
    stage_resources = resources.catalogue(stage, REGION, account)

    def fn_arn(handler: str) -> str:
        return lambdas.function_arn(REGION, account, stage, handler)

    handlers = (lambdas.API_HANDLER, *lambdas.HANDLERS)
    functions: dict[str, dict[str, Any]] = {}
    for handler in handlers:
        name = lambdas.function_name(stage, handler)
        try:
            functions[handler] = lam.get_function(FunctionName=name)["Configuration"]
        except Exception:  # noqa: BLE001 - a missing function is a gap
            gaps.append(f"함수 {name}가 없어요")
    for conf in functions.values():
        if conf.get("Runtime") != runtime:
            gaps.append(f"함수 {conf['FunctionName']}의 런타임이 {conf.get('Runtime')}예요 "
                        f"({runtime}이어야 해요)")
        # lambda_architecture in .chalice/config.json: Graviton, cheaper per GB-second.
        if conf.get("Architectures") != ["arm64"]:
            gaps.append(f"함수 {conf['FunctionName']}의 아키텍처가 "
                        f"{conf.get('Architectures')}예요 (arm64여야 해요)")

    # Queue handlers: exactly one enabled mapping from their queue.
    mappings = [m for page in lam.get_paginator("list_event_source_mappings").paginate()
                for m in page["EventSourceMappings"]]
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig):
            continue
        kind = next(k for k in names.QUEUE_KINDS if source.queue.endswith("-" + k))
        queue = stage_resources.get(f"queue:{kind}")
        queue_arn = queue.arn
        found = [m for m in mappings if m.get("EventSourceArn") == queue_arn
                 and m.get("FunctionArn") == fn_arn(source.name)]
        if len(found) != 1:
            gaps.append(f"큐 {queue.name} → {source.name} 연결이 "
                        f"{len(found)}개예요 (정확히 1개여야 해요)")
        elif found[0].get("State") not in (None, "Enabled", "Enabling"):
            gaps.append(f"큐 {queue.name} 연결이 {found[0]['State']}예요")
        conf = functions.get(source.name)
        if conf is not None:
            role = _role_policy(iam, conf["Role"])
            missing = [a for a in CONSUME if not _allows(role, a, queue_arn)]
            if missing:
                gaps.append(f"함수 {conf['FunctionName']}의 역할로는 큐 "
                            f"{queue.name}를 읽을 수 없어요 "
                            f"({', '.join(missing)} 없음)")

    gaps.extend(_stream_gaps(lam, iam, app, functions, fn_arn, stage))

    # Routes: the HTTP API and the REST API both reach the API function.
    apigw2 = client("apigatewayv2")
    api = http_api._find_api(apigw2, http_api.api_name(stage))
    wanted_routes = sorted(f"{m} {p}" for p, ms in app.routes.items() for m in ms)
    if api is None:
        gaps.append(f"HTTP API {http_api.api_name(stage)}가 없어요")
    else:
        integrations = {i["IntegrationId"]: i for i in
                        apigw2.get_integrations(ApiId=api["ApiId"]).get("Items", [])}
        routes = {r["RouteKey"]: r for r in apigw2.get_routes(ApiId=api["ApiId"])["Items"]}
        for key in wanted_routes:
            route = routes.get(key)
            target = (route or {}).get("Target", "").replace("integrations/", "")
            if route is None:
                gaps.append(f"HTTP API에 경로 {key}가 없어요")
            elif integrations.get(target, {}).get("IntegrationUri") != fn_arn(
                    lambdas.API_HANDLER):
                gaps.append(f"HTTP API 경로 {key}가 API 함수로 가지 않아요")
        default_stage = next((s for s in apigw2.get_stages(ApiId=api["ApiId"]).get("Items", [])
                              if s["StageName"] == http_api.STAGE_NAME), None)
        if default_stage is None or http_api.throttling_of(default_stage) != http_api.THROTTLING:
            gaps.append("HTTP API 스테이지에 요청 제한(throttling)이 없어요")
        gaps.extend(_operator_gaps(client, apigw2, api["ApiId"], routes, stage))
        if not _may_invoke(lam, lambdas.function_name(stage), "apigateway.amazonaws.com",
                           http_api.execute_arn(REGION, account, api["ApiId"], "*")):
            gaps.append("HTTP API가 API 함수를 호출할 권한이 없어요")
    gaps.extend(_rest_api_gaps(client, app, stage, account, fn_arn(lambdas.API_HANDLER)))

    # Each function's role allows what its policy file grants (nothing removed).
    arns = policies.Arns(stage, REGION, account, _env(functions, "EVENT_BUCKET") or "*",
                         bot_id=_env(functions, "LEX_BOT_ID") or "*",
                         alias_id=_env(functions, "LEX_BOT_ALIAS_ID") or "*",
                         sms_region=_env(functions, "SMS_REGION"),
                         secrets_key=rehearse_privilege.secrets_key_arn(client, stage) or "*")
    for handler, conf in functions.items():
        deployed = _role_policy(iam, conf["Role"])
        for action, resource in _expected_pairs(policies.document(arns, handler)):
            if not _allows(deployed, action, resource):
                gaps.append(f"함수 {conf['FunctionName']}의 역할에 {action} ({resource}) "
                            "권한이 없어요")
    # ... and holds its narrowings; the secrets key; the bucket owner.
    gaps.extend(rehearse_privilege.gaps(client, stage, account, REGION, functions, arns,
                                        lambda role: _role_policy(iam, role)))

    gaps.extend(_state_machine_gaps(client, stage_resources))
    gaps.extend(_index_gaps(client, stage_resources))
    gaps.extend(_retention_gaps(client, stage, _env(functions, "EVENT_BUCKET"),
                                _env(functions, "EVENT_LOG_KEY"), fn_arn("erase_personal_data")))

    topic = stage_resources.get("alarms-topic").arn
    wanted_alarms = [a["AlarmName"] for a in alarms.definitions(stage, topic)]
    have = {a["AlarmName"] for a in client("cloudwatch").describe_alarms(
        AlarmNames=wanted_alarms)["MetricAlarms"]}
    gaps.extend(f"경보 {name}가 없어요" for name in wanted_alarms if name not in have)
    # Escalated requests page the same topic (chalicelib/notify/escalation.py).
    notify_fn = functions.get("handle_customer_notification")
    if notify_fn is not None and (notify_fn.get("Environment") or {}).get(
            "Variables", {}).get("ALARMS_TOPIC_ARN") != topic:
        gaps.append("handle_customer_notification의 ALARMS_TOPIC_ARN이 경보 주제를 "
                    "가리키지 않아요 (에스컬레이션 알림이 가지 않아요)")

    confirm = ((functions.get(lambdas.API_HANDLER) or {}).get("Environment") or {}).get(
        "Variables", {}).get("CONFIRM_BASE_URL")
    link_fn = ((functions.get("handle_partner_link") or {}).get("Environment") or {}).get(
        "Variables", {}).get("CONFIRM_BASE_URL")
    for where, url in (("API 함수", confirm), ("handle_partner_link", link_fn)):
        if http_api.is_placeholder_url(url):
            gaps.append(f"{where}의 CONFIRM_BASE_URL이 실제 주소가 아니에요: {url!r}")

    gaps.extend(_sms_spend_gaps(client, stage))
    gaps.extend(catalogue_gaps(client, resources.catalogue(
        stage, REGION, account, event_bucket=_env(functions, "EVENT_BUCKET"))))
    if connect_instance_id:
        gaps.extend(_connect_gaps(client, stage, connect_instance_id, fn_arn))
    return gaps


def catalogue_gaps(client: Callable[..., Any], stage_resources: Any) -> list[str]:
    """Every resource the catalogue says the stage has (provision/resources.py)
    is there, asked of its own service."""
    from provision import resources

    return [f"{entry.key} 리소스 {entry.name}가 없어요" for entry in stage_resources.made()
            if not resources.present(client, entry)]


def catalogue_leftovers(client: Callable[..., Any], stage: str, event_bucket: str,
                        front_door: bool = True) -> list[str]:
    """Every catalogue entry of the stage, retired ones too, is gone (the
    front door's, in us-east-1, when asked)."""
    from provision import resources

    account = client("sts").get_caller_identity()["Account"]
    listed = resources.catalogue(stage, REGION, account, event_bucket=event_bucket or None)
    return [f"{entry.key} {entry.name}" for entry in listed
            if (front_door or entry.region != resources.FRONT_DOOR_REGION)
            and resources.present(client, entry)]


def _sms_spend_gaps(client: Callable[[str], Any], stage: str) -> list[str]:
    """The SNS monthly spend limit and its 80 % alarm, in the SMS region."""
    from chalicelib import settings
    from provision import sms_spend
    from provision.alarms import topic_name as alarms_topic_name

    where = settings.Settings.sms_region
    sns = client("sns", where)  # type: ignore[call-arg]
    gaps = []
    limit = sns.get_sms_attributes(attributes=["MonthlySpendLimit"])["attributes"].get(
        "MonthlySpendLimit")
    if limit != str(sms_spend.limit_usd(stage)):
        gaps.append(f"SNS SMS 월 한도가 {sms_spend.limit_usd(stage)} USD가 아니에요: {limit!r}")
    found = client("cloudwatch", where).describe_alarms(  # type: ignore[call-arg]
        AlarmNames=[sms_spend.alarm_name(stage)])["MetricAlarms"]
    if not found or found[0].get("MetricName") != "SMSMonthToDateSpentUSD" \
            or found[0].get("Threshold") != round(sms_spend.limit_usd(stage) * 0.8, 2):
        gaps.append(f"SMS 지출 80% 경보 {sms_spend.alarm_name(stage)}가 없거나 달라요")
    elif not [a for a in found[0].get("AlarmActions") or []
              if a.split(":")[3:4] == [where] and a.endswith(":" + alarms_topic_name(stage))]:
        gaps.append(f"SMS 지출 80% 경보 {sms_spend.alarm_name(stage)}가 아무에게도 알리지 않아요 "
                    f"({where}의 경보 주제가 없어요)")
    return gaps


def _operator_gaps(client: Callable[[str], Any], apigw2: Any, api_id: str,
                   routes: dict[str, dict[str, Any]], stage: str) -> list[str]:
    """The operators' sign-in: the pool (MFA where the stage wants it), its
    app client (no secret, the sign-in flows), the three groups, and the HTTP
    API's JWT authorizer on every /api/admin/ route, for that pool and client."""
    from provision import cognito, http_api

    gaps: list[str] = []
    idp = client("cognito-idp")
    pool_id = cognito.find_pool(idp, cognito.pool_name(stage))
    if pool_id is None:
        return [f"Cognito 사용자 풀 {cognito.pool_name(stage)}이 없어요"]
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool_id).get("MfaConfiguration", "OFF")
    if cognito.mfa_required(stage) and mfa != "ON":
        gaps.append(f"사용자 풀의 MFA가 {mfa}예요 (ON이어야 해요)")
    client_id = cognito.find_client(idp, pool_id, cognito.client_name(stage))
    if client_id is None:
        gaps.append(f"앱 클라이언트 {cognito.client_name(stage)}가 없어요")
    else:
        app_client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
            "UserPoolClient"]
        if app_client.get("ClientSecret"):
            gaps.append("앱 클라이언트에 비밀 값이 있어요 (브라우저는 비밀 없이 로그인해요)")
        flows = set(app_client.get("ExplicitAuthFlows", []))
        for flow in ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"):
            if flow not in flows:
                gaps.append(f"앱 클라이언트가 {flow}를 허용하지 않아요")
    groups = {g["GroupName"] for g in idp.list_groups(UserPoolId=pool_id).get("Groups", [])}
    gaps.extend(f"사용자 풀에 {g} 그룹이 없어요" for g in cognito.GROUPS if g not in groups)
    authorizer = http_api.find_authorizer(apigw2, api_id, stage)
    issuer = f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    if authorizer is None or authorizer.get("AuthorizerType") != "JWT":
        gaps.append("HTTP API에 운영자 JWT 권한 부여자가 없어요")
    else:
        jwt = authorizer.get("JwtConfiguration") or {}
        if jwt.get("Issuer") != issuer or jwt.get("Audience") != [client_id]:
            gaps.append("HTTP API의 JWT 권한 부여자가 이 스테이지의 사용자 풀·클라이언트를 "
                        "가리키지 않아요")
        for key, route in routes.items():
            if key.split(" ", 1)[-1].startswith(http_api.ADMIN_PREFIX) and (
                    route.get("AuthorizationType") != "JWT"
                    or route.get("AuthorizerId") != authorizer["AuthorizerId"]):
                gaps.append(f"HTTP API 경로 {key}에 JWT 권한 부여자가 없어요")
    return gaps


def _stream_gaps(lam: Any, iam: Any, app: Any, functions: dict[str, dict[str, Any]],
                 fn_arn: Callable[[str], str], stage: str) -> list[str]:
    """Stream handlers: exactly one enabled mapping from the table's stream,
    with the error handling and filter of provision/streams.py, and a role
    that lets the mapping read the stream (checked apart from the policy
    generator, as for the queues)."""
    from chalice.app import DynamoDBEventConfig

    from chalicelib import names
    from provision import streams

    gaps: list[str] = []
    for source in app.event_sources:
        if not isinstance(source, DynamoDBEventConfig):
            continue
        if source.stream_arn == names.stream_placeholder_arn(stage):
            gaps.append(f"{source.name}의 스트림 ARN이 프로비저닝되지 않았어요")
            continue
        found = streams.mappings(lam, source.stream_arn, fn_arn(source.name))
        if len(found) != 1:
            gaps.append(f"테이블 스트림 → {source.name} 연결이 {len(found)}개예요 "
                        "(정확히 1개여야 해요)")
            continue
        mapping = lam.get_event_source_mapping(UUID=found[0]["UUID"])
        if mapping.get("State") not in (None, "Enabled", "Enabling"):
            gaps.append(f"테이블 스트림 연결이 {mapping['State']}예요")
        for key, wanted in streams.WANTED.items():
            if mapping.get(key) != wanted:
                gaps.append(f"테이블 스트림 연결의 {key}가 {mapping.get(key)!r}예요 "
                            f"({wanted!r}이어야 해요)")
        conf = functions.get(source.name)
        if conf is not None:
            role = _role_policy(iam, conf["Role"])
            missing = [a for a in STREAM_READ if not _allows(role, a, source.stream_arn)]
            if missing:
                gaps.append(f"함수 {conf['FunctionName']}의 역할로는 테이블 스트림을 읽을 수 "
                            f"없어요 ({', '.join(missing)} 없음)")
    return gaps


def _env(functions: dict[str, dict[str, Any]], key: str) -> str | None:
    for conf in functions.values():
        value = (conf.get("Environment") or {}).get("Variables", {}).get(key)
        if value:
            return value
    return None


def _may_invoke(lam: Any, function: str, principal: str, source_arn: str) -> bool:
    try:
        statements = json.loads(lam.get_policy(FunctionName=function)["Policy"])["Statement"]
    except Exception:  # noqa: BLE001 - no policy: nobody may invoke
        return False
    for st in statements:
        who = st.get("Principal", {})
        who = who.get("Service") if isinstance(who, dict) else who
        source = (st.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
                  or st.get("Condition", {}).get("ArnLike", {}).get("aws:SourceArn"))
        if who == principal and st.get("Effect") == "Allow" and source and \
                fnmatch.fnmatchcase(source_arn, source):
            return True
    return False


def _rest_api_gaps(client: Callable[[str], Any], app: Any, stage: str, account: str,
                   function_arn: str) -> list[str]:
    from chalicelib import names
    from provision import http_api

    apigw = client("apigateway")
    suffix = f"{function_arn}/invocations"
    for page in apigw.get_paginator("get_rest_apis").paginate():
        for api in page.get("items", []):
            if api.get("name") != names.APP_NAME:
                continue
            resources = {r["path"]: r for r in apigw.get_resources(
                restApiId=api["id"], embed=["methods"], limit=500)["items"]}
            reaches = any(((m or {}).get("methodIntegration") or {}).get("uri", "").endswith(
                suffix) for r in resources.values()
                for m in (r.get("resourceMethods") or {}).values())
            if not reaches:
                continue
            gaps = []
            for path, methods in app.routes.items():
                for method in methods:
                    try:
                        integration = apigw.get_integration(
                            restApiId=api["id"], resourceId=resources[path]["id"],
                            httpMethod=method)
                    except Exception:  # noqa: BLE001 - missing resource or method
                        gaps.append(f"REST API에 {method} {path}가 없어요")
                        continue
                    if not integration.get("uri", "").endswith(suffix):
                        gaps.append(f"REST API의 {method} {path}가 API 함수로 가지 않아요")
            if not _may_invoke(client("lambda"), function_arn.rsplit(":", 1)[-1],
                               "apigateway.amazonaws.com",
                               http_api.execute_arn(REGION, account, api["id"], "api/GET/")):
                gaps.append("REST API가 API 함수를 호출할 권한이 없어요")
            try:
                rest_stage = apigw.get_stage(restApiId=api["id"], stageName="api")
            except Exception:  # noqa: BLE001
                gaps.append("REST API에 'api' 스테이지가 없어요")
                return gaps
            from provision import sms_spend

            if sms_spend.rest_api_throttling(rest_stage) != (sms_spend.RATE, sms_spend.BURST):
                gaps.append("REST API 스테이지에 HTTP API와 같은 스로틀링이 없어요: "
                            f"{sms_spend.rest_api_throttling(rest_stage)}")
            return gaps
    return [f"{stage}의 API 함수로 가는 REST API가 없어요"]


def _retention_gaps(client: Callable[[str], Any], stage: str, event_bucket: str | None,
                    log_key: str | None, sweep_arn: str) -> list[str]:
    """Personal data's retention (provision/retention.py, docs/privacy.md): a
    retention on every function's log group, the event bucket's lifecycle
    rules, and the hourly schedule of the erasure function."""
    from chalicelib.settings import Settings
    from provision import lambdas, retention

    gaps: list[str] = []
    logs = client("logs")
    for name in retention.log_group_names(stage):
        found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
                 if g["logGroupName"] == name]
        if not found:
            gaps.append(f"로그 그룹 {name}가 없어요 (보존 기간 없이 만들어져요)")
        elif found[0].get("retentionInDays") != retention.LOG_RETENTION_DAYS:
            gaps.append(f"로그 그룹 {name}의 보존 기간이 {found[0].get('retentionInDays')}일이에요 "
                        f"({retention.LOG_RETENTION_DAYS}일이어야 해요)")
    if event_bucket:
        rules = {r.get("ID"): r for r in retention.current_rules(client("s3"), event_bucket)}
        for rule_id in (retention.LOG_RULE, retention.EXPORT_RULE):
            rule = rules.get(rule_id)
            if rule is None or rule.get("Status") != "Enabled" or not (
                    rule.get("Expiration") or {}).get("Days"):
                gaps.append(f"버킷 {event_bucket}에 수명 주기 규칙 {rule_id}가 없어요")
        log_rule = rules.get(retention.LOG_RULE) or {}
        if (log_rule.get("Filter") or {}).get("Prefix") != (log_key or Settings.event_log_key):
            gaps.append(f"수명 주기 규칙 {retention.LOG_RULE}가 등록 로그를 가리키지 않아요")
    else:
        gaps.append("함수에 EVENT_BUCKET이 없어 버킷 수명 주기를 확인할 수 없어요")
    events = client("events")
    # Chalice names it <app>-<stage>-<function>-event.
    rule_name = lambdas.schedule_rule_name(stage, "erase_personal_data")
    try:
        rule = events.describe_rule(Name=rule_name)
    except Exception:  # noqa: BLE001 - a missing rule is a gap
        gaps.append(f"개인정보 파기 일정 {rule_name}이 없어요")
    else:
        targets = [t["Arn"] for t in events.list_targets_by_rule(Rule=rule_name)["Targets"]]
        if rule.get("ScheduleExpression") != "rate(1 hour)" or sweep_arn not in targets:
            gaps.append(f"개인정보 파기 일정 {rule_name}이 매시간 erase_personal_data를 "
                        "부르지 않아요")
    return gaps


def _index_gaps(client: Callable[[str], Any], stage_resources: Any) -> list[str]:
    """The table has every index the admin list queries, with its keys, ACTIVE
    (an older table gets them from provisioning's UpdateTable)."""
    from chalicelib.lifecycle import indexes

    name = stage_resources.get("table").name
    try:
        table = client("dynamodb").describe_table(TableName=name)["Table"]
    except Exception:  # noqa: BLE001 - reported as a gap
        return [f"테이블 {name}이 없어요"]
    have = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
    gaps = []
    for index in indexes.INDEXES:
        found = have.get(index.name)
        if found is None:
            gaps.append(f"테이블에 인덱스 {index.name}가 없어요")
        elif found["KeySchema"] != index.definition()["KeySchema"]:
            gaps.append(f"인덱스 {index.name}의 키가 달라요")
        elif found.get("IndexStatus", "ACTIVE") != "ACTIVE":
            gaps.append(f"인덱스 {index.name}가 아직 준비되지 않았어요")
    return gaps


def _state_machine_gaps(client: Callable[[str], Any], stage_resources: Any) -> list[str]:
    """Each state machine's tasks reach the stage's own queues and table, and
    its role may call them (their ARNs from the catalogue)."""
    from provision import resources

    sfn, sqs, iam = (client(s) for s in ("stepfunctions", "sqs", "iam"))
    gaps = []
    queues = {q.name: q for q in stage_resources.of_kind("queue")}
    table = stage_resources.get("table")
    for machine in stage_resources.of_kind("state-machine"):
        name = machine.name
        try:
            found = sfn.describe_state_machine(stateMachineArn=machine.arn)
        except Exception:  # noqa: BLE001
            gaps.append(f"상태 머신 {name}이 없어요")
            continue
        role = _role_policy(iam, found["roleArn"])
        for state_name, state in _task_states(json.loads(found["definition"])):
            params = state.get("Parameters", {})
            resource = state.get("Resource", "")
            if ":sqs:" in resource:
                url = params.get("QueueUrl", "")
                queue = queues.get(url.rsplit("/", 1)[-1])
                if queue is None or queue.retired or not _listed(sqs, url, queue.name):
                    gaps.append(f"{name}/{state_name}: 스테이지의 큐가 아니에요 ({url})")
                elif not _allows(role, "sqs:SendMessage", queue.arn or ""):
                    gaps.append(f"{name}의 역할에 sqs:SendMessage ({queue.name}) 권한이 없어요")
            if ":dynamodb:" in resource:
                used = params.get("TableName", "")
                if used != table.name or not resources.present(client, table):
                    gaps.append(f"{name}/{state_name}: 스테이지의 테이블이 아니에요 ({used})")
                action = "dynamodb:" + resource.rsplit(":", 1)[-1].split(".")[0]
                if not _allows(role, action.replace("updateItem", "UpdateItem").replace(
                        "putItem", "PutItem").replace("getItem", "GetItem"), table.arn or ""):
                    gaps.append(f"{name}의 역할에 {action} ({used}) 권한이 없어요")
    return gaps


def _listed(sqs: Any, url: str, name: str) -> bool:
    """The task's queue URL is the queue the stage has under that name."""
    return url in sqs.list_queues(QueueNamePrefix=name).get("QueueUrls", [])


def _task_states(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, state in definition.get("States", {}).items():
        if state.get("Type") == "Task":
            found.append((name, state))
        for branch in state.get("Branches", []):
            found.extend(_task_states(branch))
        if "Iterator" in state:
            found.extend(_task_states(state["Iterator"]))
    return found


def _connect_gaps(client: Callable[[str], Any], stage: str, instance_id: str,
                  fn_arn: Callable[[str], str]) -> list[str]:
    from provision import connect

    con = client("connect")
    arn = fn_arn(connect.HANDLER)
    gaps = []
    if arn not in con.list_lambda_functions(InstanceId=instance_id)["LambdaFunctions"]:
        gaps.append("Connect 인스턴스에 등록 함수가 연결되지 않았어요")
    flows = con.list_contact_flows(InstanceId=instance_id)["ContactFlowSummaryList"]
    flow = next((f for f in flows if f["Name"] == connect.flow_name(stage)), None)
    if flow is None:
        gaps.append(f"Connect 연락 흐름 {connect.flow_name(stage)}가 없어요")
    elif arn not in con.describe_contact_flow(InstanceId=instance_id, ContactFlowId=flow["Id"])[
            "ContactFlow"]["Content"]:
        gaps.append("Connect 연락 흐름이 등록 함수를 부르지 않아요")
    return gaps


def leftovers(client: Callable[[str], Any], stage: str, event_bucket: str,
              connect_instance_id: str | None = None,
              east: Callable[[str], Any] | None = None) -> list[str]:
    """Everything of the stage still in the emulator, service by service
    (``east``: us-east-1, where the WAF web ACL and its alarm live)."""
    from chalicelib import names
    from provision import connect

    prefix = names.prefix(stage)

    def ours(name: str) -> bool:
        return name == prefix or name.startswith(prefix + "-")

    found: list[str] = []
    lam = client("lambda")
    found += [f"Lambda {f['FunctionName']}" for f in lam.list_functions()["Functions"]
              if ours(f["FunctionName"])]
    found += [f"ESM {m['UUID']}" for m in lam.list_event_source_mappings()["EventSourceMappings"]
              if ours(m.get("FunctionArn", "").rsplit(":", 1)[-1])
              or ours(m.get("EventSourceArn", "").rsplit(":", 1)[-1])]
    found += [f"IAM role {r['RoleName']}" for r in client("iam").list_roles()["Roles"]
              if ours(r["RoleName"])]
    found += [f"REST API {a['id']}" for a in client("apigateway").get_rest_apis()["items"]
              if a.get("name") == names.APP_NAME]
    found += [f"HTTP API {a['Name']}" for a in client("apigatewayv2").get_apis()["Items"]
              if ours(a["Name"])]
    found += [f"Lex bot {b['botName']}" for b in
              client("lexv2-models").list_bots().get("botSummaries", []) if ours(b["botName"])]
    found += [f"state machine {m['name']}" for m in
              client("stepfunctions").list_state_machines()["stateMachines"] if ours(m["name"])]
    found += [f"queue {u.rsplit('/', 1)[-1]}" for u in
              client("sqs").list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])]
    found += [f"bucket {b['Name']}" for b in client("s3").list_buckets().get("Buckets", [])
              if ours(b["Name"]) or b["Name"] == event_bucket]
    found += [f"table {t}" for t in client("dynamodb").list_tables()["TableNames"] if ours(t)]
    found += [f"user pool {p['Name']}" for p in client("cognito-idp").list_user_pools(
        MaxResults=60).get("UserPools", []) if ours(p["Name"])]
    found += [f"SSM {p['Name']}" for p in client("ssm").describe_parameters()["Parameters"]
              if p["Name"].startswith(f"/{names.APP_NAME}/{stage}/")]
    found += [f"alarm {a['AlarmName']}" for a in client("cloudwatch").describe_alarms(
        AlarmNamePrefix=prefix)["MetricAlarms"]]
    found += [f"SNS topic {t['TopicArn']}" for t in client("sns").list_topics()["Topics"]
              if ours(t["TopicArn"].rsplit(":", 1)[-1])]
    found += [f"log group {g['logGroupName']}" for g in client("logs").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]]
    found += rehearse_privilege.leftovers(client, stage)
    from provision import cloudfront, waf

    cf = client("cloudfront")
    found += [f"CloudFront distribution {d['Id']}" for d in (cf.list_distributions().get(
        "DistributionList", {}).get("Items", []) or []) if d.get("Comment") == cloudfront.comment(
        stage)]
    if cloudfront.find_headers_policy(cf, stage):
        found.append(f"CloudFront response headers policy {cloudfront.policy_name(stage)}")
    if east is not None:
        if waf.find_acl(east("wafv2"), stage):
            found.append(f"WAF web ACL {waf.acl_name(stage)}")
        found += [f"alarm {a['AlarmName']} (us-east-1)" for a in east(
            "cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]]
        found += [f"SNS topic {t['TopicArn']}" for t in east("sns").list_topics()["Topics"]
                  if ours(t["TopicArn"].rsplit(":", 1)[-1])]
    found += [f"EventBridge rule {r['Name']}" for r in client("events").list_rules(
        NamePrefix=prefix).get("Rules", []) if ours(r["Name"])]
    found += catalogue_leftovers(client, stage, event_bucket, east is not None)
    if connect_instance_id:
        con = client("connect")
        found += [f"Connect flow {f['Name']}" for f in con.list_contact_flows(
            InstanceId=connect_instance_id)["ContactFlowSummaryList"]
            if f["Name"] == connect.flow_name(stage)]
        found += [f"Connect association {a}" for a in con.list_lambda_functions(
            InstanceId=connect_instance_id)["LambdaFunctions"]
            if ours(a.rsplit(":", 1)[-1])]
    return found


# -- the run --------------------------------------------------------------------

def copy_project(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        src = PROJECT_DIR / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=IGNORED)
        elif src.is_file():
            shutil.copy2(src, target / name)  # mtimes kept: make sees nothing to rebuild
    return target


def emulator_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("STAGE", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                        "MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update({"AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION, "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    env.pop("EVENT_BUCKET_NAME", None)
    return env


def make(target: str, project: Path, env: dict[str, str], *args: str) -> str:
    venv = PROJECT_DIR / ".venv"
    # One virtualenv for every clone, taken as up to date: a clone's files are
    # newer than its stamp, and installing again would cost minutes.
    cmd = ["make", "--no-print-directory", "-C", str(project), "-o", f"{venv}/.installed",
           target, f"STAGE={STAGE}", f"VENV={venv}", *args]
    print(f"$ make {target} STAGE={STAGE} {' '.join(args)}  ({project.name})".rstrip(),
          flush=True)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    out = done.stdout + done.stderr
    if done.returncode:
        print(out)
        raise SystemExit(f"리허설 실패: `make {target} STAGE={STAGE}`가 "
                         f"{done.returncode}로 끝났어요 (위 출력).")
    return out


def _git(*args: str, cwd: Path = PROJECT_DIR, env: dict[str, str] | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=True).stdout.strip()


def snapshot() -> str:
    """A commit of the working tree as it is (tracked and new files, ignored
    ones left out), made with a temporary index: the checkout's HEAD, index
    and files stay as they are, and the rehearsal deploys what is on disk."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git("add", "-A", ".", env=env)
        tree = _git("write-tree", env=env)
    env = {**os.environ, "GIT_AUTHOR_NAME": "rehearsal", "GIT_AUTHOR_EMAIL": "rehearsal@localhost",
           "GIT_COMMITTER_NAME": "rehearsal", "GIT_COMMITTER_EMAIL": "rehearsal@localhost"}
    return _git("commit-tree", tree, "-m", "rehearsal snapshot", env=env)


def fresh_clone(commit: str, target: Path) -> Path:
    """What a teammate or CI has: a fresh `git clone`, nothing else."""
    _git("clone", "--quiet", "--no-checkout", str(PROJECT_DIR), str(target))
    _git("checkout", "--quiet", commit, cwd=target)
    return target


def dirty(project: Path) -> list[str]:
    """`git status --porcelain` of a clone: what a command changed or added
    outside .gitignore."""
    return [line for line in _git("status", "--porcelain", cwd=project).splitlines() if line]


def deployed_urls(client: Callable[[str], Any], stage: str) -> dict[str, str]:
    """The addresses the API function was given: the partner links' and the pages'."""
    from provision import lambdas

    env = client("lambda").get_function_configuration(
        FunctionName=lambdas.function_name(stage, lambdas.API_HANDLER)).get(
        "Environment", {}).get("Variables", {})
    return {k: env.get(k, "") for k in ("CONFIRM_BASE_URL", "WEB_URL", "PUBLIC_URL")}


def duplicates(client: Callable[[str], Any], app: Any, stage: str) -> list[str]:
    """More than one of what the stage has one of (a second clone's deploy
    used to add a REST API and double the mappings)."""
    from chalicelib import names
    from provision import http_api

    counts = {
        "REST API": sum(1 for a in client("apigateway").get_rest_apis()["items"]
                        if a.get("name") == names.APP_NAME),
        "HTTP API": sum(1 for a in client("apigatewayv2").get_apis()["Items"]
                        if a["Name"] == http_api.api_name(stage)),
        "이벤트 소스 연결": len(client("lambda").list_event_source_mappings()[
            "EventSourceMappings"]),
    }
    from chalice.app import DynamoDBEventConfig, SQSEventConfig

    mapped = [e for e in app.event_sources if isinstance(e, (SQSEventConfig,
                                                             DynamoDBEventConfig))]
    wanted = {"REST API": 1, "HTTP API": 1, "이벤트 소스 연결": len(mapped)}
    return [f"{what}가 {counts[what]}개예요 ({n}개여야 해요)"
            for what, n in wanted.items() if counts[what] != n]


def main() -> int:
    import boto3

    from devstack.emulator import Emulator
    from devstack.ports import free_port
    from provision import stage_state

    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="partnerline-rehearsal-"))
    (PROJECT_DIR / "test-artifacts").mkdir(exist_ok=True)
    emulator = Emulator(free_port(), str(PROJECT_DIR / "test-artifacts" / "rehearsal-emulator.log"))
    try:
        commit = snapshot()
        first, second = (fresh_clone(commit, root / name) for name in ("clone-a", "clone-b"))
        emulator.start()
        env = emulator_env(emulator.url)
        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing", region_name=REGION)
        os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
                                               "AWS_SHARED_CREDENTIALS_FILE")})
        client = _clients(session)
        east = _clients(session, "us-east-1")
        instance = client("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED", InstanceAlias="partnerline-rehearsal",
            InboundCallsEnabled=True, OutboundCallsEnabled=False)["Id"]
        connect_arg = f"CONNECT_INSTANCE_ID={instance}"
        make("deploy", first, env, connect_arg)
        # The Lambda package's build cache (ignored by git, as CI would cache
        # it): the second clone skips only the wheel downloads.
        cache = first / ".chalice" / "deployments"
        if cache.is_dir():
            shutil.copytree(cache, second / ".chalice" / "deployments")
        # Another teammate's fresh clone: the same stage, updated in place.
        again = make("deploy", second, env, connect_arg)
        gaps = []
        if "완료: 바뀐 것이 없습니다." not in again.split("chalice_cli")[0]:
            gaps.append("두 번째 클론의 `make deploy` 준비 단계가 무언가를 바꿨어요 "
                        "(같은 스테이지를 그대로 이어받지 못했어요)")
        account = client("sts").get_caller_identity()["Account"]
        app = load_app(second, session)
        gaps += check_wiring(client, app, STAGE, account, runtime(second), instance)
        gaps += duplicates(client, app, STAGE)
        urls = deployed_urls(client, STAGE)
        gaps += front_door_gaps(client, east, STAGE, urls)
        if f"고객 채팅        {urls.get('PUBLIC_URL')}/" not in again:
            gaps.append("`make deploy`가 끝에 채팅 주소(HTTPS)를 알려 주지 않았어요")
        for clone in (first, second):
            gaps += [f"{clone.name}: `make deploy`가 바꾼 파일 {line}" for line in dirty(clone)]
        bucket = stage_state.load_env(client("ssm"), STAGE).get("EVENT_BUCKET", "")
        make("destroy", second, env, connect_arg)
        again = make("destroy", second, env, connect_arg)
        if "완료: 지울 것이 없습니다." not in again:
            gaps.append("두 번째 `make destroy`가 무언가를 지웠어요 (멱등이 아니에요)")
        gaps += [f"남은 리소스: {r}" for r in leftovers(client, STAGE, bucket, instance, east)]
        if (second / ".chalice" / "deployed" / f"{STAGE}.json").exists():
            gaps.append(".chalice/deployed 기록이 남았어요")
        gaps += [f"{second.name}: `make destroy`가 바꾼 파일 {line}" for line in dirty(second)]
    finally:
        emulator.stop()
        shutil.rmtree(root, ignore_errors=True)
    seconds = time.monotonic() - started
    if gaps:
        print(f"리허설 실패 ({len(gaps)}건, {seconds:.1f}초):")
        for gap in gaps:
            print(f"  - {gap}")
        return 1
    print(f"리허설 통과: 두 클론에서 배포, 연결 확인, 깨끗한 작업 트리, 삭제 2회, 남은 리소스 없음 "
          f"({seconds:.1f}초).")
    return 0


def load_app(project: Path, session: Any = None) -> Any:
    """The app as deployed for the stage (queue names follow STAGE), loaded
    under its own module name: the process's ``app`` module (another stage's
    queue names) stays as it was, and so does STAGE."""
    import importlib.util

    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    saved = os.environ.get("STAGE")
    os.environ["STAGE"] = STAGE
    # The stream ARN comes from what the stage stores in its account
    # (another stage's, from this process's environment, would name the
    # wrong table's stream).
    import boto3

    from provision import stage_state

    stream = os.environ.pop("REGISTRATION_STREAM_ARN", None)
    stored = stage_state.stored_environment(
        STAGE, session or boto3.session.Session(region_name=REGION)).get(
        "REGISTRATION_STREAM_ARN")
    if stored:
        os.environ["REGISTRATION_STREAM_ARN"] = stored
    try:
        spec = importlib.util.spec_from_file_location(f"_rehearsed_app_{STAGE}",
                                                      project / "app.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        if saved is None:
            os.environ.pop("STAGE", None)
        else:
            os.environ["STAGE"] = saved
        os.environ.pop("REGISTRATION_STREAM_ARN", None)
        if stream is not None:
            os.environ["REGISTRATION_STREAM_ARN"] = stream
    return module.app


def runtime(project: Path) -> str:
    from provision.chalice_cli import DEFAULT_RUNTIME

    config = json.loads((project / ".chalice" / "config.json").read_text())
    return (config["stages"].get(STAGE, {}).get("lambda_runtime")
            or config.get("lambda_runtime") or DEFAULT_RUNTIME)


if __name__ == "__main__":
    sys.exit(main())
