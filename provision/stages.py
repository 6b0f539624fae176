"""What differs between stages, beyond names derived from the stage."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
CONFIG_PATH = PROJECT_DIR / ".chalice" / "config.json"

# ``settings``: what the stage chooses differently from the product's defaults
# (the fields of chalicelib/settings.py's Settings) -- the one hand-written source
# of a stage's settings. Provisioning writes them, with the names of what it
# created (PROVISIONED), into the stage's ``environment_variables`` in
# .chalice/config.json, where Chalice gives them to every function: that section
# is generated (a unit test fails on a hand edit); change a stage here and run
# the provisioning step again.
STAGES: dict[str, dict[str, Any]] = {
    "local": {"event_bucket": "axcl-local", "max_receive_count": 3, "aws": False,
              "settings": {"NLU_BACKEND": "local", "NOTIFIER_BACKEND": "template",
                           # An example line (web/config.js shows the same).
                           "OPERATOR_PHONE": "02-0000-0000", "OPERATOR_HOURS": "매일 9시~18시"}},
    # snapstart: Lambda SnapStart on the functions, set by `--after-deploy`
    # (provision/snapstart.py; docs/deploy.md says what it costs).
    # sms_monthly_spend_limit_usd: SNS's MonthlySpendLimit in the SMS region, with
    # an alarm at 80 % (provision/sms_spend.py); it must fit the account's maximum.
    "dev": {"event_bucket": "axcl-dev", "max_receive_count": 5, "aws": True, "settings": {},
            "snapstart": False, "sms_monthly_spend_limit_usd": 1},
    # mfa_required: operators sign in with a TOTP code too (provision/cognito.py).
    "prod": {"event_bucket": "axcl", "max_receive_count": 5, "aws": True, "settings": {},
             "snapstart": False, "sms_monthly_spend_limit_usd": 20, "mfa_required": True},
}

# The local stage on this machine (`make run`, the tests, scripts run with
# ``--stage local``): the emulator every local process talks to and what
# `make run` gives every process beyond ``STAGES["local"]["settings"]``; it
# takes each LOCAL_RUN_SETTINGS value (and PORT, LOCAL_AWS_PORT) from its
# environment over the one here. The one place these are written down.
LOCAL_STAGE = "local"
LOCAL_REGION = "ap-northeast-2"
LOCAL_PORT = 8000       # chalice local (PORT)
LOCAL_AWS_PORT = 4566   # the emulator (LOCAL_AWS_PORT), as the contract names it
LOCAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
LOCAL_RUN_SETTINGS = {
    "PARTNER_TIMEOUT_SECONDS": "300", "LINK_TTL_SECONDS": "600", "REMINDER_SECONDS": "180",
    # One client's new chat requests per minute (chalicelib/chat/client_limits.py).
    "REQUESTS_PER_MINUTE_PER_CLIENT": "30",
}


def local_aws(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The local emulator's endpoint, credentials and region; values already
    in ``environ`` win (AWS_ENDPOINT_URL for another emulator, e.g. LocalStack)."""
    environ = dict(os.environ if environ is None else environ)
    port = environ.get("LOCAL_AWS_PORT") or str(LOCAL_AWS_PORT)
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", **LOCAL_CREDENTIALS,
           "AWS_DEFAULT_REGION": LOCAL_REGION, "AWS_REGION": LOCAL_REGION}
    return {key: environ.get(key) or value for key, value in env.items()}


# The variables provisioning writes from what it created or found.
PROVISIONED = ("STAGE", "TABLE_NAME", "EVENT_BUCKET", "WEB_BUCKET", "WEB_URL", "API_URL",
               "EVENT_BUCKET_OWNER", "PARTNER_CONFIRMATION_ARN", "LEX_BOT_ID", "LEX_BOT_ALIAS_ID",
               "LINK_SIGNING_KEYS_PARAM", "CONFIRM_BASE_URL",
               "SMS_REGION", "ALARMS_TOPIC_ARN", "REGISTRATION_STREAM_ARN",
               "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID")

