"""Resource names per stage, the one place they are spelled. Every name takes
the stage explicitly: where it comes from is the caller's business (the
settings inside the package; `app.py` at import)."""

from __future__ import annotations

APP_NAME = "partnerline"
DEFAULT_STAGE = "dev"  # Chalice's own default stage

# Logical queue kinds -> suffix of the physical name.
QUEUE_KINDS = ("partner-links", "customer-notify")
# Queues of earlier versions: no longer created, still deleted with the stage
# (the registration log now follows the table's stream).
RETIRED_QUEUE_KINDS = ("registration-log",)


def prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}"


def queue_name(kind: str, stage: str) -> str:
    if kind not in QUEUE_KINDS + RETIRED_QUEUE_KINDS:
        raise ValueError(f"unknown queue kind: {kind}")
    return f"{prefix(stage)}-{kind}"


def dead_letter_queue_name(kind: str, stage: str) -> str:
    return queue_name(kind, stage) + "-dlq"


def table_name(stage: str) -> str:
    return prefix(stage)


def access_log_table(stage: str) -> str:
    """The operators' access record: its own table, so that the app's role can
    be allowed to append to it and nothing else (provision/policies.py)."""
    return f"{prefix(stage)}-access-log"


def state_machine_name(stem: str, stage: str) -> str:
    return f"{prefix(stage)}-{stem}"


def stream_placeholder_arn(stage: str) -> str:
    """Stands for the table's stream ARN where no stage was provisioned yet
    (`chalice package` in CI, unit tests): well-formed, never deployable."""
    return (f"arn:aws:dynamodb:ap-northeast-2:000000000000:table/{table_name(stage)}"
            "/stream/not-provisioned")
