"""Least privilege proven by traces: which AWS actions each Lambda function
really calls while the tests run, checked against that function's policy file.

Recording. ``Recorder.install()`` (from ``tests/conftest.py``, for the whole
session) does two things and touches no application code:

- it marks which deployed function is running: Chalice's own entry points
  are wrapped -- the app object (``api_handler``: every route and the HTTP
  middleware), ``@app.lambda_function`` and ``@app.on_sqs_message`` handlers (by name) --
  and set a context variable while they run. Threads the code starts from a
  pool (the Lex call's deadline) inherit it, as they would inside the Lambda;
- it hooks every botocore client ``chalicelib.aws`` hands out (the one way
  the app makes clients, as ``bench/awscalls.py`` does) on
  ``before-parameter-build``, which carries the call's own parameters and
  fires once per API call, also under a ``Stubber``.

A call made while no function runs (provisioning, fixtures, tests reading the
emulator's state) is not recorded: it is not on any function's path.

Checking. Each recorded call becomes IAM terms: the action (an operation
authorised as another is mapped: ``HeadObject`` is ``s3:GetObject``, each
item of ``TransactWriteItems`` is a ``PutItem``/``UpdateItem``/...) and the
resource ARN built from the parameters (table, queue URL, bucket/key, state
machine, execution, parameter name, bot alias, model); ``*`` when the call
names none (an SMS to a phone number, a task token). The ARN is moved from the
tested ``local`` stage to the stage whose file is read (the names differ only
by the stage), then the function's ``.chalice/policy-<stage>-<function>.json``
must hold an ``Allow`` statement whose action and resource patterns match.
"""

from __future__ import annotations

import contextvars
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from chalicelib import names
from provision import lambdas, policies, secrets, stages

TESTED_STAGE = "local"
CHECKED_STAGES = ("dev", "prod")
DEFAULT_ACCOUNT = "123456789012"  # moto's account: never compared (policy files say *)

ACTIVE: Recorder | None = None  # the session's recorder (tests/conftest.py)

current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_lambda_function", default=None)

# Operations authorised as another action (per AWS's service authorization
# reference; see docs/deploy.md for the sources).
_SAME_AS = {
    ("s3", "HeadObject"): "GetObject",
    ("s3", "HeadBucket"): "ListBucket",
    ("s3", "ListObjectsV2"): "ListBucket",
    ("s3", "ListObjects"): "ListBucket",
    ("bedrock", "Converse"): "InvokeModel",
    ("bedrock", "ConverseStream"): "InvokeModelWithResponseStream",
    ("sqs", "SendMessageBatch"): "SendMessage",
    ("sqs", "DeleteMessageBatch"): "DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "ChangeMessageVisibility",
}
_TRANSACT_WRITE = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem"}

# Granted without the function's code calling it, and why.
NOT_CALLED_BY_CODE = {
    "logs:CreateLogGroup": "the Lambda service writes the function's logs with its role",
    "logs:CreateLogStream": "the Lambda service writes the function's logs with its role",
    "logs:PutLogEvents": "the Lambda service writes the function's logs with its role",
    "sqs:ReceiveMessage": "the SQS event source mapping polls with the function's role",
    "sqs:DeleteMessage": "the SQS event source mapping deletes handled messages",
    "sqs:GetQueueAttributes": "the SQS event source mapping reads the queue's attributes",
    "sqs:ChangeMessageVisibility": "the SQS event source mapping returns failed messages",
    # IAM only: HeadObject on a missing object answers 404 with ListBucket and
    # 403 without it, so the very first file could never be written.
    "s3:ListBucket": "lets a missing log file answer 404 (not 403) to HeadObject",
    "kms:Decrypt": "SSM decrypts the function's SecureString with its role (kms:ViaService)",
    "dynamodb:DescribeStream": "the table stream's event source mapping reads with the role",
    "dynamodb:GetRecords": "the table stream's event source mapping reads with the role",
    "dynamodb:GetShardIterator": "the table stream's event source mapping reads with the role",
    "dynamodb:ListStreams": "the table stream's event source mapping reads with the role",
}
@dataclass(frozen=True, order=True)
class Call:
    function: str
    action: str      # IAM action, e.g. dynamodb:PutItem
    resource: str    # ARN, or * when the call names none
    operation: str   # the API operation, e.g. dynamodb:TransactWriteItems
    region: str = ""  # where the call went (aws:RequestedRegion)
    # dynamodb:LeadingKeys, as the item's partition-key prefix ("REQ#"): the
    # policies name prefixes only ("REQ#*"), and one entry per request id would
    # grow the trace without end. "" when the call names no table key (a Query
    # on an index, DescribeTable).
    leading_key: str = ""