# Overrides the event bucket's name for one run (`make deploy EVENT_BUCKET=...`).
EVENT_BUCKET_OVERRIDE = "EVENT_BUCKET_NAME"

# Chalice's default when a stage names no lambda_timeout.
CHALICE_DEFAULT_TIMEOUT = 60


def options(stage: str) -> dict[str, Any]:
    if stage not in STAGES:
        raise SystemExit(f"알 수 없는 스테이지입니다: {stage} (local, dev, prod 중 하나)")
    return STAGES[stage]


def settings(stage: str) -> dict[str, str]:
    """The stage's own choices, as environment variables."""
    return dict(options(stage)["settings"])


def load_config(path: Path = CONFIG_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def event_bucket(stage: str, config: dict[str, Any] | None = None) -> str:
    """The event log's bucket: the override, else the stage's EVENT_BUCKET in
    .chalice/config.json, else the stage's default (S3 names are global, so a
    default may belong to someone else: then this setting is the way out)."""
    override = os.environ.get(EVENT_BUCKET_OVERRIDE, "").strip()
    if override:
        return override
    config = config if config is not None else load_config()
    configured = (config.get("stages", {}).get(stage, {})
                  .get("environment_variables", {}).get("EVENT_BUCKET"))
    return configured or options(stage)["event_bucket"]


def function_timeout(stage: str, function: str, config: dict[str, Any] | None = None) -> int:
    """One function's Lambda timeout in the stage (its own, else the stage's)."""
    config = config or load_config()
    section = config.get("stages", {}).get(stage, {})
    base = section.get("lambda_timeout", config.get("lambda_timeout", CHALICE_DEFAULT_TIMEOUT))
    return section.get("lambda_functions", {}).get(function, {}).get("lambda_timeout", base)


# Each queue's consuming function (app.py's @app.on_sqs_message handlers).
QUEUE_HANDLERS = {"partner-links": "handle_partner_link",
                  "customer-notify": "handle_customer_notification"}
# Queues whose failed delivery must come back soon: the partner's SMS waits on
# a crashed link handler's redelivery (issue 13 item 6: within 30 s in prod).
# Their visibility is the handler's timeout plus this margin -- Lambda only
# requires visibility >= the function's timeout -- instead of AWS's advised
# 6x (advice for throttled batches; a throttled receive here just comes back
# sooner, counted towards maxReceiveCount).
PROMPT_REDELIVERY_MARGIN = 5
PROMPT_REDELIVERY = ("partner-links",)
VISIBILITY_FACTOR = 6  # AWS's advice for queues behind Lambda


def queue_visibility(kind: str, stage: str, config: dict[str, Any] | None = None) -> int:
    """The visibility timeout provisioning gives ``kind``'s queue."""
    if kind in PROMPT_REDELIVERY:
        return function_timeout(stage, QUEUE_HANDLERS[kind], config) + PROMPT_REDELIVERY_MARGIN
    return VISIBILITY_FACTOR * handler_timeout(stage, config)


def handler_timeout(stage: str, config: dict[str, Any] | None = None) -> int:
    """The longest Lambda timeout among the stage's functions."""
    config = config or load_config()
    section = config.get("stages", {}).get(stage, {})
    base = section.get("lambda_timeout", config.get("lambda_timeout", CHALICE_DEFAULT_TIMEOUT))
    per_fn = [fn.get("lambda_timeout", base)
              for fn in section.get("lambda_functions", {}).values()]
    return max([base, *per_fn])


def write_environment(stage: str, env: dict[str, str], path: Path = CONFIG_PATH) -> bool:
    """Merge ``env`` into the stage's environment_variables. True if the file changed."""
    config = load_config(path)
    section = config.setdefault("stages", {}).setdefault(stage, {})
    current = section.setdefault("environment_variables", {})
    merged = {**current, **env}
    if merged == current:
        return False
    section["environment_variables"] = dict(sorted(merged.items()))
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return True
