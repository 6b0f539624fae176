"""Fault injection in the local emulator: AWS misbehaving on purpose.

Real AWS is sometimes slow, throttles, cancels a transaction on a conflict,
fails with a 5xx, or applies a write and then loses the answer (the client
times out or its connection drops, and cannot tell whether the write landed).
Code that must stay truthful under those outcomes needs tests that produce
them; this module makes moto server produce them on request.

It wraps moto's WSGI application (``DomainDispatcherApplication``), so every
fault is made on the wire: a throttle is the HTTP status and JSON/XML body the
service itself sends, and botocore parses it (and retries it) exactly as it
would AWS's. Controlled over HTTP on the emulator itself, so tests, the bench
and a developer running ``make run`` use the same switch:

    POST   /_faults        {"service": "dynamodb", "operation": "TransactWriteItems",
                            "fault": "drop", "count": 3}            -> 201 {"rules": [...]}
                           (or {"rules": [rule, ...]})
    GET    /_faults        -> {"rules": [...], "fired": {"dynamodb.TransactWriteItems.drop": 3}}
    DELETE /_faults        -> every rule gone, the tally reset
    DELETE /_faults/<id>   -> that rule gone

A rule: ``service`` (the SigV4 signing name: dynamodb, sqs, s3, states, ...;
``*`` for any), ``operation`` (the API's name, e.g. ``PutItem``; ``*`` or
absent for any), ``fault`` (one of ``FAULTS``), ``count`` (how many matching
requests it hits, then it is gone; absent = until it expires),
``probability`` (0-1, default 1: the share of matching requests it hits),
``seconds`` (``delay``: the delay; ``drop``: how long to stall before
dropping, e.g. past the client's read timeout; default 0), ``ttl`` (seconds
until the rule expires, default 300), ``code``/``status`` (override the
error's code and HTTP status), ``item`` (``conflict``: which of the
transaction's items is the conflicting one, default 0), ``match`` (a text the
request's body must contain, e.g. one employee's ID: a fault for chosen
requests only). The first live rule
that matches a request (in the order they were added) decides it.

Faults (``fault``):
- ``delay``: the request is answered normally, ``seconds`` late.
- ``drop``: the request is *applied*, then the connection is closed without
  an answer (after a stall of ``seconds``): the ambiguous outcome.
- ``throttle``: the service's own throttling error, nothing applied
  (DynamoDB ``ProvisionedThroughputExceededException`` 400, SQS
  ``RequestThrottled`` 400, S3 ``SlowDown`` 503, others ``ThrottlingException``).
- ``conflict``: DynamoDB's ``TransactionCanceledException`` with one
  ``CancellationReasons`` entry per transaction item, ``TransactionConflict``
  on item ``item`` and ``None`` on the rest, nothing applied.
- ``error``: a 500, nothing applied (DynamoDB ``InternalServerError``, S3
  ``InternalError``, others ``InternalFailure``).
"""

from __future__ import annotations

import io
import json
import random
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs

PATH = "/_faults"
FAULTS = ("delay", "drop", "throttle", "conflict", "error")
DEFAULT_TTL_SECONDS = 300.0

_CREDENTIAL = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
_DYNAMODB_TYPE = "com.amazonaws.dynamodb.v20120810#"

# (code, HTTP status) per service; the default is AWS's common error.
THROTTLE = {"dynamodb": ("ProvisionedThroughputExceededException", 400),
            "sqs": ("RequestThrottled", 400), "s3": ("SlowDown", 503)}
SERVER_ERROR = {"dynamodb": ("InternalServerError", 500), "s3": ("InternalError", 500)}
MESSAGES = {
    "ProvisionedThroughputExceededException":
        "The level of configured provisioned throughput for the table was exceeded. "
        "Consider increasing your provisioning level with the UpdateTable API.",
    "ThrottlingException": "Rate of requests exceeds the allowed throughput.",
    "RequestThrottled": "Request is throttled.",
    "SlowDown": "Please reduce your request rate.",
    "InternalServerError": "Internal server error",
    "InternalError": "We encountered an internal error. Please try again.",
    "InternalFailure": "The request processing has failed because of an unknown error.",
}


class FaultSpecError(ValueError):
    pass


