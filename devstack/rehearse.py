"""make rehearse: the whole deployment, rehearsed against a fresh emulator.

1. A copy of the project in a temporary directory. `make deploy` writes the
   stage's environment into .chalice/config.json, real ARNs into the policy
   files and Chalice's record into .chalice/deployed/: on a copy, the checkout
   is never touched, even when the rehearsal is interrupted half-way
   (restoring files afterwards would not survive a Ctrl-C or a crash).
2. A fresh emulator (``python -m devstack.moto_server``) on a free port, with
   an Amazon Connect instance so the Connect wiring is rehearsed too.
3. ``make deploy STAGE=dev`` twice (the real Chalice CLI through the launcher):
   the second run must be a no-op for provisioning and leave exactly one
   mapping per queue and one on the table's stream.
4. The wiring, checked from the emulator's own state (``check_wiring``).
5. ``make destroy STAGE=dev`` twice; nothing of the stage may remain
   (``leftovers``), and the second run must have nothing to delete.

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

def _clients(session: Any) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, region_name=REGION)
        return cache[service]

    return client


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
        actions = [st["Action"]] if isinstance(st["Action"], str) else st["Action"]
        resources = [st["Resource"]] if isinstance(st["Resource"], str) else st["Resource"]
        pairs.extend((a, r) for a in actions for r in resources)
    return pairs


def check_wiring(client: Callable[[str], Any], app: Any, stage: str, account: str,
                 runtime: str, connect_instance_id: str | None = None) -> list[str]:
    """Every gap between the app (routes, queue handlers) and what is deployed."""
    from chalice.app import SQSEventConfig

    from chalicelib import names
    from provision import alarms, http_api, lambdas, policies

    gaps: list[str] = []
    lam, iam = client("lambda"), client("iam")

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

    # Queue handlers: exactly one enabled mapping from their queue.
    mappings = [m for page in lam.get_paginator("list_event_source_mappings").paginate()
                for m in page["EventSourceMappings"]]
    for source in app.event_sources:
        if not isinstance(source, SQSEventConfig):
            continue
        kind = next(k for k in names.QUEUE_KINDS if source.queue.endswith("-" + k))
        queue_arn = f"arn:aws:sqs:{REGION}:{account}:{names.queue_name(kind, stage)}"
        found = [m for m in mappings if m.get("EventSourceArn") == queue_arn
                 and m.get("FunctionArn") == fn_arn(source.name)]
        if len(found) != 1:
            gaps.append(f"큐 {names.queue_name(kind, stage)} → {source.name} 연결이 "
                        f"{len(found)}개예요 (정확히 1개여야 해요)")
        elif found[0].get("State") not in (None, "Enabled", "Enabling"):
            gaps.append(f"큐 {names.queue_name(kind, stage)} 연결이 {found[0]['State']}예요")
        conf = functions.get(source.name)
        if conf is not None:
            role = _role_policy(iam, conf["Role"])
            missing = [a for a in CONSUME if not _allows(role, a, queue_arn)]
            if missing:
                gaps.append(f"함수 {conf['FunctionName']}의 역할로는 큐 "
                            f"{names.queue_name(kind, stage)}를 읽을 수 없어요 "
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
        if not _may_invoke(lam, lambdas.function_name(stage), "apigateway.amazonaws.com",
                           f"arn:aws:execute-api:{REGION}:{account}:{api['ApiId']}/*"):
            gaps.append("HTTP API가 API 함수를 호출할 권한이 없어요")
    gaps.extend(_rest_api_gaps(client, app, stage, account, fn_arn(lambdas.API_HANDLER)))

    # Each function's role allows what its policy file grants (nothing removed).
    arns = policies.Arns(stage, REGION, account, _env(functions, "EVENT_BUCKET") or "*",
                         bot_id=_env(functions, "LEX_BOT_ID") or "*",
                         alias_id=_env(functions, "LEX_BOT_ALIAS_ID") or "*")
    for handler, conf in functions.items():
        deployed = _role_policy(iam, conf["Role"])
        for action, resource in _expected_pairs(policies.document(arns, handler)):
            if not _allows(deployed, action, resource):
                gaps.append(f"함수 {conf['FunctionName']}의 역할에 {action} ({resource}) "
                            "권한이 없어요")

    gaps.extend(_state_machine_gaps(client, stage, account))
    gaps.extend(_index_gaps(client, stage))
    gaps.extend(_retention_gaps(client, stage, _env(functions, "EVENT_BUCKET"),
                                _env(functions, "EVENT_LOG_KEY"), fn_arn("erase_personal_data")))

    topic = f"arn:aws:sns:{REGION}:{account}:{alarms.topic_name(stage)}"
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

    if connect_instance_id:
        gaps.extend(_connect_gaps(client, stage, connect_instance_id, fn_arn))
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
                               f"arn:aws:execute-api:{REGION}:{account}:{api['id']}/api/GET/"):
                gaps.append("REST API가 API 함수를 호출할 권한이 없어요")
            try:
                apigw.get_stage(restApiId=api["id"], stageName="api")
            except Exception:  # noqa: BLE001
                gaps.append("REST API에 'api' 스테이지가 없어요")
            return gaps
    return [f"{stage}의 API 함수로 가는 REST API가 없어요"]


def _retention_gaps(client: Callable[[str], Any], stage: str, event_bucket: str | None,
                    log_key: str | None, sweep_arn: str) -> list[str]:
    """Personal data's retention (provision/retention.py, docs/privacy.md): a
    retention on every function's log group, the event bucket's lifecycle
    rules, and the hourly schedule of the erasure function."""
    from chalicelib import names
    from chalicelib.settings import Settings
    from provision import retention

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
    rule_name = f"{names.prefix(stage)}-erase_personal_data-event"
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


def _index_gaps(client: Callable[[str], Any], stage: str) -> list[str]:
    """The table has every index the admin list queries, with its keys, ACTIVE
    (an older table gets them from provisioning's UpdateTable)."""
    from chalicelib import names
    from chalicelib.lifecycle import indexes

    try:
        table = client("dynamodb").describe_table(TableName=names.table_name(stage))["Table"]
    except Exception:  # noqa: BLE001 - reported as a gap
        return [f"테이블 {names.table_name(stage)}이 없어요"]
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


def _state_machine_gaps(client: Callable[[str], Any], stage: str, account: str) -> list[str]:
    from chalicelib import names
    from provision.core import STEPFUNCTIONS_DIR

    sfn, sqs, ddb, iam = (client(s) for s in ("stepfunctions", "sqs", "dynamodb", "iam"))
    gaps = []
    queue_urls = {u for u in sqs.list_queues(QueueNamePrefix=names.prefix(stage)).get(
        "QueueUrls", [])}
    tables = set(ddb.list_tables()["TableNames"])
    for path in sorted(STEPFUNCTIONS_DIR.glob("*.json")):
        name = names.state_machine_name(path.stem, stage)
        arn = f"arn:aws:states:{REGION}:{account}:stateMachine:{name}"
        try:
            found = sfn.describe_state_machine(stateMachineArn=arn)
        except Exception:  # noqa: BLE001
            gaps.append(f"상태 머신 {name}이 없어요")
            continue
        role = _role_policy(iam, found["roleArn"])
        for state_name, state in _task_states(json.loads(found["definition"])):
            params = state.get("Parameters", {})
            resource = state.get("Resource", "")
            if ":sqs:" in resource:
                url = params.get("QueueUrl", "")
                queue = url.rsplit("/", 1)[-1]
                if url not in queue_urls or not queue.startswith(names.prefix(stage) + "-"):
                    gaps.append(f"{name}/{state_name}: 스테이지의 큐가 아니에요 ({url})")
                elif not _allows(role, "sqs:SendMessage",
                                 f"arn:aws:sqs:{REGION}:{account}:{queue}"):
                    gaps.append(f"{name}의 역할에 sqs:SendMessage ({queue}) 권한이 없어요")
            if ":dynamodb:" in resource:
                table = params.get("TableName", "")
                if table not in tables or table != names.table_name(stage):
                    gaps.append(f"{name}/{state_name}: 스테이지의 테이블이 아니에요 ({table})")
                action = "dynamodb:" + resource.rsplit(":", 1)[-1].split(".")[0]
                if not _allows(role, action.replace("updateItem", "UpdateItem").replace(
                        "putItem", "PutItem").replace("getItem", "GetItem"),
                        f"arn:aws:dynamodb:{REGION}:{account}:table/{table}"):
                    gaps.append(f"{name}의 역할에 {action} ({table}) 권한이 없어요")
    return gaps


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
              connect_instance_id: str | None = None) -> list[str]:
    """Everything of the stage still in the emulator, service by service."""
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
    found += [f"SSM {p['Name']}" for p in client("ssm").describe_parameters()["Parameters"]
              if p["Name"].startswith(f"/{names.APP_NAME}/{stage}/")]
    found += [f"alarm {a['AlarmName']}" for a in client("cloudwatch").describe_alarms(
        AlarmNamePrefix=prefix)["MetricAlarms"]]
    found += [f"SNS topic {t['TopicArn']}" for t in client("sns").list_topics()["Topics"]
              if ours(t["TopicArn"].rsplit(":", 1)[-1])]
    found += [f"log group {g['logGroupName']}" for g in client("logs").describe_log_groups(
        logGroupNamePrefix=f"/aws/lambda/{prefix}")["logGroups"]]
    found += [f"EventBridge rule {r['Name']}" for r in client("events").list_rules(
        NamePrefix=prefix).get("Rules", []) if ours(r["Name"])]
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
    cmd = ["make", "--no-print-directory", "-C", str(project), target, f"STAGE={STAGE}",
           f"VENV={venv}", *args]
    print(f"$ make {target} STAGE={STAGE} {' '.join(args)}".rstrip(), flush=True)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    out = done.stdout + done.stderr
    if done.returncode:
        print(out)
        raise SystemExit(f"리허설 실패: `make {target} STAGE={STAGE}`가 "
                         f"{done.returncode}로 끝났어요 (위 출력).")
    return out


