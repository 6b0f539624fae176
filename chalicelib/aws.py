"""Lazily created, cached AWS clients.

boto3 is imported on first use, not at import time, so that a cold start that
never touches AWS (input validation errors, health of a warm container) pays
nothing for it. ``AWS_ENDPOINT_URL`` (honoured by botocore itself) points every
client at the local emulator.
"""

from __future__ import annotations

import contextvars
import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chalicelib import settings

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}
# One session for every client: each new session loads botocore's endpoint and
# model files again (measured: three clients from three sessions cost about
# twice three from one). Sessions are not thread-safe, so it is only used
# under ``_lock``; the clients it makes are.
_session: Any = None

# Tight limits where a person is waiting on the other end; the defaults of
# botocore (60 s reads, legacy retries) would blow Connect's 8 s budget and the
# chat's 3 s promise. ``total_max_attempts`` counts the first try: botocore's
# ``max_attempts`` in a Config means *retries* (2 would be 3 calls).
PROFILES: dict[str, dict[str, Any]] = {
    "default": {"connect_timeout": 2, "read_timeout": 5,
                "retries": {"mode": "standard", "total_max_attempts": 3}},
    "interactive": {"connect_timeout": 1, "read_timeout": 2,
                    "retries": {"mode": "standard", "total_max_attempts": 2}},
    "llm": {"connect_timeout": 2, "read_timeout": 10,
            "retries": {"mode": "standard", "total_max_attempts": 2}},
    # A caller on the phone: Connect waits 8 s for the whole function.
    "caller": {"connect_timeout": 0.5, "read_timeout": 1.5,
               "retries": {"mode": "standard", "total_max_attempts": 2}},
    "caller_once": {"connect_timeout": 0.5, "read_timeout": 1.0,
                    "retries": {"mode": "standard", "total_max_attempts": 1}},
    # An HTTP route: the answer (a Korean 503 at worst) is promised within 3 s
    # when AWS is unreachable or stalls, so one call gives up after 2.3 s at
    # worst (worst_case_seconds; with the short tries below, 3.0 s; a stall
    # as measured: 1.6 s, 2.0 s with them).
    # Inside a route, "default" and "interactive" clients are made with this
    # profile (see serving_route).
    "api": {"connect_timeout": 0.25, "read_timeout": 0.8,
            "retries": {"mode": "standard", "total_max_attempts": 2}},
    # After an outage in a route, its last calls (see serving_route).
    "api_last": {"connect_timeout": 0.15, "read_timeout": 0.2,
                 "retries": {"mode": "standard", "total_max_attempts": 1}},
}
# Profiles a route's calls give way to "api" (their worst case is longer).
ROUTE_PROFILES = {"default": "api", "interactive": "api"}
# Services whose callers keep their own deadline (Lex: chalicelib/nlu/lex.py).
OWN_DEADLINE = frozenset({"lexv2-runtime"})
# Calls a request may still make after an outage, each one short try: the
# check whether an answer landed and the compensation that follows it.
CALLS_AFTER_OUTAGE = 2


def worst_case_seconds(profile: str) -> float:
    """How long one call with this profile can take before it gives up."""
    p = PROFILES[profile]
    attempts = p["retries"]["total_max_attempts"]
    return attempts * (p["connect_timeout"] + p["read_timeout"]) + 0.2 * (attempts - 1)


@dataclass
class RouteCalls:
    """What the AWS calls of the HTTP request being served did: the write
    operations it started (their outcome may be unknown after an outage) and
    the first outage it met."""

    writes: list[str] = field(default_factory=list)
    outage: BaseException | None = None
    after_outage: int = 0  # calls made after it (at most CALLS_AFTER_OUTAGE)


_route: contextvars.ContextVar[RouteCalls | None] = contextvars.ContextVar(
    "route_calls", default=None)


@contextmanager
def serving_route() -> Iterator[RouteCalls]:
    """The AWS calls made in this block serve an HTTP request: clients with the
    "api" profile. Once one call met an outage, a second stalled call would
    break the 3 s promise: the next CALLS_AFTER_OUTAGE calls (the look whether
    an answer landed, the compensation such as giving a claimed link back) get
    one short try each ("api_last"), and any further call fails at once."""
    calls = RouteCalls()
    token = _route.set(calls)
    try:
        yield calls
    finally:
        _route.reset(token)


def route_calls() -> RouteCalls | None:
    return _route.get()


class ServiceUnreachable(Exception):
    """An AWS call not made because an earlier one in this request met an outage."""


_READS = ("Get", "Describe", "List", "Query", "Scan", "BatchGet", "Head")