@dataclass
class Rule:
    service: str
    operation: str
    fault: str
    count: int | None = None
    probability: float = 1.0
    seconds: float = 0.0
    ttl: float = DEFAULT_TTL_SECONDS
    code: str | None = None
    status: int | None = None
    item: int = 0
    match: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    fired: int = 0
    expires_at: float = 0.0

    @classmethod
    def from_spec(cls, spec: Any) -> Rule:
        if not isinstance(spec, dict):
            raise FaultSpecError("a rule is a JSON object")
        fault = spec.get("fault")
        if fault not in FAULTS:
            raise FaultSpecError(f"fault must be one of {', '.join(FAULTS)}")
        unknown = set(spec) - {"service", "operation", "fault", "count", "probability",
                               "seconds", "ttl", "code", "status", "item", "match"}
        if unknown:
            raise FaultSpecError(f"unknown fields: {', '.join(sorted(unknown))}")
        try:
            rule = cls(
                service=str(spec.get("service") or "*").lower(),
                operation=str(spec.get("operation") or "*"),
                fault=fault,
                count=None if spec.get("count") is None else int(spec["count"]),
                probability=float(spec.get("probability", 1.0)),
                seconds=float(spec.get("seconds", 0.0)),
                ttl=float(spec.get("ttl", DEFAULT_TTL_SECONDS)),
                code=None if spec.get("code") is None else str(spec["code"]),
                status=None if spec.get("status") is None else int(spec["status"]),
                item=int(spec.get("item", 0)),
                match=None if spec.get("match") is None else str(spec["match"]),
            )
        except (TypeError, ValueError) as exc:
            raise FaultSpecError(f"bad value: {exc}") from exc
        if rule.count is not None and rule.count < 1:
            raise FaultSpecError("count must be at least 1")
        if not 0.0 <= rule.probability <= 1.0:
            raise FaultSpecError("probability must be between 0 and 1")
        if rule.seconds < 0 or rule.seconds > 120 or rule.ttl <= 0:
            raise FaultSpecError("seconds must be 0-120 and ttl positive")
        rule.expires_at = time.monotonic() + rule.ttl
        return rule

    def matches(self, service: str, operation: str, body: str) -> bool:
        return (self.service in ("*", service)
                and (self.operation == "*" or self.operation.lower() == operation.lower())
                and (self.match is None or self.match in body))

    def public(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("expires_at")
        out["expiresIn"] = round(max(0.0, self.expires_at - time.monotonic()), 1)
        return out


class Faults:
    """The live rules (thread-safe: moto server answers on many threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self.fired: dict[str, int] = {}

    def add(self, specs: Iterable[Any]) -> list[Rule]:
        rules = [Rule.from_spec(s) for s in specs]
        with self._lock:
            self._rules.extend(rules)
        return rules

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.fired.clear()

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            kept = [r for r in self._rules if r.id != rule_id]
            found = len(kept) != len(self._rules)
            self._rules = kept
            return found

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            self._expire()
            return {"rules": [r.public() for r in self._rules], "fired": dict(self.fired)}

    def needs_body(self) -> bool:
        return any(r.match is not None for r in self._rules)

    def take(self, service: str, operation: str, body: str = "") -> Rule | None:
        """The rule that hits this request, counted (a count-limited rule that
        is used up is removed)."""
        if not self._rules:  # the common case: no lock, no cost
            return None
        with self._lock:
            self._expire()
            for rule in self._rules:
                if not rule.matches(service, operation, body):
                    continue
                if rule.probability < 1.0 and random.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.count is not None and rule.fired >= rule.count:
                    self._rules.remove(rule)
                key = f"{service}.{operation}.{rule.fault}"
                self.fired[key] = self.fired.get(key, 0) + 1
                return rule
        return None

    def _expire(self) -> None:
        now = time.monotonic()
        self._rules = [r for r in self._rules if r.expires_at > now]


FAULT_RULES = Faults()


# --- recognising the request ---------------------------------------------------------

def _read_body(environ: dict[str, Any]) -> bytes:
    """The request body, put back for moto to read again."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def service_of(environ: dict[str, Any]) -> str:
    """The SigV4 signing name in the credential scope (header or presigned URL)."""
    scope = environ.get("HTTP_AUTHORIZATION", "") or ""
    found = _CREDENTIAL.search(scope)
    if not found:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        credential = (query.get("X-Amz-Credential") or [""])[0]
        found = _CREDENTIAL.search("Credential=" + credential)
    return found.group(1).lower() if found else "*"


def _s3_operation(environ: dict[str, Any]) -> str:
    method = environ.get("REQUEST_METHOD", "GET")
    parts = environ.get("PATH_INFO", "/").strip("/").split("/", 1)
    has_key = len(parts) > 1 and parts[1] != ""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if has_key:
        if method == "PUT":
            return "CopyObject" if environ.get("HTTP_X_AMZ_COPY_SOURCE") else "PutObject"
        return {"GET": "GetObject", "HEAD": "HeadObject",
                "DELETE": "DeleteObject"}.get(method, "*")
    if method == "GET":
        return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(
        method, "*")


def operation_of(environ: dict[str, Any], service: str) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:  # JSON protocols: "DynamoDB_20120810.TransactWriteItems"
        return target.rsplit(".", 1)[-1]
    if service == "s3":
        return _s3_operation(environ)
    if (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        action = parse_qs(_read_body(environ).decode("utf-8", "replace")).get("Action")
        if action:  # query protocol
            return action[0]
    return "*"


# --- the answers -----------------------------------------------------------------------

def _protocol(environ: dict[str, Any], service: str) -> str:
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    return "s3" if service == "s3" else "query"


def error_response(environ: dict[str, Any], service: str, code: str, status: int,
                   message: str, extra: dict[str, Any] | None = None
                   ) -> tuple[str, list[tuple[str, str]], bytes]:
    """The service's own error shape for ``code`` (what botocore parses)."""
    request_id = uuid.uuid4().hex.upper()
    protocol = _protocol(environ, service)
    if protocol == "json":
        prefix = _DYNAMODB_TYPE if service == "dynamodb" else ""
        body: dict[str, Any] = {"__type": prefix + code, "message": message}
        body.update(extra or {})
        content_type = ("application/x-amz-json-1.0" if service == "dynamodb"
                        else "application/x-amz-json-1.1")
        headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id)]
        if service == "sqs":  # SQS's JSON protocol also names the query-era code
            side = "Sender" if status < 500 else "Receiver"
            headers.append(("x-amzn-query-error", f"{code};{side}"))
        payload = json.dumps(body).encode()
    elif protocol == "s3":
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
        payload = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>"
                   f"<Message>{message}</Message><RequestId>{request_id}</RequestId>"
                   f"</Error>").encode()
    else:
        side = "Sender" if status < 500 else "Receiver"
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
        payload = (f"<ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code>"
                   f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId>"
                   f"</ErrorResponse>").encode()
    headers.append(("Content-Length", str(len(payload))))
    return f"{status} {_REASONS.get(status, 'Error')}", headers, payload


