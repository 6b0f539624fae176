"""Resource names per stage, the one place they are spelled.

Queue names are needed when `app.py` is imported, which happens in three
places: in Lambda (the stage's environment is set), under `chalice local` or
the local dispatcher (``STAGE`` is set), and inside `chalice deploy/package`,
where no stage environment exists yet -- there the ``--stage`` argument of the
CLI is the only source, so it is read from ``sys.argv``.
"""

from __future__ import annotations

import os
import sys

APP_NAME = "partnerline"
DEFAULT_STAGE = "dev"  # Chalice's own default stage

# Logical queue kinds -> suffix of the physical name.
QUEUE_KINDS = ("partner-links", "customer-notify", "registration-log")


def _stage_from_argv(argv: list[str]) -> str | None:
    for i, arg in enumerate(argv):
        if arg == "--stage" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--stage="):
            return arg.split("=", 1)[1]
    return None


def current_stage() -> str:
    return os.environ.get("STAGE") or _stage_from_argv(sys.argv) or DEFAULT_STAGE


def prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}"


def queue_name(kind: str, stage: str | None = None) -> str:
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown queue kind: {kind}")
    return f"{prefix(stage or current_stage())}-{kind}"


def dead_letter_queue_name(kind: str, stage: str | None = None) -> str:
    return queue_name(kind, stage) + "-dlq"


def table_name(stage: str) -> str:
    return prefix(stage)


def state_machine_name(stem: str, stage: str) -> str:
    return f"{prefix(stage)}-{stem}"
