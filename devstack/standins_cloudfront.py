"""Stand-in for CloudFront's response headers policies, which moto 5.2 lacks.

moto serves CloudFront distributions (origins, cache behaviours, the web ACL
id, HTTP version) but none of the ``*ResponseHeadersPolicy*`` operations the
front door needs (provision/cloudfront.py). As with the Lex and Connect
stand-ins (devstack/standins.py), nothing here is hand-shaped: CloudFront is a
rest-xml service, so every request body is read by botocore's service model of
the operation (the payload member's shape, element by element), the
parameters are checked with botocore's ``ParamValidator`` (unknown, missing or
wrongly typed ones are a 400 as in AWS), and every answer is written from the
operation's output shape. ETags work as CloudFront's: an update or delete
without the current ``If-Match`` is refused (412 PreconditionFailed).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, unquote

import botocore.session
from botocore.validate import ParamValidator

from devstack.standins import ApiError

NAMESPACE = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
OPERATIONS = ("CreateResponseHeadersPolicy", "GetResponseHeadersPolicy",
              "GetResponseHeadersPolicyConfig", "UpdateResponseHeadersPolicy",
              "DeleteResponseHeadersPolicy", "ListResponseHeadersPolicies")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def from_xml(shape: Any, elem: ET.Element) -> Any:
    """An element read as ``shape`` says (structure, list, scalar)."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        children = {_local(c.tag): c for c in elem}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if wire in children:
                out[name] = from_xml(member, children[wire])
        return out
    if kind == "list":
        item = shape.member.serialization.get("name", "member")
        return [from_xml(shape.member, c) for c in elem if _local(c.tag) == item]
    text = elem.text or ""
    if kind in ("integer", "long"):
        return int(text)
    if kind == "boolean":
        return text.strip().lower() == "true"
    return text


def to_xml(shape: Any, value: Any, name: str) -> ET.Element:
    elem = ET.Element(name)
    kind = shape.type_name
    if kind == "structure":
        for member_name, member in shape.members.items():
            if member.serialization.get("location") or member_name not in value:
                continue
            if value[member_name] is None:
                continue
            elem.append(to_xml(member, value[member_name],
                               member.serialization.get("name", member_name)))
    elif kind == "list":
        item = shape.member.serialization.get("name", "member")
        for v in value:
            elem.append(to_xml(shape.member, v, item))
    elif kind == "boolean":
        elem.text = "true" if value else "false"
    elif kind == "timestamp":
        elem.text = value.strftime("%Y-%m-%dT%H:%M:%S.000Z") if isinstance(
            value, dt.datetime) else str(value)
    else:
        elem.text = str(value)
    return elem


