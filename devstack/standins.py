"""Stand-ins for the ``lexv2-models`` and ``connect`` operations moto lacks
(and CloudFront's response headers policies: devstack/standins_cloudfront.py).

moto serves only part of ``lexv2-models`` (a new bot never becomes
Available, there are no locales, intents, slots, builds or versions) and of
``connect`` (instances only: no Lambda associations, no contact flows). So
provisioning's Lex step waited ten minutes and stopped, and its Connect step
could not run at all. The emulator answers those operations here, inside the
moto server process (a WSGI layer in front of moto's own app).

Nothing here is hand-shaped: every request is parsed by botocore's service
model of the operation (the URI template, query string, headers and JSON body),
its parameters are checked with botocore's ``ParamValidator`` (a parameter the
API does not take, a missing required one or a wrong type is a 400
ValidationException, as in AWS), and every answer is the stored resource
projected onto the operation's output shape, so a field the API does not
return never reaches the client. What the stand-in decides itself: resources
are ready at once (a bot is Available, a build is Built), and deleting a bot
deletes what is inside it (AWS does that asynchronously).

Requests it does not know go on to moto unchanged (Lex runtime, Connect
instances, every other service).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import string
import threading
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.validate import ParamValidator

ACCOUNT = "123456789012"
_ALNUM = string.ascii_uppercase + string.digits

# Lex V2 resource kinds: id member, the URI members that scope it, fields set at creation.
LEX_KINDS: dict[str, tuple[str, tuple[str, ...], dict[str, Any]]] = {
    "Bot": ("botId", (), {"botStatus": "Available"}),
    "BotLocale": ("localeId", ("botId", "botVersion"), {"botLocaleStatus": "NotBuilt"}),
    "SlotType": ("slotTypeId", ("botId", "botVersion", "localeId"), {}),
    "Intent": ("intentId", ("botId", "botVersion", "localeId"), {}),
    "Slot": ("slotId", ("botId", "botVersion", "localeId", "intentId"), {}),
    "BotVersion": ("botVersion", ("botId",), {"botStatus": "Available"}),
    "BotAlias": ("botAliasId", ("botId",), {"botAliasStatus": "Available"}),
}
VERBS = ("Create", "Describe", "Update", "Delete", "List")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _new_id(length: int = 10) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class RestJsonService:
    """One botocore rest-json service: routing, parsing, validation, shaping."""

    def __init__(self, name: str) -> None:
        self.model = botocore.session.get_session().get_service_model(name)
        self.routes: list[tuple[str, re.Pattern[str], Any]] = []
        for op_name in self.model.operation_names:
            op = self.model.operation_model(op_name)
            uri = op.http["requestUri"].split("?", 1)[0]
            pattern = re.sub(r"\{([A-Za-z0-9_]+)\+\}", r"(?P<\1>.+)", uri)
            pattern = re.sub(r"\{([A-Za-z0-9_]+)\}", r"(?P<\1>[^/]+)", pattern)
            self.routes.append((op.http["method"], re.compile(f"^{pattern}$"), op))
        # Literal paths first: /bots/{botId}/botlocales must not match /bots/{botId}.
        self.routes.sort(key=lambda r: -len(r[1].pattern.replace("[^/]+", "")))

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
        for verb, regex, op in self.routes:
            found = regex.match(path)
            if verb == method and found:
                return op, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def parse(self, op: Any, labels: dict[str, str], query: str, headers: dict[str, str],
              body: bytes) -> dict[str, Any]:
        shape = op.input_shape
        params: dict[str, Any] = {}
        if shape is None:
            return params
        data = json.loads(body) if body.strip() else {}
        qs = parse_qs(query, keep_blank_values=True)
        lower_headers = {k.lower(): v for k, v in headers.items()}
        for name, member in shape.members.items():
            where = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if where == "uri" and wire in labels:
                params[name] = _scalar(member, labels[wire])
            elif where == "querystring" and wire in qs:
                values = qs[wire]
                params[name] = ([_scalar(member.member, v) for v in values]
                                if member.type_name == "list" else _scalar(member, values[0]))
            elif where == "header" and wire.lower() in lower_headers:
                params[name] = _scalar(member, lower_headers[wire.lower()])
            elif where is None and wire in data:
                params[name] = data[wire]
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise ApiError(400, "ValidationException", report.generate_report())
        return params

    def respond(self, op: Any, result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        status = op.http.get("responseCode", 200)
        headers = {"Content-Type": "application/json"}
        body: dict[str, Any] = {}
        shape = op.output_shape
        if shape is not None:
            for name, member in shape.members.items():
                if name not in result:
                    continue
                where = member.serialization.get("location")
                wire = member.serialization.get("name", name)
                value = project(member, result[name])
                if value is None:
                    continue
                if where == "header":
                    headers[wire] = str(value)
                elif where == "statusCode":
                    status = int(value)
                else:
                    body[wire] = value
        return status, headers, json.dumps(body).encode()


def _scalar(shape: Any, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


def project(shape: Any, value: Any) -> Any:
    """``value`` cut to ``shape``: unknown fields dropped, timestamps as epoch seconds."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return None
        out = {}
        for name, member in shape.members.items():
            if name in value:
                projected = project(member, value[name])
                if projected is not None:
                    out[member.serialization.get("name", name)] = projected
        return out
    if kind == "list":
        return [p for p in (project(shape.member, v) for v in value) if p is not None]
    if kind == "map":
        return {k: project(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return value.timestamp() if isinstance(value, dt.datetime) else value
    return value


class LexModels:
    """lexv2-models: bots and everything in them, in memory, ready at once."""

    def __init__(self) -> None:
        self.service = RestJsonService("lexv2-models")
        self.items: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {k: {} for k in LEX_KINDS}
        self.tags: dict[str, dict[str, str]] = {}
        self.lock = threading.RLock()

    @staticmethod
    def split(op_name: str) -> tuple[str, str] | None:
        for verb in VERBS:
            if op_name.startswith(verb):
                noun = op_name[len(verb):]
                if verb == "List":
                    noun = noun[:-2] if noun.endswith("Aliases") else noun[:-1]
                if noun in LEX_KINDS:
                    return verb, noun
        return None

    def handles(self, op_name: str) -> bool:
        return op_name in ("BuildBotLocale", "TagResource", "UntagResource",
                           "ListTagsForResource") or self.split(op_name) is not None

    def call(self, op: Any, params: dict[str, Any], region: str) -> dict[str, Any]:
        with self.lock:
            name = op.name
            if name == "ListTagsForResource":
                return {"tags": dict(self.tags.get(params["resourceARN"], {}))}
            if name == "TagResource":
                self.tags.setdefault(params["resourceARN"], {}).update(params["tags"])
                return {}
            if name == "UntagResource":
                for key in params["tagKeys"]:
                    self.tags.get(params["resourceARN"], {}).pop(key, None)
                return {}
            if name == "BuildBotLocale":
                record = self._get("BotLocale", params)
                record["botLocaleStatus"] = "Built"
                record["lastBuildSubmittedDateTime"] = _now()
                return {**record, "botLocaleStatus": "Building"}
            verb, kind = self.split(name)  # type: ignore[misc]
            if verb == "List":
                return self._list(kind, params, op)
            return getattr(self, "_" + verb.lower())(kind, params, region)

    def _key(self, kind: str, params: dict[str, Any], ident: str | None = None) -> tuple[str, ...]:
        id_member, scope, _ = LEX_KINDS[kind]
        return (*(str(params[s]) for s in scope), ident or str(params[id_member]))

    def _get(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        self._check_parents(kind, params)
        found = self.items[kind].get(self._key(kind, params))
        if found is None:
            raise ApiError(404, "ResourceNotFoundException",
                           f"{kind} {params.get(LEX_KINDS[kind][0])} not found")
        return found

    def _check_parents(self, kind: str, params: dict[str, Any]) -> None:
        if kind != "Bot" and (params["botId"],) not in self.items["Bot"]:
            raise ApiError(404, "ResourceNotFoundException", f"bot {params['botId']} not found")

    def _create(self, kind: str, params: dict[str, Any], region: str) -> dict[str, Any]:
        self._check_parents(kind, params)
        id_member, _, initial = LEX_KINDS[kind]
        if kind == "BotLocale":
            ident = params["localeId"]
        elif kind == "BotVersion":
            versions = [int(k[-1]) for k in self.items[kind] if k[0] == params["botId"]]
            ident = str(max(versions, default=0) + 1)
        else:
            ident = _new_id()
        key = self._key(kind, params, ident)
        if key in self.items[kind]:
            raise ApiError(409, "ConflictException", f"{kind} {ident} already exists")
        now = _now()
        record = {**params, **initial, id_member: ident,
                  "creationDateTime": now, "lastUpdatedDateTime": now}
        self.items[kind][key] = record
        if kind == "Bot":
            self.tags[self.arn(region, "bot", ident)] = dict(params.get("botTags") or {})
        return record

    def _describe(self, kind: str, params: dict[str, Any], region: str) -> dict[str, Any]:
        return self._get(kind, params)

    def _update(self, kind: str, params: dict[str, Any], region: str) -> dict[str, Any]:
        record = self._get(kind, params)
        keep = {k: record[k] for k in ("creationDateTime", *[
            f for f in record if f.endswith("Status")]) if k in record}
        id_member = LEX_KINDS[kind][0]
        record.clear()
        record.update({**params, **keep, id_member: params[id_member],
                       "lastUpdatedDateTime": _now()})
        if kind == "BotLocale":
            record["botLocaleStatus"] = "NotBuilt"  # as in Lex: a change needs a build
        return record

    def _delete(self, kind: str, params: dict[str, Any], region: str) -> dict[str, Any]:
        record = self._get(kind, params)
        key = self._key(kind, params)
        del self.items[kind][key]
        if kind == "Bot":
            for other in LEX_KINDS:
                for k in [k for k in self.items[other] if k[0] == params["botId"]]:
                    del self.items[other][k]
            self.tags.pop(self.arn(region, "bot", params["botId"]), None)
            return {**record, "botStatus": "Deleting"}
        return {**record, **{f: "Deleting" for f in record if f.endswith("Status")}}

    def _list(self, kind: str, params: dict[str, Any], op: Any) -> dict[str, Any]:
        if kind != "Bot":
            self._check_parents(kind, params)
        _, scope, _ = LEX_KINDS[kind]
        prefix = tuple(str(params[s]) for s in scope)
        found = [r for k, r in sorted(self.items[kind].items()) if k[:len(prefix)] == prefix]
        for flt in params.get("filters") or []:
            field = flt["name"][0].lower() + flt["name"][1:]
            wanted = flt["values"]
            if flt.get("operator") == "CO":
                found = [r for r in found if any(v in str(r.get(field, "")) for v in wanted)]
            else:
                found = [r for r in found if str(r.get(field, "")) in wanted]
        list_member = next(n for n, m in op.output_shape.members.items()
                           if m.type_name == "list")
        return {**params, list_member: found}

    @staticmethod
    def arn(region: str, kind: str, ident: str) -> str:
        return f"arn:aws:lex:{region}:{ACCOUNT}:{kind}/{ident}"


class Connect:
    """connect: Lambda associations and contact flows of moto's instances."""

    OPERATIONS = ("ListLambdaFunctions", "AssociateLambdaFunction",
                  "DisassociateLambdaFunction", "ListContactFlows", "CreateContactFlow",
                  "DescribeContactFlow", "UpdateContactFlowContent", "DeleteContactFlow")

    def __init__(self) -> None:
        self.service = RestJsonService("connect")
        self.functions: dict[str, list[str]] = {}
        self.flows: dict[str, dict[str, dict[str, Any]]] = {}
        self.lock = threading.RLock()

    def handles(self, op_name: str) -> bool:
        return op_name in self.OPERATIONS

    def _instance(self, instance_id: str, region: str) -> str:
        from moto.connect.models import connect_backends

        instances = connect_backends[ACCOUNT][region].instances
        if instance_id not in instances:
            raise ApiError(404, "ResourceNotFoundException",
                           f"instance {instance_id} not found")
        return instances[instance_id].arn

    def call(self, op: Any, params: dict[str, Any], region: str) -> dict[str, Any]:
        with self.lock:
            instance = params["InstanceId"]
            instance_arn = self._instance(instance, region)
            functions = self.functions.setdefault(instance, [])
            flows = self.flows.setdefault(instance, {})
            name = op.name
            if name == "ListLambdaFunctions":
                return {"LambdaFunctions": list(functions)}
            if name == "AssociateLambdaFunction":
                if params["FunctionArn"] in functions:
                    raise ApiError(409, "ResourceConflictException", "already associated")
                functions.append(params["FunctionArn"])
                return {}
            if name == "DisassociateLambdaFunction":
                if params["FunctionArn"] not in functions:
                    raise ApiError(404, "ResourceNotFoundException", "not associated")
                functions.remove(params["FunctionArn"])
                return {}
            if name == "CreateContactFlow":
                if any(f["Name"] == params["Name"] for f in flows.values()):
                    raise ApiError(409, "DuplicateResourceException", "flow exists")
                json.loads(params["Content"])  # AWS refuses content that is not JSON
                flow_id = secrets.token_hex(16)
                arn = f"{instance_arn}/contact-flow/{flow_id}"
                flows[flow_id] = {**params, "Id": flow_id, "Arn": arn, "State": "ACTIVE",
                                  "Status": params.get("Status", "PUBLISHED")}
                return {"ContactFlowId": flow_id, "ContactFlowArn": arn}
            if name == "ListContactFlows":
                types = params.get("ContactFlowTypes")
                return {"ContactFlowSummaryList": [
                    {**f, "ContactFlowType": f["Type"], "ContactFlowState": f["State"],
                     "ContactFlowStatus": f["Status"]}
                    for f in flows.values() if not types or f["Type"] in types]}
            flow = flows.get(params["ContactFlowId"])
            if flow is None:
                raise ApiError(404, "ResourceNotFoundException", "contact flow not found")
            if name == "DescribeContactFlow":
                return {"ContactFlow": flow}
            if name == "UpdateContactFlowContent":
                json.loads(params["Content"])
                flow["Content"] = params["Content"]
                return {}
            del flows[params["ContactFlowId"]]  # DeleteContactFlow
            return {}


_SIGNING = re.compile(r"Credential=[^/]+/[^/]+/([^/]+)/([^/]+)/")


class StandIns:
    """WSGI: the operations above here, everything else to moto's app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.services: dict[str, Any] = {"lex": LexModels(), "connect": Connect()}
        self._lock = threading.Lock()

    def _service(self, name: str) -> Any:
        # CloudFront's model is loaded on its first request only: every other
        # request of the emulator pays nothing for it.
        if name == "cloudfront" and name not in self.services:
            with self._lock:
                if name not in self.services:
                    from devstack.standins_cloudfront import CloudFrontPolicies

                    self.services[name] = CloudFrontPolicies()
        return self.services.get(name)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        found = _SIGNING.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = self._service(found.group(2)) if found else None
        if service is not None:
            route = service.service.match(environ["REQUEST_METHOD"],
                                          environ.get("PATH_INFO", ""))
            if route is not None and service.handles(route[0].name):
                return self._handle(service, route, found.group(1), environ, start_response)
        return self.app(environ, start_response)

    def _handle(self, service: Any, route: tuple[Any, dict[str, str]], region: str,
                environ: dict[str, Any], start_response: Any) -> list[bytes]:
        op, labels = route
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        try:
            params = service.service.parse(op, labels, environ.get("QUERY_STRING", ""),
                                           headers, body)
            status, out_headers, out = service.service.respond(
                op, service.call(op, params, region))
        except ApiError as exc:
            status, out = exc.status, json.dumps({"message": exc.message}).encode()
            out_headers = {"Content-Type": "application/json", "x-amzn-ErrorType": exc.code}
            if hasattr(service, "error_body"):  # rest-xml (CloudFront)
                out, out_headers = service.error_body(exc), {"Content-Type": "text/xml"}
        start_response(f"{status} X", [*out_headers.items(),
                                       ("Content-Length", str(len(out)))])
        return [out]


def install() -> None:
    """Put the stand-ins in front of every app moto's server creates."""
    from moto.moto_server import werkzeug_app

    cls = werkzeug_app.DomainDispatcherApplication
    if getattr(cls, "_stand_ins", False):
        return
    original = cls.__call__
    stand_ins: dict[str, StandIns] = {}

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if "app" not in stand_ins:
            stand_ins["app"] = StandIns(lambda e, s: original(self, e, s))
        return stand_ins["app"](environ, start_response)

    cls.__call__ = __call__
    cls._stand_ins = True
