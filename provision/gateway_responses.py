"""Korean answers for the errors API Gateway gives before our code runs.

On the REST API `chalice deploy` creates, API Gateway itself refuses some
requests: unknown paths and methods (403 ``Missing Authentication Token``),
throttling (429), integration failures (5xx); and it would refuse with 401/403
for an authorizer, though no route has one (the function checks /api/admin/*
itself, app.py). Those bodies are English and carry no
``code``, where the contract (section 3) promises ``{"code", "message"}`` in
Korean everywhere. Gateway responses replace them. They belong to the REST API,
which exists only after `chalice deploy`, and take effect with a new
deployment of its stage -- hence an after-deploy step.

The HTTP API in front of the same function (``provision.http_api``) has no
gateway responses to customise; its own refusals are only unknown routes.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import names
from chalicelib.aws import error_code
from provision import lambdas, stages

# Chalice records what it deployed here; the REST API's id is the exact answer.
DEPLOYED_DIR = stages.PROJECT_DIR / ".chalice" / "deployed"
CHALICE_DEFAULT_API_STAGE = "api"

# response type: (status, code, message). A status of None keeps the one API
# Gateway chose: the DEFAULT_* types cover many statuses (413, 415, 504, ...).
RESPONSES: dict[str, tuple[str | None, str, str]] = {
    "UNAUTHORIZED": ("401", "UNAUTHORIZED", "관리자 토큰이 필요해요. 다시 로그인해 주세요."),
    # Safety nets: no route has an authorizer (the app answers 401/403 itself).
    "ACCESS_DENIED": ("403", "FORBIDDEN", "이 요청을 처리할 권한이 없어요."),
    # No route uses IAM auth, so API Gateway says "missing token" only for a
    # path or method that does not exist: to a user that is a 404.
    "MISSING_AUTHENTICATION_TOKEN": ("404", "NOT_FOUND", "요청한 주소를 찾을 수 없어요."),
    "THROTTLED": ("429", "TOO_MANY_REQUESTS", "요청이 많아요. 잠시 후 다시 시도해 주세요."),
    "DEFAULT_4XX": (None, "BAD_REQUEST", "요청 형식이 올바르지 않아요."),
    "DEFAULT_5XX": (None, "INTERNAL_ERROR",
                    "일시적인 오류가 발생했어요. 잠시 후 다시 시도해 주세요."),
}

# The chat page runs on another origin (the S3 website): without this header a
# browser hides the gateway's answer behind a CORS error. '*' like the routes'
# own cors=True.
HEADERS = {
    "gatewayresponse.header.Content-Type": "'application/json; charset=utf-8'",
    "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
}


def template(code: str, message: str) -> str:
    # ASCII escapes (\uXXXX): VTL passes them through untouched and the body
    # stays valid JSON whatever charset a client assumes.
    return json.dumps({"code": code, "message": message})


def wanted() -> dict[str, dict[str, Any]]:
    """put_gateway_response's arguments (less the API id) for every type we set."""
    out = {}
    for kind, (status, code, message) in RESPONSES.items():
        args: dict[str, Any] = {"responseType": kind, "responseParameters": dict(HEADERS),
                                "responseTemplates": {"application/json":
                                                      template(code, message)}}
        if status is not None:
            args["statusCode"] = status
        out[kind] = args
    return out


def _comparable(response: dict[str, Any] | None) -> dict[str, Any]:
    response = response or {}
    return {"statusCode": response.get("statusCode"),
            "responseParameters": response.get("responseParameters") or {},
            "responseTemplates": response.get("responseTemplates") or {}}


def api_stage(config: dict[str, Any], stage: str) -> str:
    """The REST API stage `chalice deploy` deploys to (``api_gateway_stage``)."""
    section = config.get("stages", {}).get(stage, {})
    return section.get("api_gateway_stage",
                       config.get("api_gateway_stage", CHALICE_DEFAULT_API_STAGE))


def _recorded_id(stage: str) -> str | None:
    path = DEPLOYED_DIR / f"{stage}.json"
    if not path.is_file():
        return None
    for resource in json.loads(path.read_text(encoding="utf-8")).get("resources", []):
        if resource.get("resource_type") == "rest_api":
            return resource.get("rest_api_id")
    return None


def _invokes(apigw: Any, api_id: str, function_suffix: str) -> bool:
    pages = apigw.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"])
    for page in pages:
        for resource in page.get("items", []):
            for method in (resource.get("resourceMethods") or {}).values():
                uri = ((method or {}).get("methodIntegration") or {}).get("uri", "")
                if uri.endswith(function_suffix):
                    return True
    return False


def find_rest_api(prov: Any) -> str:
    """The id of the stage's REST API.

    Chalice names it after the app (swagger ``info.title``), the same for every
    stage, so the name alone cannot tell dev from prod in one account: first
    Chalice's own record (``.chalice/deployed/<stage>.json``), then the API of
    that name whose routes invoke this stage's function.
    """
    apigw = prov.client("apigateway")
    recorded = _recorded_id(prov.stage)
    if recorded:
        try:
            apigw.get_rest_api(restApiId=recorded)
            return recorded
        except Exception as exc:
            if error_code(exc) != "NotFoundException":
                raise
    suffix = f":function:{lambdas.function_name(prov.stage)}/invocations"
    for page in apigw.get_paginator("get_rest_apis").paginate():
        for api in page.get("items", []):
            if api.get("name") == names.APP_NAME and _invokes(apigw, api["id"], suffix):
                return api["id"]
    raise SystemExit(f"'{prov.stage}' 스테이지의 REST API({names.APP_NAME})가 없습니다. 먼저 "
                     f"`chalice deploy --stage {prov.stage}`를 실행해 주세요.")


def ensure(prov: Any) -> list[str]:
    """Put the Korean responses that differ; redeploy the stage only then.

    Returns the response types put (empty when everything was already so).
    """
    apigw = prov.client("apigateway")
    api_id = find_rest_api(prov)
    stage = api_stage(prov.config, prov.stage)
    try:
        apigw.get_stage(restApiId=api_id, stageName=stage)
    except Exception as exc:
        if error_code(exc) != "NotFoundException":
            raise
        # create_deployment would create the stage: not ours to make.
        raise SystemExit(f"REST API {api_id}에 스테이지 '{stage}'가 없습니다. "
                         f"`chalice deploy --stage {prov.stage}`를 다시 실행해 주세요.") from exc
    current = {item["responseType"]: item
               for page in apigw.get_paginator("get_gateway_responses").paginate(
                   restApiId=api_id)
               for item in page.get("items", [])}
    put = []
    for kind, args in wanted().items():
        if _comparable(current.get(kind)) != _comparable(args):
            apigw.put_gateway_response(restApiId=api_id, **args)
            put.append(kind)
    if put:
        apigw.create_deployment(restApiId=api_id, stageName=stage,
                                description="partnerline: Korean gateway responses")
        prov.changed(f"REST API {api_id}: Korean gateway responses {', '.join(put)} "
                     f"(stage {stage} redeployed)")
    return put
