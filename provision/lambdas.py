"""The Lambda functions `chalice deploy` creates, and who may invoke them.

Chalice names them ``<app>-<stage>`` (the REST API handler, ``api_handler`` in
its config) and ``<app>-<stage>-<handler>`` for every other function.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.aws import error_code
from provision import resources

# Declared with the stage's other resources (provision/resources.py); the
# retention sweep (@app.schedule, hourly) is erase_personal_data.
API_HANDLER = resources.API_HANDLER
HANDLERS = resources.HANDLERS
function_name = resources.function_name


def schedule_rule_name(stage: str, handler: str) -> str:
    """The EventBridge rule Chalice makes for an @app.schedule function."""
    return f"{function_name(stage, handler)}-event"


def function_arn(region: str, account: str, stage: str, handler: str = API_HANDLER) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{function_name(stage, handler)}"


def deployed_arn(prov: Any, handler: str = API_HANDLER) -> str:
    """The function's ARN; a clear message when `chalice deploy` has not run yet."""
    name = function_name(prov.stage, handler)
    try:
        return prov.client("lambda").get_function(FunctionName=name)[
            "Configuration"]["FunctionArn"]
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise SystemExit(f"Lambda 함수 {name}가 없습니다. 먼저 "
                             f"`chalice deploy --stage {prov.stage}`를 실행해 주세요.") from exc
        raise


def ensure_invoke_permission(prov: Any, handler: str, sid: str, principal: str,
                             source_arn: str, qualifier: str | None = None) -> None:
    """Let an AWS service invoke the function (or its alias ``qualifier``),
    from one source only."""
    lam = prov.client("lambda")
    name = function_name(prov.stage, handler)
    where = {"Qualifier": qualifier} if qualifier else {}
    try:
        statements = json.loads(lam.get_policy(FunctionName=name, **where)["Policy"])[
            "Statement"]
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        statements = []
    if any(s.get("Sid") == sid for s in statements):
        return
    lam.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                       Principal=principal, SourceArn=source_arn,
                       SourceAccount=prov.account_id(), **where)
    prov.changed(f"lambda {name}{':' + qualifier if qualifier else ''}: {principal} may invoke")