_REASONS = {400: "Bad Request", 500: "Internal Server Error", 503: "Service Unavailable"}


def _conflict(environ: dict[str, Any], rule: Rule) -> dict[str, Any]:
    try:
        request = json.loads(_read_body(environ) or b"{}")
        items = len(request.get("TransactItems") or []) or 1
    except (ValueError, AttributeError):
        items = 1
    reasons: list[dict[str, str]] = [{"Code": "None"} for _ in range(items)]
    which = min(max(rule.item, 0), items - 1)
    reasons[which] = {"Code": "TransactionConflict",
                      "Message": "Transaction is ongoing for the item"}
    return {"CancellationReasons": reasons,
            "Message": ("Transaction cancelled, please refer cancellation reasons for "
                        f"specific reasons [{', '.join(r['Code'] for r in reasons)}]")}


def _drop_connection(environ: dict[str, Any]) -> None:
    """Close the client's connection with no answer. The dev server then sees
    a dropped connection (ConnectionAbortedError), which it ignores quietly."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    raise ConnectionAbortedError("fault injected: response dropped")


# --- the WSGI wrapper ------------------------------------------------------------------

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _json_answer(start_response: Callable[..., Any], status: str, doc: Any) -> list[bytes]:
    payload = json.dumps(doc).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(payload)))])
    return [payload]


def control(environ: dict[str, Any], start_response: Callable[..., Any],
            faults: Faults = FAULT_RULES) -> list[bytes]:
    """``/_faults``: add (POST), list (GET), clear (DELETE) the rules."""
    method = environ.get("REQUEST_METHOD", "GET")
    rest = environ.get("PATH_INFO", "")[len(PATH):].strip("/")
    if method == "GET":
        return _json_answer(start_response, "200 OK", faults.snapshot())
    if method == "DELETE":
        if rest:
            found = faults.remove(rest)
            return _json_answer(start_response, "200 OK" if found else "404 Not Found",
                                {"removed": found})
        faults.clear()
        return _json_answer(start_response, "200 OK", {"rules": []})
    if method == "POST" and not rest:
        try:
            doc = json.loads(_read_body(environ) or b"null")
            specs = doc.get("rules") if isinstance(doc, dict) and "rules" in doc else [doc]
            if not isinstance(specs, list):
                raise FaultSpecError("rules is a list")
            added = faults.add(specs)
        except (ValueError, FaultSpecError) as exc:
            return _json_answer(start_response, "400 Bad Request", {"error": str(exc)})
        return _json_answer(start_response, "201 Created",
                            {"rules": [r.public() for r in added]})
    return _json_answer(start_response, "405 Method Not Allowed", {"error": "GET, POST, DELETE"})


def wrap(app: WSGIApp, faults: Faults = FAULT_RULES) -> WSGIApp:
    """``app`` with the rules of ``faults`` applied to its requests."""

    def faulty(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PATH or path.startswith(PATH + "/"):
            return control(environ, start_response, faults)
        if not faults._rules:
            return app(environ, start_response)
        service = service_of(environ)
        operation = operation_of(environ, service)
        body = _read_body(environ).decode("utf-8", "replace") if faults.needs_body() else ""
        rule = faults.take(service, operation, body)
        if rule is None:
            return app(environ, start_response)
        if rule.fault == "delay":
            time.sleep(rule.seconds)
            return app(environ, start_response)
        if rule.fault == "drop":
            return _apply_then_drop(app, environ, rule)
        extra: dict[str, Any] | None = None
        if rule.fault == "throttle":
            code, status = THROTTLE.get(service, ("ThrottlingException", 400))
        elif rule.fault == "conflict":
            code, status = "TransactionCanceledException", 400
            extra = _conflict(environ, rule)
        else:
            code, status = SERVER_ERROR.get(service, ("InternalFailure", 500))
        code, status = rule.code or code, rule.status or status
        message = (extra or {}).pop("Message", None) or MESSAGES.get(code, code)
        if extra is not None:
            extra["Message"] = message
        status_line, headers, payload = error_response(environ, service, code, status,
                                                       message, extra)
        start_response(status_line, headers)
        return [payload]

    faulty.faults = faults  # type: ignore[attr-defined]
    return faulty


def _apply_then_drop(app: WSGIApp, environ: dict[str, Any], rule: Rule) -> Iterator[bytes]:
    def discard(*_args: Any, **_kwargs: Any) -> Callable[[bytes], None]:
        return lambda _data: None

    answer = app(environ, discard)
    try:
        for _ in answer:  # run the operation to the end: the write is applied
            pass
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()
    if rule.seconds:
        time.sleep(rule.seconds)
    _drop_connection(environ)
    yield b""  # never reached; makes this a generator the server iterates


def install() -> None:
    """Wrap moto server's dispatcher (call before moto's ``main``)."""
    from moto.moto_server import werkzeug_app

    dispatcher = werkzeug_app.DomainDispatcherApplication
    if getattr(dispatcher.__call__, "_faults", False):
        return
    original = dispatcher.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        return wrap(lambda e, s: original(self, e, s))(environ, start_response)

    __call__._faults = True  # type: ignore[attr-defined]
    dispatcher.__call__ = __call__


# --- the client side (tests, bench, a developer's shell) ---------------------------------

def inject(endpoint: str, *rules: dict[str, Any]) -> list[dict[str, Any]]:
    """Add rules on the emulator at ``endpoint``; returns them with their ids."""
    import requests

    answer = requests.post(endpoint.rstrip("/") + PATH, json={"rules": list(rules)}, timeout=5)
    if answer.status_code != 201:
        raise FaultSpecError(answer.text)
    return answer.json()["rules"]


def status(endpoint: str) -> dict[str, Any]:
    import requests

    return requests.get(endpoint.rstrip("/") + PATH, timeout=5).json()


def clear(endpoint: str) -> None:
    import requests

    requests.delete(endpoint.rstrip("/") + PATH, timeout=5).raise_for_status()


@contextmanager
def injected(endpoint: str, *rules: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """The rules live for the block; every rule is cleared after it."""
    added = inject(endpoint, *rules)
    try:
        yield added
    finally:
        clear(endpoint)