# -- from a call to IAM terms ---------------------------------------------------
def _queue_arn(url: str, region: str) -> str:
    parts = urlparse(url).path.strip("/").split("/")
    account, name = (parts[-2], parts[-1]) if len(parts) >= 2 else (DEFAULT_ACCOUNT, parts[-1])
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _table_arns(region: str, account: str, table: str, index: str | None = None) -> str:
    base = f"arn:aws:dynamodb:{region}:{account}:table/{table}"
    return f"{base}/index/{index}" if index else base


def iam_terms(service: str, operation: str, params: dict[str, Any], region: str,
              account: str = DEFAULT_ACCOUNT) -> list[tuple[str, str]]:
    """[(IAM action, resource ARN or *)] that one API call needs."""
    arn = f"arn:aws:{service}:{region}:{account}:"
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            out = []
            for item in params.get("TransactItems", []):
                for kind, action in _TRANSACT_WRITE.items():
                    if kind in item:
                        out.append((f"dynamodb:{action}",
                                    _table_arns(region, account, item[kind]["TableName"])))
            return out
        if operation == "TransactGetItems":
            return [("dynamodb:GetItem", _table_arns(region, account, i["Get"]["TableName"]))
                    for i in params.get("TransactItems", [])]
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [(f"dynamodb:{operation}", _table_arns(region, account, t))
                    for t in params.get("RequestItems", {})]
        if "TableName" in params:
            return [(f"dynamodb:{operation}", _table_arns(
                region, account, params["TableName"], params.get("IndexName")))]
        return [(f"dynamodb:{operation}", "*")]
    action = f"{service}:{_SAME_AS.get((service, operation), operation)}"
    if service == "sqs":
        if "QueueUrl" in params:
            return [(action, _queue_arn(params["QueueUrl"], region))]
        if "QueueName" in params:
            return [(action, arn + params["QueueName"])]
    elif service == "s3":
        bucket, key = params.get("Bucket"), params.get("Key")
        if bucket and key is not None:
            return [(action, f"arn:aws:s3:::{bucket}/{key}")]
        if bucket:
            return [(action, f"arn:aws:s3:::{bucket}")]
    elif service == "states":
        for name in ("stateMachineArn", "executionArn", "activityArn"):
            if name in params:
                return [(action, params[name])]
    elif service == "ssm" and "Name" in params:
        name = params["Name"]
        return [(action, arn + "parameter" + (name if name.startswith("/") else "/" + name))]
    elif service == "lex" and "botAliasId" in params:
        return [(action, arn + f"bot-alias/{params['botId']}/{params['botAliasId']}")]
    elif service == "bedrock" and "modelId" in params:
        model = params["modelId"]
        if model.startswith("arn:"):
            return [(action, model)]
        if "." in model and model.split(".", 1)[0] in ("apac", "us", "eu", "global", "jp",
                                                       "au", "ca"):
            return [(action, arn + f"inference-profile/{model}")]
        return [(action, f"arn:aws:bedrock:{region}::foundation-model/{model}")]
    elif service == "sns" and "TopicArn" in params:
        return [(action, params["TopicArn"])]
    return [(action, "*")]


def _key_prefix(value: str) -> str:
    return value.split("#", 1)[0] + "#" if "#" in value else value


def _pk_of(key: dict[str, Any] | None) -> str:
    value = (key or {}).get("pk", {})
    return _key_prefix(value["S"]) if isinstance(value, dict) and "S" in value else ""


def _query_pk(params: dict[str, Any]) -> str:
    """The table partition key a base-table Query names (``pk = :v``)."""
    if params.get("IndexName"):
        return ""  # an index's partition key is not the table's leading key
    names = params.get("ExpressionAttributeNames", {})
    values = params.get("ExpressionAttributeValues", {})
    for name, placeholder in re.findall(r"([#\w]+)\s*=\s*(:\w+)",
                                        params.get("KeyConditionExpression", "")):
        if names.get(name, name) == "pk" and "S" in values.get(placeholder, {}):
            return _key_prefix(values[placeholder]["S"])
    return ""


