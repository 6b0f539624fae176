"""An API Gateway HTTP API in front of the Chalice API function (requirement 8.1).

Chalice deploys a REST API only. The HTTP API is created before the deploy (so
its address is known to the web page's config.js and to the CORS settings)
and wired to the function after it (the function must exist).

Why one route per Chalice route and no ``$default`` catch-all: with payload
format 1.0 API Gateway puts the *matched route's* path template in
``requestContext.resourcePath`` and fills ``pathParameters`` from it, and that
is exactly what Chalice's handler dispatches on. Under ``$default`` the
resource path is the raw request path (``/api/requests/abc``), which no
Chalice route matches (Chalice answers 405), and ``pathParameters`` is empty:
every route with a ``{variable}`` would fail
(tests/integration/test_provision_aws_after_deploy.py shows both). Unknown
paths get API Gateway's own 404.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from chalicelib import names
from provision import lambdas, snapstart, stages

STAGE_NAME = "$default"
PAYLOAD_FORMAT = "1.0"
PERMISSION_SID = "partnerline-http-api"

# The stage's default route throttling (apigatewayv2 DefaultRouteSettings, a
# token bucket): every route of the stage, all clients together -- HTTP APIs
# have no per-client throttling (no usage plans; AWS WAF does not attach to
# HTTP APIs). It caps what a flood can cost (Lambda, DynamoDB writes of failed
# lookups); a person chatting never comes near it. The per-client limit is
# the app's (chalicelib/chat/client_limits.py); docs/partner-confirmation.md (Abuse).
THROTTLING = {"ThrottlingBurstLimit": 100, "ThrottlingRateLimit": 50.0}


def execute_arn(region: str, account: str, api_id: str, path: str) -> str:
    """What API Gateway names as the source of an invocation (a Lambda
    permission's SourceArn): the API's id, then stage/method/path."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/{path}"


def api_name(stage: str) -> str:
    return f"{names.prefix(stage)}-http"


def chalice_route_keys() -> list[str]:
    """``METHOD /path`` for every route of the Chalice app, e.g. ``GET /r/{token}``."""
    if str(stages.PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(stages.PROJECT_DIR))
    app = importlib.import_module("app").app
    return sorted(f"{method} {path}" for path, methods in app.routes.items()
                  for method in methods)


def _cors(prov: Any) -> dict[str, Any]:
    # The pages and the API share the CloudFront front door's origin; only it
    # is allowed (before the distribution exists: the S3 website's).
    from provision import cloudfront, web

    origin = cloudfront.public_url(prov) or web.website_url(
        prov.env.get("WEB_BUCKET") or prov.web_bucket_name(), prov.region)
    return {"AllowOrigins": [origin], "AllowMethods": ["GET", "POST"],
            "AllowHeaders": ["authorization", "content-type", "x-customer-token",
                             "idempotency-key"], "MaxAge": 600}


def _find_api(apigw: Any, name: str) -> dict[str, Any] | None:
    kwargs: dict[str, Any] = {}
    while True:
        page = apigw.get_apis(**kwargs)
        for item in page.get("Items", []):
            if item["Name"] == name:
                return item
        if not page.get("NextToken"):
            return None
        kwargs["NextToken"] = page["NextToken"]


def ensure_api(prov: Any) -> str:
    """The HTTP API and its auto-deployed ``$default`` stage; returns its URL."""
    apigw = prov.client("apigatewayv2")
    name = api_name(prov.stage)
    cors = _cors(prov)
    api = _find_api(apigw, name)
    if api is None:
        api = apigw.create_api(Name=name, ProtocolType="HTTP", CorsConfiguration=cors,
                               Description=f"{names.APP_NAME} {prov.stage}: HTTP API "
                                           "in front of the Chalice API function")
        prov.changed(f"HTTP API {name}")
    elif _normal(api.get("CorsConfiguration", {})) != _normal(cors):
        apigw.update_api(ApiId=api["ApiId"], CorsConfiguration=cors)
        prov.changed(f"HTTP API {name}: CORS")
    api_id = api["ApiId"]
    stages_ = {s["StageName"]: s for s in apigw.get_stages(ApiId=api_id).get("Items", [])}
    if STAGE_NAME not in stages_:
        apigw.create_stage(ApiId=api_id, StageName=STAGE_NAME, AutoDeploy=True,
                           DefaultRouteSettings=dict(THROTTLING))
        prov.changed(f"HTTP API {name}: stage {STAGE_NAME} (auto-deploy, throttling "
                     f"{THROTTLING['ThrottlingRateLimit']:g}/s, burst "
                     f"{THROTTLING['ThrottlingBurstLimit']})")
    else:
        _keep_stage(prov, apigw, api_id, name, stages_[STAGE_NAME])
    url = api.get("ApiEndpoint") or (
        f"https://{api_id}.execute-api.{prov.region}.amazonaws.com")
    prov.env["API_URL"] = url
    prov.http_api_id = api_id
    return url


def throttling_of(stage: dict[str, Any]) -> dict[str, Any]:
    settings = stage.get("DefaultRouteSettings") or {}
    return {k: settings.get(k) for k in THROTTLING}


def _keep_stage(prov: Any, apigw: Any, api_id: str, name: str, stage: dict[str, Any]) -> None:
    """An existing stage: auto-deploy and the throttling put back if changed."""
    changes: dict[str, Any] = {}
    if not stage.get("AutoDeploy"):
        changes["AutoDeploy"] = True
    if throttling_of(stage) != THROTTLING:
        # DefaultRouteSettings is replaced as a whole: keep its other fields.
        changes["DefaultRouteSettings"] = {**(stage.get("DefaultRouteSettings") or {}),
                                           **THROTTLING}
    if changes:
        apigw.update_stage(ApiId=api_id, StageName=STAGE_NAME, **changes)
        prov.changed(f"HTTP API {name}: " + ", ".join(
            {"AutoDeploy": "auto-deploy", "DefaultRouteSettings": "throttling"}[k]
            for k in changes))


PLACEHOLDER_HOSTS = (".example", "example.com", "localhost", "127.0.0.1")


def is_placeholder_url(url: str | None) -> bool:
    """No URL, or one that reaches nothing a partner could open."""
    if not url or not url.startswith("https://"):
        return True
    host = url[len("https://"):].split("/", 1)[0].split(":", 1)[0]
    return any(host == h.lstrip(".") or host.endswith(h) for h in PLACEHOLDER_HOSTS)


def _normal(cors: dict[str, Any]) -> dict[str, Any]:
    return {k: sorted(v) if isinstance(v, list) else v for k, v in cors.items()}


ADMIN_PREFIX = "/api/admin/"
AUTHORIZER_SUFFIX = "operators"


def authorizer_name(stage: str) -> str:
    return f"{names.prefix(stage)}-{AUTHORIZER_SUFFIX}"


def jwt_configuration(prov: Any) -> dict[str, Any]:
    """The operators' pool and app client (provision/cognito.py): API Gateway
    checks the access token's signature (the issuer's JWKS), ``iss``, expiry
    and -- access tokens have no ``aud`` -- ``client_id`` against Audience."""
    from provision import cognito

    if not prov.env.get("COGNITO_USER_POOL_ID"):
        cognito.ensure(prov)
    pool_id, client_id = prov.env["COGNITO_USER_POOL_ID"], prov.env["COGNITO_CLIENT_ID"]
    return {"Audience": [client_id],
            "Issuer": f"https://cognito-idp.{pool_id.split('_', 1)[0]}.amazonaws.com/{pool_id}"}


def find_authorizer(apigw: Any, api_id: str, stage: str) -> dict[str, Any] | None:
    """The operators' authorizer, found through the admin routes that use it
    (GetAuthorizers, the list call, is not in the emulator; a route names its
    authorizer's id in both)."""
    for route in apigw.get_routes(ApiId=api_id).get("Items", []):
        if route.get("AuthorizationType") == "JWT" and route.get("AuthorizerId"):
            found = apigw.get_authorizer(ApiId=api_id, AuthorizerId=route["AuthorizerId"])
            if found.get("Name") == authorizer_name(stage):
                return found
    return None


def ensure_authorizer(prov: Any, apigw: Any, api_id: str) -> str:
    """The HTTP API's JWT authorizer for /api/admin/* (the function checks the
    token again, with the role: chalicelib/operators/auth.py). Found through
    its routes: a run stopped between creating it and the routes makes a new
    one next time (the old one goes with the API)."""
    name = authorizer_name(prov.stage)
    wanted = jwt_configuration(prov)
    item = find_authorizer(apigw, api_id, prov.stage)
    if item is not None:
        current = item.get("JwtConfiguration") or {}
        if sorted(current.get("Audience") or []) != wanted["Audience"] \
                or current.get("Issuer") != wanted["Issuer"]:
            apigw.update_authorizer(ApiId=api_id, AuthorizerId=item["AuthorizerId"],
                                    JwtConfiguration=wanted)
            prov.changed(f"HTTP API JWT authorizer {name}: pool")
        return item["AuthorizerId"]
    created = apigw.create_authorizer(
        ApiId=api_id, Name=name, AuthorizerType="JWT",
        IdentitySource=["$request.header.Authorization"], JwtConfiguration=wanted)
    prov.changed(f"HTTP API JWT authorizer {name}")
    return created["AuthorizerId"]


def _auth_of(key: str, authorizer_id: str) -> dict[str, Any]:
    if key.split(" ", 1)[-1].startswith(ADMIN_PREFIX):
        return {"AuthorizationType": "JWT", "AuthorizerId": authorizer_id}
    return {"AuthorizationType": "NONE"}


def ensure_routes(prov: Any, route_keys: list[str] | None = None) -> list[str]:
    """After `chalice deploy`: the Lambda proxy integration, the routes (the
    admin ones behind the JWT authorizer), the permission."""
    apigw = prov.client("apigatewayv2")
    api_id = getattr(prov, "http_api_id", None) or ensure_and_id(prov)
    authorizer_id = ensure_authorizer(prov, apigw, api_id)
    # The function itself, or its SnapStart alias (provision/snapstart.py).
    function_arn = snapstart.invoke_arn(prov)
    unqualified = lambdas.deployed_arn(prov)
    integration_id = None
    for item in apigw.get_integrations(ApiId=api_id).get("Items", []):
        if item.get("IntegrationUri") in (unqualified, snapstart.alias_arn(unqualified)):
            integration_id = item["IntegrationId"]
            if item.get("IntegrationUri") != function_arn:
                apigw.update_integration(ApiId=api_id, IntegrationId=integration_id,
                                         IntegrationUri=function_arn)
                prov.changed(f"HTTP API: integration → {function_arn.rsplit(':', 1)[-1]}")
            if item.get("PayloadFormatVersion") != PAYLOAD_FORMAT:
                apigw.update_integration(ApiId=api_id, IntegrationId=integration_id,
                                         PayloadFormatVersion=PAYLOAD_FORMAT)
                prov.changed("HTTP API: payload format 1.0")
            break
    if integration_id is None:
        integration_id = apigw.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn,
            PayloadFormatVersion=PAYLOAD_FORMAT, TimeoutInMillis=29000,
        )["IntegrationId"]
        prov.changed("HTTP API: Lambda proxy integration")
    target = f"integrations/{integration_id}"
    wanted = route_keys if route_keys is not None else chalice_route_keys()
    current = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api_id).get("Items", [])}
    for key in wanted:
        route = current.get(key)
        auth = _auth_of(key, authorizer_id)
        if route is None:
            apigw.create_route(ApiId=api_id, RouteKey=key, Target=target, **auth)
            prov.changed(f"HTTP API route {key}")
            continue
        if route.get("Target") != target:
            apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], Target=target)
            prov.changed(f"HTTP API route {key}: target")
        if route.get("AuthorizationType", "NONE") != auth["AuthorizationType"] \
                or route.get("AuthorizerId") != auth.get("AuthorizerId"):
            apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], **auth)
            prov.changed(f"HTTP API route {key}: " + (
                "JWT authorizer" if auth["AuthorizationType"] == "JWT" else "no authorizer"))
    for key, route in current.items():
        if key not in wanted and route.get("Target") == target:
            apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
            prov.changed(f"HTTP API route {key}: removed (no such Chalice route)")
    source = execute_arn(prov.region, prov.account_id(), api_id, "*")
    lambdas.ensure_invoke_permission(prov, lambdas.API_HANDLER, PERMISSION_SID,
                                     "apigateway.amazonaws.com", source,
                                     snapstart.qualifier(prov, lambdas.API_HANDLER))
    return wanted


def ensure_and_id(prov: Any) -> str:
    ensure_api(prov)
    return prov.http_api_id