class CloudFrontPolicies:
    """Response headers policies, in memory, with CloudFront's ETags."""

    def __init__(self) -> None:
        self.model = botocore.session.get_session().get_service_model("cloudfront")
        self.routes: list[tuple[str, re.Pattern[str], Any]] = []
        for op_name in OPERATIONS:
            op = self.model.operation_model(op_name)
            uri = op.http["requestUri"].split("?", 1)[0]
            pattern = re.sub(r"\{([A-Za-z0-9_]+)\}", r"(?P<\1>[^/]+)", uri)
            self.routes.append((op.http["method"], re.compile(f"^{pattern}$"), op))
        self.routes.sort(key=lambda r: -len(r[1].pattern))
        self.policies: dict[str, dict[str, Any]] = {}
        self.lock = threading.RLock()
        self.service = self  # the StandIns dispatcher's interface

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]] | None:
        for verb, regex, op in self.routes:
            found = regex.match(path)
            if verb == method and found:
                return op, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def handles(self, op_name: str) -> bool:
        return op_name in OPERATIONS

    def parse(self, op: Any, labels: dict[str, str], query: str, headers: dict[str, str],
              body: bytes) -> dict[str, Any]:
        shape = op.input_shape
        params: dict[str, Any] = {}
        if shape is None:
            return params
        qs = parse_qs(query, keep_blank_values=True)
        lower = {k.lower(): v for k, v in headers.items()}
        payload = shape.serialization.get("payload")
        for name, member in shape.members.items():
            where = member.serialization.get("location")
            wire = member.serialization.get("name", name)
            if where == "uri" and wire in labels:
                params[name] = labels[wire]
            elif where == "querystring" and wire in qs:
                params[name] = qs[wire][0]
            elif where == "header" and wire.lower() in lower:
                params[name] = lower[wire.lower()]
            elif name == payload and body.strip():
                try:
                    root = ET.fromstring(body)
                except ET.ParseError as exc:
                    raise ApiError(400, "MalformedXML", str(exc)) from None
                params[name] = from_xml(member, root)
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            raise ApiError(400, "InvalidArgument", report.generate_report())
        return params

    def respond(self, op: Any, result: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        status = op.http.get("responseCode", 200)
        headers = {"Content-Type": "text/xml"}
        shape = op.output_shape
        body = b""
        if shape is not None:
            payload = shape.serialization.get("payload")
            for name, member in shape.members.items():
                if member.serialization.get("location") == "header" and name in result:
                    headers[member.serialization.get("name", name)] = str(result[name])
            if payload and payload in result:
                member = shape.members[payload]
                root = to_xml(member, result[payload],
                              member.serialization.get("name", payload))
                root.set("xmlns", NAMESPACE)
                body = b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root)
        return status, headers, body

    @staticmethod
    def error_body(exc: ApiError) -> bytes:
        root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
        error = ET.SubElement(root, "Error")
        ET.SubElement(error, "Type").text = "Sender"
        ET.SubElement(error, "Code").text = exc.code
        ET.SubElement(error, "Message").text = exc.message
        ET.SubElement(root, "RequestId").text = secrets.token_hex(8)
        return ET.tostring(root)

    # -- the operations -----------------------------------------------------
    def call(self, op: Any, params: dict[str, Any], region: str) -> dict[str, Any]:
        with self.lock:
            name = op.name
            if name == "ListResponseHeadersPolicies":
                kind = params.get("Type")
                items = [] if kind == "managed" else [
                    {"Type": "custom", "ResponseHeadersPolicy": self._public(p)}
                    for p in self.policies.values()]
                return {"ResponseHeadersPolicyList": {
                    "MaxItems": int(params.get("MaxItems") or 100), "Quantity": len(items),
                    "Items": items}}
            if name == "CreateResponseHeadersPolicy":
                config = params["ResponseHeadersPolicyConfig"]
                if any(p["config"]["Name"] == config["Name"] for p in self.policies.values()):
                    raise ApiError(409, "ResponseHeadersPolicyAlreadyExists",
                                   f"policy {config['Name']} already exists")
                ident = secrets.token_hex(18)
                policy = {"Id": ident, "config": config, "etag": secrets.token_hex(7),
                          "modified": dt.datetime.now(dt.UTC)}
                self.policies[ident] = policy
                return {"ResponseHeadersPolicy": self._public(policy), "ETag": policy["etag"],
                        "Location": f"https://cloudfront.amazonaws.com/2020-05-31/"
                                    f"response-headers-policy/{ident}"}
            policy = self.policies.get(params["Id"])
            if policy is None:
                raise ApiError(404, "NoSuchResponseHeadersPolicy",
                               f"policy {params['Id']} not found")
            if name == "GetResponseHeadersPolicy":
                return {"ResponseHeadersPolicy": self._public(policy), "ETag": policy["etag"]}
            if name == "GetResponseHeadersPolicyConfig":
                return {"ResponseHeadersPolicyConfig": policy["config"], "ETag": policy["etag"]}
            if not params.get("IfMatch"):
                raise ApiError(400, "InvalidIfMatchVersion", "If-Match is required")
            if params["IfMatch"] != policy["etag"]:
                raise ApiError(412, "PreconditionFailed", "the ETag does not match")
            if name == "UpdateResponseHeadersPolicy":
                policy.update(config=params["ResponseHeadersPolicyConfig"],
                              etag=secrets.token_hex(7), modified=dt.datetime.now(dt.UTC))
                return {"ResponseHeadersPolicy": self._public(policy), "ETag": policy["etag"]}
            del self.policies[params["Id"]]  # DeleteResponseHeadersPolicy
            return {}

    @staticmethod
    def _public(policy: dict[str, Any]) -> dict[str, Any]:
        return {"Id": policy["Id"], "LastModifiedTime": policy["modified"],
                "ResponseHeadersPolicyConfig": policy["config"]}