def _before_call(model: Any = None, **_: Any) -> None:
    calls = _route.get()
    if calls is None:
        return
    name = model.name if model is not None else ""
    is_write = not name.startswith(_READS)
    if calls.outage is not None:
        if calls.after_outage >= CALLS_AFTER_OUTAGE:
            raise ServiceUnreachable(name)
        calls.after_outage += 1
    if is_write:
        calls.writes.append(name)


def _after_call_error(exception: BaseException | None = None, **_: Any) -> None:
    calls = _route.get()
    if calls is not None and calls.outage is None and exception is not None \
            and is_outage(exception):
        calls.outage = exception


def _after_call(parsed: Any = None, **_: Any) -> None:
    # A throttle or 5xx after the retries comes back as a parsed error.
    calls = _route.get()
    if calls is None or calls.outage is not None or not isinstance(parsed, dict):
        return
    if _is_unavailable_answer(parsed):
        calls.outage = ServiceUnreachable(str(parsed.get("Error", {}).get("Code", "")))


def client(service: str, profile: str = "default", region: str | None = None) -> Any:
    """The cached client for ``service``; ``region`` only where a service must be
    reached outside the function's own region (SMS: see ``sms_region``).
    Within ``serving_route`` the slow profiles give way to "api"."""
    calls = _route.get()
    if calls is not None and service not in OWN_DEADLINE:
        profile = "api_last" if calls.outage is not None else ROUTE_PROFILES.get(profile,
                                                                                 profile)
    key = (service, profile, region)
    found = _clients.get(key)
    if found is not None:
        return found
    global _session
    with _lock:
        found = _clients.get(key)
        if found is None:
            import boto3
            from botocore.config import Config

            if _session is None:
                _session = boto3.session.Session()
            # A copy: botocore normalizes the retries dict it is given in place.
            config = Config(max_pool_connections=50, **copy.deepcopy(PROFILES[profile]))
            found = _session.client(service, config=config, region_name=region)
            found.meta.events.register("before-call", _before_call)
            found.meta.events.register("after-call", _after_call)
            found.meta.events.register("after-call-error", _after_call_error)
            if service == "s3":
                expect_bucket_owner(found, lambda: settings.current().event_bucket_owner)
            _clients[key] = found
        return found


def sms_region() -> str:
    """Where SMS go out: SNS does not send SMS from every region (not from
    Seoul, ap-northeast-2), so the SNS client that texts uses the stage's
    ``SMS_REGION`` (default ap-northeast-1, Tokyo)."""
    return settings.current().sms_region


def reset() -> None:
    """Forget cached clients and the session (tests that switch endpoints,
    credentials or stub clients)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


# Error codes AWS services answer when they shed load or fail inside (after botocore's own
# retries: the caller should come back later).
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
    "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
    "EC2ThrottledException", "ServiceUnavailable", "ServiceUnavailableException",
    "InternalServerError", "InternalFailure", "InternalError",
})


def _is_unavailable_answer(response: dict[str, Any]) -> bool:
    code = str((response.get("Error") or {}).get("Code", ""))
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
    return bool(code) and (code in THROTTLING_CODES or int(status) >= 500)


def is_outage(exc: BaseException) -> bool:
    """AWS could not be reached, stalled, dropped the connection, or still
    throttled/failed with a 5xx after the retries: come back later. (Not an
    answer about the request itself, such as a failed condition.)"""
    if isinstance(exc, ServiceUnreachable):
        return True
    from botocore import exceptions as bx

    if isinstance(exc, (bx.ConnectionError, bx.HTTPClientError)):
        # EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError,
        # ConnectionClosedError, ProxyConnectionError ...
        return True
    if isinstance(exc, bx.ClientError):
        return _is_unavailable_answer(exc.response or {})
    return False


# ``ExpectedBucketOwner`` on every S3 call a client makes.
#
# S3 names buckets globally: a bucket called like ours in another account would
# take our registration log. With the bucket owner condition S3 refuses (403)
# any request whose bucket belongs to another account than the one named
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-owner-condition.html).
# The parameter is added to every operation whose input has it (all object
# operations and most bucket ones; not CreateBucket or ListBuckets), so no call
# site can forget it. The app takes the account from its settings
# (``EVENT_BUCKET_OWNER``, written by provisioning); provisioning from STS.
BUCKET_OWNER_PARAMETER = "ExpectedBucketOwner"


def expect_bucket_owner(client: Any, owner: Callable[[], str | None]) -> Any:
    """Have ``client`` (an S3 client) name ``owner()`` on each call that can."""

    def add(params: dict[str, Any], model: Any = None, **_: Any) -> None:
        if (model is None or BUCKET_OWNER_PARAMETER not in model.input_shape.members
                or BUCKET_OWNER_PARAMETER in params):
            return
        account = owner()
        if account:
            params[BUCKET_OWNER_PARAMETER] = account

    client.meta.events.register("provide-client-params.s3", add,
                                unique_id="partnerline-expected-bucket-owner")
    return client