def leading_keys(operation: str, params: dict[str, Any]) -> list[str]:
    """dynamodb:LeadingKeys of each IAM term ``iam_terms`` gives for the call."""
    if operation == "TransactWriteItems":
        out = []
        for item in params.get("TransactItems", []):
            for kind in _TRANSACT_WRITE:
                if kind in item:
                    body = item[kind]
                    out.append(_pk_of(body.get("Item") if kind == "Put" else body.get("Key")))
        return out
    if operation in ("GetItem", "UpdateItem", "DeleteItem"):
        return [_pk_of(params.get("Key"))]
    if operation == "PutItem":
        return [_pk_of(params.get("Item"))]
    if operation == "Query":
        return [_query_pk(params)]
    return [""]


# -- recording ------------------------------------------------------------------
class Recorder:
    HOOK_ID = "least-privilege-trace"

    def __init__(self) -> None:
        self.calls: dict[Call, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._undo: list[Any] = []

    def _on_call(self, client: Any, model: Any = None, params: Any = None,
                 **_: Any) -> None:
        function = current_function.get()
        if function is None or model is None:
            return
        service = model.service_model.signing_name
        region = client.meta.region_name or "us-east-1"
        operation = f"{model.service_model.service_id.hyphenize()}:{model.name}"
        params = dict(params or {})
        terms = iam_terms(service, model.name, params, region)
        keys = leading_keys(model.name, params) if service == "dynamodb" else []
        keys = keys if len(keys) == len(terms) else [""] * len(terms)
        with self._lock:
            for (action, resource), key in zip(terms, keys, strict=True):
                self.calls[Call(function, action, resource, operation, region, key)] += 1

    def hook(self, client: Any) -> Any:
        client.meta.events.register(
            "before-parameter-build",
            lambda **kwargs: self._on_call(client, **kwargs),
            unique_id=f"{self.HOOK_ID}-{id(self)}")
        return client

    def install(self) -> None:
        global ACTIVE
        from chalice import app as chalice_app

        from bench.awscalls import on_every_client

        def named(cls: type, name_of: Any) -> None:
            original = cls.__call__

            def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
                token = current_function.set(name_of(self))
                try:
                    return original(self, *args, **kwargs)
                finally:
                    current_function.reset(token)

            cls.__call__ = traced
            self._undo.append(lambda: setattr(cls, "__call__", original))

        # Chalice's registry knows each handler's function name (the deployed
        # Lambda's name); an app imported earlier falls back on the Python name.
        registered: dict[int, str] = {}
        register = chalice_app._HandlerRegistration._do_register_handler

        def remember(app: Any, handler_type: str, name: str, user_handler: Any,
                     wrapped_handler: Any, *args: Any, **kwargs: Any) -> Any:
            out = register(app, handler_type, name, user_handler, wrapped_handler,
                           *args, **kwargs)
            for handler_name, handler in app.handler_map.items():
                registered[id(handler)] = handler_name
            return out

        chalice_app._HandlerRegistration._do_register_handler = remember
        self._undo.append(lambda: setattr(chalice_app._HandlerRegistration,
                                          "_do_register_handler", register))

        def handler_name(handler: Any) -> str:
            if id(handler) in registered:
                return registered[id(handler)]
            func = getattr(handler, "func", handler)
            func = getattr(func, "_original_func", func)
            return getattr(handler, "name", None) or func.__name__

        named(chalice_app.Chalice, lambda _: lambdas.API_HANDLER)
        named(chalice_app.ChaliceAuthorizer, lambda a: a.name)
        named(chalice_app.LambdaFunction, handler_name)
        named(chalice_app.EventSourceHandler, handler_name)

        submit = ThreadPoolExecutor.submit

        def submit_in_context(pool: Any, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            if current_function.get() is None:
                return submit(pool, fn, *args, **kwargs)
            return submit(pool, contextvars.copy_context().run, fn, *args, **kwargs)

        ThreadPoolExecutor.submit = submit_in_context  # type: ignore[method-assign]
        self._undo.append(lambda: setattr(ThreadPoolExecutor, "submit", submit))

        hooks = on_every_client(self.hook)
        hooks.__enter__()
        self._undo.append(lambda: hooks.__exit__(None, None, None))
        ACTIVE = self

    @contextmanager
    def recorded(self) -> Iterator[dict[Call, int]]:
        """The calls made inside the block (filled in when it ends)."""
        with self._lock:
            before = dict(self.calls)
        found: dict[Call, int] = {}
        try:
            yield found
        finally:
            with self._lock:
                found.update({c: n - before.get(c, 0) for c, n in self.calls.items()
                              if n > before.get(c, 0)})

    def uninstall(self) -> None:
        global ACTIVE
        while self._undo:
            self._undo.pop()()
        ACTIVE = None


# -- checking -------------------------------------------------------------------
def _pattern(glob: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c)
                              for c in glob) + r"\Z", re.DOTALL)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


