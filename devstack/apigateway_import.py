"""moto's REST API import, made to take the Swagger 2.0 document Chalice sends.

`chalice deploy` creates its REST API with ``ImportRestApi`` (then
``PutRestApi`` on updates) from a Swagger 2.0 document. API Gateway takes
Swagger 2.0 and OpenAPI 3; moto 5.2 takes OpenAPI 3 only, insists on
``info.description`` (optional in both specs), and passes the integration
type on as written (Chalice writes ``aws_proxy``; API Gateway's extension is
case-insensitive, moto's ``put_integration`` compares upper-case names) and
needs a URI and method even for the MOCK integrations of CORS preflights, so
no method got an integration and ``CreateDeployment`` failed. Here the document
is handed to moto's own importer with those three differences removed; the
paths, methods and integrations are moto's own reading of it.
"""

from __future__ import annotations

import copy
import functools
from typing import Any


def for_moto(api_doc: dict[str, Any]) -> dict[str, Any]:
    """A Swagger 2.0 document as moto's OpenAPI-3-only importer reads it."""
    doc = copy.deepcopy(api_doc)
    if doc.pop("swagger", None) is not None:
        doc["openapi"] = "3.0.1"
    doc.setdefault("info", {}).setdefault("description", "")
    for methods in (doc.get("paths") or {}).values():
        for method in methods.values():
            if not isinstance(method, dict):
                continue
            integration = method.get("x-amazon-apigateway-integration")
            if integration and isinstance(integration.get("type"), str):
                integration["type"] = integration["type"].upper()
                # A MOCK integration (Chalice's CORS preflight) has neither;
                # moto's put_integration takes both as required arguments.
                integration.setdefault("uri", "")
                integration.setdefault("httpMethod", "")
    return doc


def install() -> None:
    from moto.apigateway.models import APIGatewayBackend

    if getattr(APIGatewayBackend.put_rest_api, "_swagger2", False):
        return
    original_import = APIGatewayBackend.import_rest_api
    original_put = APIGatewayBackend.put_rest_api

    @functools.wraps(original_import)
    def import_rest_api(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
        return original_import(self, for_moto(api_doc), False)

    @functools.wraps(original_put)
    def put_rest_api(self: Any, function_id: str, api_doc: dict[str, Any],
                     fail_on_warnings: bool, mode: str = "merge") -> Any:
        return original_put(self, function_id, for_moto(api_doc), False, mode)

    put_rest_api._swagger2 = True  # type: ignore[attr-defined]
    APIGatewayBackend.import_rest_api = import_rest_api
    APIGatewayBackend.put_rest_api = put_rest_api
