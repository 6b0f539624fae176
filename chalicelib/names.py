"""Resource names per stage, the one place they are spelled. Every name takes
the stage explicitly: where it comes from is the caller's business (the
settings inside the package; `app.py` at import)."""

from __future__ import annotations

APP_NAME = "partnerline"
DEFAULT_STAGE = "dev"  # Chalice's own default stage

# Logical queue kinds -> suffix of the physical name.
QUEUE_KINDS = ("partner-links", "customer-notify", "registration-log")


def prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}"


def queue_name(kind: str, stage: str) -> str:
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown queue kind: {kind}")
    return f"{prefix(stage)}-{kind}"


def dead_letter_queue_name(kind: str, stage: str) -> str:
    return queue_name(kind, stage) + "-dlq"


def table_name(stage: str) -> str:
    return prefix(stage)


def state_machine_name(stem: str, stage: str) -> str:
    return f"{prefix(stage)}-{stem}"