# Condition operators this code writes, per IAM's rules: a single-valued key
# must be present; ForAllValues holds when every value matches (and, as in
# IAM, when the request carries no value at all).
def _matches(operator: str, patterns: list[str], value: str) -> bool:
    if operator == "StringEquals":
        return value in patterns
    if operator == "StringLike":
        return any(_pattern(p).match(value) for p in patterns)
    raise ValueError(operator)


def _condition_holds(condition: dict[str, Any], context: dict[str, list[str]]) -> bool:
    """Every operator and key of the condition holds for the call's context
    (``aws:RequestedRegion``, ``dynamodb:LeadingKeys``). An operator or key
    this check does not know does not hold: the call is then refused."""
    for operator, keys in condition.items():
        qualifier, _, base = operator.rpartition(":")
        if base not in ("StringEquals", "StringLike") or qualifier not in ("", "ForAllValues"):
            return False
        for key, patterns in keys.items():
            values = context.get(key)
            if values is None:
                return False
            patterns = _as_list(patterns)
            if qualifier == "ForAllValues":
                if not all(_matches(base, patterns, v) for v in values):
                    return False
            elif len(values) != 1 or not _matches(base, patterns, values[0]):
                return False
    return True


def _context(region: str, leading_key: str) -> dict[str, list[str]]:
    context = {"aws:RequestedRegion": [region]}
    context["dynamodb:LeadingKeys"] = [leading_key] if leading_key else []
    return context


def _statement_matches(statement: dict[str, Any], action: str, resource: str,
                       context: dict[str, list[str]]) -> bool:
    if "Condition" in statement and not _condition_holds(statement["Condition"], context):
        return False
    if not any(_pattern(a.lower()).match(action.lower())
               for a in _as_list(statement.get("Action"))):
        return False
    return any(_pattern(r).match(resource) for r in _as_list(statement.get("Resource")))


def allows(policy: dict[str, Any], action: str, resource: str, region: str = "",
           leading_key: str = "") -> bool:
    """An Allow statement whose Action and Resource patterns match and whose
    condition, if any, holds, and no Deny statement that matches (IAM: an
    explicit deny wins). NotAction/NotResource/Principal are never written
    here; such a statement fails the check."""
    context = _context(region, leading_key)
    allowed = False
    for statement in policy.get("Statement", []):
        if set(statement) - {"Sid", "Effect", "Action", "Resource", "Condition"}:
            if statement.get("Effect") == "Deny":
                return False
            continue
        if statement.get("Effect") == "Deny":
            if _statement_matches(statement, action, resource, context):
                return False
        elif statement.get("Effect") == "Allow":
            allowed = allowed or _statement_matches(statement, action, resource, context)
    return allowed


def to_stage(resource: str, stage: str, source: str = TESTED_STAGE) -> str:
    """The same resource in another stage: every stage-named part moved."""
    moves = [(secrets.parameter_name(source, ""), secrets.parameter_name(stage, "")),
             (names.prefix(source), names.prefix(stage))]
    if resource.startswith("arn:aws:s3:::"):
        bucket, _, key = resource[len("arn:aws:s3:::"):].partition("/")
        if bucket == stages.options(source)["event_bucket"]:
            bucket = stages.options(stage)["event_bucket"]
        return "arn:aws:s3:::" + bucket + (f"/{key}" if key else "")
    for old, new in moves:
        resource = resource.replace(old, new)
    return resource


# Resources whose names carry the stage (table, queues, state machine,
# parameters, the event bucket).
_STAGE_NAMED = ("arn:aws:dynamodb:", "arn:aws:sqs:", "arn:aws:states:", "arn:aws:ssm:",
                "arn:aws:s3:::")


def of_stage(resource: str, stage: str = TESTED_STAGE) -> bool:
    """Whether a resource is the stage's own (or unnamed, ``*``). Tests that
    point a function at a missing table or another stage's queue make calls a
    deployed function never makes: those are listed, not checked."""
    if resource == "*" or not resource.startswith(_STAGE_NAMED):
        return True  # a bot alias, a model: named by settings, always checked
    bucket = "arn:aws:s3:::" + stages.options(stage)["event_bucket"]
    if resource == bucket or resource.startswith(bucket + "/"):
        return True
    return names.prefix(stage) in resource or secrets.parameter_name(stage, "") in resource


def policy_path(stage: str, function: str, chalice_dir: Path | None = None) -> Path:
    return (chalice_dir or policies.CHALICE_DIR) / policies.policy_file(stage, function)