def main() -> int:
    import boto3

    from devstack.emulator import Emulator
    from devstack.ports import free_port

    started = time.monotonic()
    project = Path(tempfile.mkdtemp(prefix="partnerline-rehearsal-"))
    (PROJECT_DIR / "test-artifacts").mkdir(exist_ok=True)
    emulator = Emulator(free_port(), str(PROJECT_DIR / "test-artifacts" / "rehearsal-emulator.log"))
    try:
        copy_project(project)
        emulator.start()
        env = emulator_env(emulator.url)
        session = boto3.session.Session(aws_access_key_id="testing",
                                        aws_secret_access_key="testing", region_name=REGION)
        os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_CONFIG_FILE",
                                               "AWS_SHARED_CREDENTIALS_FILE")})
        client = _clients(session)
        instance = client("connect").create_instance(
            IdentityManagementType="CONNECT_MANAGED", InstanceAlias="partnerline-rehearsal",
            InboundCallsEnabled=True, OutboundCallsEnabled=False)["Id"]
        connect_arg = f"CONNECT_INSTANCE_ID={instance}"
        make("deploy", project, env, connect_arg)
        second = make("deploy", project, env, connect_arg)
        gaps = []
        if "완료: 바뀐 것이 없습니다." not in second.split("chalice_cli")[0]:
            gaps.append("두 번째 `make deploy`의 준비 단계가 무언가를 바꿨어요 (멱등이 아니에요)")
        account = client("sts").get_caller_identity()["Account"]
        gaps += check_wiring(client, load_app(project), STAGE, account, runtime(project),
                             instance)
        config = json.loads((project / ".chalice" / "config.json").read_text())
        bucket = config["stages"][STAGE]["environment_variables"].get("EVENT_BUCKET", "")
        make("destroy", project, env, connect_arg)
        again = make("destroy", project, env, connect_arg)
        if "완료: 지울 것이 없습니다." not in again:
            gaps.append("두 번째 `make destroy`가 무언가를 지웠어요 (멱등이 아니에요)")
        gaps += [f"남은 리소스: {r}" for r in leftovers(client, STAGE, bucket, instance)]
        if (project / ".chalice" / "deployed" / f"{STAGE}.json").exists():
            gaps.append(".chalice/deployed 기록이 남았어요")
    finally:
        emulator.stop()
        shutil.rmtree(project, ignore_errors=True)
    seconds = time.monotonic() - started
    if gaps:
        print(f"리허설 실패 ({len(gaps)}건, {seconds:.1f}초):")
        for gap in gaps:
            print(f"  - {gap}")
        return 1
    print(f"리허설 통과: 배포 2회, 연결 확인, 삭제 2회, 남은 리소스 없음 ({seconds:.1f}초).")
    return 0


def load_app(project: Path) -> Any:
    """The app as deployed for the stage (queue names follow STAGE), loaded
    under its own module name: the process's ``app`` module (another stage's
    queue names) stays as it was, and so does STAGE."""
    import importlib.util

    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    saved = os.environ.get("STAGE")
    os.environ["STAGE"] = STAGE
    # The stream ARN comes from the project's config (another stage's, from
    # this process's environment, would name the wrong table's stream).
    stream = os.environ.pop("REGISTRATION_STREAM_ARN", None)
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
