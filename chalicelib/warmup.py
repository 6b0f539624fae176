"""In Lambda, each function loads its own modules and creates its AWS clients
at init rather than in its first call.

Why (figures in ``make bench``, "Cold start"): the first invocation pays the
same imports and client set-up either way, but Lambda runs init with a burst of
CPU while a call gets the memory-sized share (512 MB: under a third of a vCPU),
init is billed like a call since August 2025 so deferring saves nothing, and
with SnapStart init runs once per published version and is snapshotted.
Outside Lambda (``AWS_LAMBDA_FUNCTION_NAME`` unset: tests, ``chalice local``,
scripts) nothing here runs, so ``import app`` stays cheap.

Only imports and client objects: no AWS call at init (a call's connection
and a secret fetched before a SnapStart snapshot would be shared by every
environment restored from it). The after-restore hook drops cached secrets
anyway, so a value read before a snapshot is never served after a restore.
"""

from __future__ import annotations

import gc
import importlib
import os
from collections.abc import Mapping

from chalicelib import aws, logs, secrets

Client = tuple[str, str]  # (service, chalicelib.aws profile)

# Lambda's ``_HANDLER`` is "app.<attribute>": the attribute -> the modules its
# first call imports and the clients it makes (read off the bench's traced
# cold runs). The REST API function serves every route; it loads the chat's
# path (POST /api/requests), the first call a customer makes, and its NLU
# backend (the classifier built from lex/ locally; Lex's client in AWS).
PLAN: dict[str, tuple[tuple[str, ...], tuple[Client, ...]]] = {
    # Routes make their clients with the "api" profile (chalicelib.aws.serving_route).
    "app": (("chalicelib.chat.intake",), (("dynamodb", "api"), ("stepfunctions", "api"))),
    "connect_event_registration": (("chalicelib.registration",), (("dynamodb", "caller"),)),
    "handle_registration_log": (("chalicelib.registration",),
                                (("dynamodb", "default"), ("s3", "default"))),
    "handle_partner_link": (("chalicelib.partner",), (("dynamodb", "default"), ("sns", "default"))),
    "handle_customer_notification": (("chalicelib.notify",), (("dynamodb", "default"),)),
    "erase_personal_data": (("chalicelib.retention",), (("dynamodb", "default"),)),
}
# Clients that depend on the stage's settings rather than on the handler.
SECRET_USERS = {"handle_partner_link": "LINK_SIGNING_KEYS"}
# Made only when the setting is not empty: the registration reads the roster
# from S3 only where one is configured, and an S3 client costs about as much
# at init as the DynamoDB one (its model is the largest; "Cold start" in
# `make bench` measured registration at 1.29x its minimal handler with it).
WHEN_SET: dict[str, tuple[str, Client]] = {
    "connect_event_registration": ("EMPLOYEE_ROSTER_KEY", ("s3", "caller_once")),
}
# ``module:function`` called (no arguments) after the imports.
CALLS: dict[str, tuple[str, ...]] = {"app": ("chalicelib.nlu:backend",)}
BACKEND_CLIENTS: dict[str, tuple[str, str, Client]] = {
    "app": ("NLU_BACKEND", "lex", ("lexv2-runtime", "interactive")),
    "handle_customer_notification": ("NOTIFIER_BACKEND", "bedrock", ("bedrock-runtime", "llm")),
}


def plan(handler: str, env: Mapping[str, str]) -> tuple[tuple[str, ...], list[Client]]:
    """What the function named by ``_HANDLER`` imports and which clients it
    creates at init."""
    from chalicelib import settings

    attribute = handler.rpartition(".")[2]
    modules, clients = PLAN.get(attribute, ((), ()))
    wanted = list(clients)
    secret = SECRET_USERS.get(attribute)
    if secret and not env.get(secret) and env.get(f"{secret}_PARAM"):
        wanted.append(("ssm", "default"))
    optional = WHEN_SET.get(attribute)
    if optional and env.get(optional[0]):
        wanted.append(optional[1])
    backend = BACKEND_CLIENTS.get(attribute)
    if backend and (env.get(backend[0])
                    or getattr(settings.Settings, backend[0].lower())) == backend[1]:
        wanted.append(backend[2])
    return modules, wanted


def at_init(env: Mapping[str, str] | None = None) -> bool:
    """Load this function's modules and clients when running in Lambda; True
    if it did. A failure is logged and left to the first call, which reports
    it the way it always does."""
    env = os.environ if env is None else env
    if not env.get("AWS_LAMBDA_FUNCTION_NAME"):
        return False
    _register_restore_hook()
    modules, clients = plan(env.get("_HANDLER", ""), env)
    # The collector off while init builds what lives as long as the function
    # (modules, botocore's service models, clients), then those objects
    # frozen out of its reach: otherwise each full collection during init
    # walks the whole growing heap again (measured in "Cold start", `make
    # bench`: about a quarter of a function's init), and every later one
    # would walk these objects for nothing. gc.freeze is meant for objects
    # that live until the process ends (Python's gc docs).
    gc.disable()
    try:
        return _load(modules, clients, env)
    finally:
        gc.freeze()
        gc.enable()


def _load(modules: tuple[str, ...], clients: list[Client], env: Mapping[str, str]) -> bool:
    try:
        for module in modules:
            importlib.import_module(module)
        for call in CALLS.get(env.get("_HANDLER", "").rpartition(".")[2], ()):
            module, _, function = call.partition(":")
            getattr(importlib.import_module(module), function)()
        for service, profile in clients:
            # SMS go out through SNS in the SMS region (chalicelib.aws.sms_region).
            region = aws.sms_region() if service == "sns" else None
            aws.client(service, profile, region=region)
    except Exception as exc:  # noqa: BLE001 - init must not fail where the call would not
        logs.record("warmup_failed", level=30, error=repr(exc)[:200])
        return False
    return True


def after_restore() -> None:
    """SnapStart: a restored environment reads its secrets afresh."""
    secrets.reset()


def _register_restore_hook() -> None:
    # The library ships in Lambda's Python 3.12+ runtimes; elsewhere there is
    # no snapshot to restore from.
    try:
        from snapshot_restore_py import register_after_restore
    except ImportError:
        return
    register_after_restore(after_restore)
