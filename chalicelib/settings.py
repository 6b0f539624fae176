"""Settings read from the stage's environment (set by `.chalice/config.json`,
written there by the provisioning step) with the product's defaults.

Read on every access rather than frozen at import: tests and the local stack
change the environment, and a lookup in ``os.environ`` is cheap.
"""

from __future__ import annotations

import os

from chalicelib import names

DEFAULTS = {
    "EVENT_ID": "axcl",
    "EVENT_LOG_KEY": "axcl_event.txt",
    "PARTNER_TIMEOUT_SECONDS": "300",
    "LINK_TTL_SECONDS": "600",
    "CONFIRM_BASE_URL": "https://confirm.example",
    "NLU_BACKEND": "lex",
    "LEX_LOCALE_ID": "ko_KR",
    "NOTIFIER_BACKEND": "bedrock",
    "BEDROCK_MODEL_ID": "apac.anthropic.claude-haiku-4-5-20251001-v1:0",
    "LOG_LEVEL": "INFO",
    # SNS sends SMS only from some regions, Seoul not among them.
    "SMS_REGION": "ap-northeast-1",
    # Phone registration (chalicelib/registration/roster.py): are 4321 and
    # 04321 one employee (ignored) or two (significant); the optional roster
    # CSV's key in the event bucket ("" = no roster), re-checked every TTL.
    "EMPLOYEE_ID_LEADING_ZEROS": "significant",
    "EMPLOYEE_ROSTER_KEY": "",
    "EMPLOYEE_ROSTER_TTL_SECONDS": "300",
}


def get(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    if default is not None:
        return default
    if name in DEFAULTS:
        return DEFAULTS[name]
    raise KeyError(f"setting {name} is not configured for this stage")


def get_int(name: str) -> int:
    return int(get(name))


def stage() -> str:
    return names.current_stage()


def table_name() -> str:
    return get("TABLE_NAME", names.table_name(stage()))


def queue_name(kind: str) -> str:
    return names.queue_name(kind, stage())


def is_local() -> bool:
    return stage() == "local"