def load_policy(stage: str, function: str, chalice_dir: Path | None = None) -> dict[str, Any]:
    return json.loads(policy_path(stage, function, chalice_dir).read_text(encoding="utf-8"))


def granted_actions(policy: dict[str, Any]) -> set[str]:
    return {a for s in policy.get("Statement", []) if s.get("Effect") == "Allow"
            for a in _as_list(s.get("Action"))}


def granted_key_prefixes(policy: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, "PREFIX#") for each partition-key prefix an Allow grants."""
    out = set()
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        keys = statement.get("Condition", {}).get("ForAllValues:StringLike", {}).get(
            "dynamodb:LeadingKeys", [])
        out |= {(a, k.rstrip("*")) for a in _as_list(statement.get("Action")) for k in keys}
    return out


def check(calls: dict[Call, int], stages_checked: tuple[str, ...] = CHECKED_STAGES,
          chalice_dir: Path | None = None) -> dict[str, Any]:
    """-> {"denied": [...], "unused": [...], "functions": {...}} for a report."""
    functions = tuple(dict.fromkeys((lambdas.API_HANDLER, *lambdas.HANDLERS)))
    denied, unused, foreign = [], [], []
    per_function: dict[str, Any] = {}
    for function in functions:
        mine = sorted(c for c in calls if c.function == function and of_stage(c.resource))
        foreign.extend({"function": function, "action": c.action, "resource": c.resource}
                       for c in sorted(calls) if c.function == function
                       and not of_stage(c.resource))
        per_function[function] = [
            {"action": c.action, "resource": c.resource, "operation": c.operation,
             "leading_key": c.leading_key, "count": calls[c]} for c in mine]
        called = {c.action for c in mine}
        for stage in stages_checked:
            policy = load_policy(stage, function, chalice_dir)
            for c in mine:
                resource = to_stage(c.resource, stage)
                if not allows(policy, c.action, resource, c.region, c.leading_key):
                    denied.append({"function": function, "stage": stage, "action": c.action,
                                   "resource": resource, "operation": c.operation,
                                   "leading_key": c.leading_key,
                                   "file": policies.policy_file(stage, function)})
            for action in sorted(granted_actions(policy) - called):
                why = NOT_CALLED_BY_CODE.get(action)
                entry = {"function": function, "stage": stage, "action": action,
                         "why": why}
                if entry not in unused:
                    unused.append(entry)
            # Each key prefix granted must be one the code used too.
            used_keys = {(c.action, c.leading_key) for c in mine}
            for action, prefix in sorted(granted_key_prefixes(policy) - used_keys):
                entry = {"function": function, "stage": stage,
                         "action": f"{action} on {prefix}*", "why": None}
                if entry not in unused:
                    unused.append(entry)
    return {"denied": denied, "unused": unused, "functions": per_function,
            "foreign": foreign, "stages": list(stages_checked)}


def render(report: dict[str, Any]) -> str:
    lines = ["Least privilege: AWS actions each function called while the tests ran",
             f"(checked against .chalice/policy-<{'|'.join(report['stages'])}>-<function>.json)",
             ""]
    for function, calls in report["functions"].items():
        lines.append(f"{function}:")
        for c in calls or []:
            key = f" {c['leading_key']}*" if c.get("leading_key") else ""
            lines.append(f"  {c['action']:32} {c['resource']}{key}  "
                         f"({c['operation']} x{c['count']})")
        if not calls:
            lines.append("  (no call recorded)")
    lines.append("")
    lines.append("NOT ALLOWED:" if report["denied"] else "Every recorded call is allowed.")
    for d in report["denied"]:
        key = f" key {d['leading_key']}*" if d.get("leading_key") else ""
        lines.append(f"  {d['function']}: {d['action']} on {d['resource']}{key} "
                     f"({d['operation']}) is not in {d['file']}")
    if report.get("foreign"):
        lines.append("")
        lines.append("Not checked: resources outside the tested stage (a test's deliberate "
                     "misconfiguration):")
        for f in report["foreign"]:
            lines.append(f"  {f['function']}: {f['action']} on {f['resource']}")
    lines.append("")
    lines.append("Granted, never called by a test (complete only for a whole-suite run):")
    seen = set()
    for u in report["unused"]:
        key = (u["function"], u["action"])
        if key in seen:
            continue
        seen.add(key)
        lines.append(f"  {u['function']}: {u['action']} -- "
                     f"{u['why'] or 'UNEXPLAINED: remove it or say why it stays'}")
    return "\n".join(lines) + "\n"
