"""docs/openapi.json describes app.py's HTTP routes, no more and no fewer: the
same paths and methods, the admin token exactly where app.py's middleware
asks for it (every /api/admin/ path), every path parameter named, and a valid OpenAPI 3 document."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
from openapi_spec_validator import validate

from tests.conftest import PROJECT_DIR

DOC = json.loads((PROJECT_DIR / "docs" / "openapi.json").read_text(encoding="utf-8"))
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def load_app():
    """app.py under a name of its own: importing it as ``app`` before the
    stack's environment exists would leave that module cached for the
    integration tests (its stream ARN is read at import)."""
    spec = importlib.util.spec_from_file_location("app_routes_for_openapi",
                                                  PROJECT_DIR / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


app = load_app()


def documented() -> dict[tuple[str, str], dict]:
    return {(path, method.upper()): op for path, item in DOC["paths"].items()
            for method, op in item.items() if method in METHODS}


def routed() -> dict[tuple[str, str], object]:
    return {(path, method): entry for path, methods in app.app.routes.items()
            for method, entry in methods.items()}


def test_it_is_a_valid_openapi_document():
    validate(DOC)


def test_every_route_is_documented_and_nothing_else():
    missing = sorted(set(routed()) - set(documented()))
    extra = sorted(set(documented()) - set(routed()))
    assert not missing, f"routes of app.py missing from docs/openapi.json: {missing}"
    assert not extra, f"docs/openapi.json names routes app.py does not have: {extra}"


@pytest.mark.parametrize("key", sorted(routed()), ids=lambda k: f"{k[1]} {k[0]}")
def test_the_admin_token_and_path_parameters_match(key):
    entry, op = routed()[key], documented()[key]
    assert bool(op.get("security")) == key[0].startswith("/api/admin/")
    assert entry.authorizer is None  # the middleware checks; no Lambda authorizer
    named = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
    assert named == set(re.findall(r"{(\w+)}", key[0]))
