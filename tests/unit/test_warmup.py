"""In Lambda each function loads its modules and clients at init; outside
Lambda `import app` loads no AWS SDK. Each case imports ``app`` in a fresh
interpreter, as Lambda's runtime does, and reports what was loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import secrets, warmup
from provision import lambdas

PROJECT_DIR = Path(__file__).resolve().parents[2]
REPORT = """\
import json, sys
import app
from chalicelib import aws
try:
    import snapshot_restore_py
    hooks = [f.__module__ + "." + f.__name__ for f, _, _ in snapshot_restore_py.get_after_restore()]
except ImportError:
    hooks = None
import gc
print(json.dumps({"clients": sorted(list(k[:2]) for k in aws._clients),
                  "frozen": gc.get_freeze_count(), "collecting": gc.isenabled(),
                  "boto3": "boto3" in sys.modules,
                  "modules": sorted(m for m in sys.modules if m.startswith("chalicelib")),
                  "hooks": hooks}))
"""


def import_app(**env: str) -> dict:
    """``import app`` in a fresh interpreter; the endpoint is a closed port,
    so an AWS call at init would fail the import's report."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("AWS_LAMBDA_FUNCTION_NAME", "_HANDLER", "AWS_ENDPOINT_URL")}
    base.update({"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})
    done = subprocess.run([sys.executable, "-c", REPORT], cwd=PROJECT_DIR,
                          env={**base, **env}, capture_output=True, text=True, timeout=60,
                          check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def in_lambda(handler: str, **env: str) -> dict:
    return import_app(AWS_LAMBDA_FUNCTION_NAME=lambdas.function_name("dev", handler),
                      _HANDLER=f"app.{'app' if handler == lambdas.API_HANDLER else handler}",
                      **env)


def test_outside_lambda_import_app_loads_no_sdk_and_no_client():
    got = import_app()
    assert got["boto3"] is False
    assert got["clients"] == []
    assert "chalicelib.registration" not in got["modules"]
    assert got["frozen"] == 0 and got["collecting"] is True


def test_every_deployed_function_has_a_plan():
    assert set(warmup.PLAN) == {"app", *lambdas.HANDLERS}


@pytest.mark.parametrize("handler, module, clients", [
    ("connect_event_registration", "chalicelib.registration", [["dynamodb", "caller"]]),
    ("handle_registration_log", "chalicelib.registration",
     [["dynamodb", "default"], ["s3", "default"]]),
    ("handle_customer_notification", "chalicelib.notify", [["dynamodb", "default"]]),
])
def test_in_lambda_the_function_loads_its_modules_and_clients_at_init(handler, module, clients):
    got = in_lambda(handler, NOTIFIER_BACKEND="template")
    assert module in got["modules"]
    assert got["clients"] == clients


def test_in_lambda_what_init_built_is_frozen_out_of_the_collectors_reach():
    """No full collection walks botocore's models during init or after it;
    the collector is back on for the calls."""
    got = in_lambda("handle_customer_notification", NOTIFIER_BACKEND="template")
    assert got["collecting"] is True
    assert got["frozen"] > 10_000  # the modules, the service model, the client


def test_the_api_function_loads_the_chat_path_and_its_nlu_backend():
    got = in_lambda(lambdas.API_HANDLER, NLU_BACKEND="lex")
    assert "chalicelib.chat.intake" in got["modules"]
    assert "chalicelib.nlu.lex" in got["modules"]
    assert got["clients"] == [["dynamodb", "api"], ["lexv2-runtime", "interactive"],
                              ["stepfunctions", "api"]]


def test_settings_decide_the_backend_and_secret_clients():
    """Bedrock only with the Bedrock notifier; SSM only where the secret is a
    parameter name (AWS stages), not a value (local)."""
    got = in_lambda("handle_customer_notification", NOTIFIER_BACKEND="bedrock")
    assert ["bedrock-runtime", "llm"] in got["clients"]
    direct = in_lambda("handle_partner_link", LINK_SIGNING_KEYS="k:v")
    assert ["ssm", "default"] not in direct["clients"]
    param = in_lambda("handle_partner_link", LINK_SIGNING_KEYS="",
                      LINK_SIGNING_KEYS_PARAM="/partnerline/dev/A")
    assert ["ssm", "default"] in param["clients"]
    # The roster's S3 client only where a roster is configured.
    assert ["s3", "caller_once"] not in in_lambda("connect_event_registration",
                                                  EMPLOYEE_ROSTER_KEY="")["clients"]
    assert ["s3", "caller_once"] in in_lambda("connect_event_registration",
                                              EMPLOYEE_ROSTER_KEY="rosters/a.csv")["clients"]
    # The retention sweep: its table client only.
    assert in_lambda("erase_personal_data")["clients"] == [["dynamodb", "default"]]


def test_the_after_restore_hook_is_registered_and_drops_cached_secrets():
    got = in_lambda("erase_personal_data")
    assert got["hooks"] == ["chalicelib.warmup.after_restore"]
    secrets._cache["/partnerline/dev/LINK_SIGNING_KEYS"] = (0.0, "old")
    warmup.after_restore()
    assert secrets._cache == {}


def test_a_failing_warm_up_is_left_to_the_first_call(monkeypatch):
    def broken(service, profile="default"):
        raise RuntimeError("no region")

    monkeypatch.setattr(warmup.aws, "client", broken)
    env = {"AWS_LAMBDA_FUNCTION_NAME": "partnerline-dev-handle_registration_log",
           "_HANDLER": "app.handle_registration_log"}
    assert warmup.at_init(env) is False
    assert warmup.at_init({}) is False
