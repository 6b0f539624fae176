"""Give a command-line tool the same environment the app has in a stage."""

from __future__ import annotations

import importlib
import os
import socket
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlparse

from chalicelib import settings
from provision import stages

PROJECT_DIR = Path(__file__).resolve().parent.parent


def apply(stage: str) -> dict[str, str]:
    """Set the stage's environment variables (the process's own values win).
    The local stage also gets its emulator (`local_emulator`)."""
    config = stages.load_config()
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    if stage == stages.LOCAL_STAGE:
        env.update(local_emulator())
    else:
        # A deployed stage's names live in its account (provision/stage_state.py),
        # so any clone with access reaches the same table.
        from provision import stage_state

        env.update(stage_state.stored_environment(stage))
    env["STAGE"] = stage
    for key, value in env.items():
        os.environ.setdefault(key, value)
    settings.rebuild()  # this process's settings are now the stage's
    return env


def local_emulator() -> dict[str, str]:
    """Where a tool run with ``--stage local`` finds the local stack: the
    environment of the running `make run` (its emulator, the names it
    provisioned, this run's secrets; devstack/attach.py), else the emulator's
    default address (provision/stages.py). A process that already has
    AWS_ENDPOINT_URL (the tests, the stack itself) keeps its own."""
    if not os.environ.get("AWS_ENDPOINT_URL"):
        from devstack import attach

        running = attach.read_environment(attach.DEFAULT_DIR) or {}
        return {**running, **stages.local_aws({**running, **os.environ})}
    return stages.local_aws()


def say_unreachable(what: str, exc: BaseException) -> int:
    """One readable line for the operator when AWS (or the emulator) fails a
    tool; the exit status."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or "AWS"
    print(f"{endpoint}에서 {what} 못했어요: {exc!r:.200}\n"
          "로컬이라면 make run이 실행 중인지 확인해 주세요.", file=sys.stderr)
    return 1


def require_emulator() -> None:
    """Stop with a Korean message when the local stage's emulator does not answer."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    parsed = urlparse(endpoint)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 80),
                                      timeout=2):
            return
    except OSError:
        print(f"로컬 에뮬레이터({endpoint})에 연결할 수 없어요. 다른 터미널에서 "
              "make run을 먼저 실행해 주세요.", file=sys.stderr)
        raise SystemExit(2) from None


def load_app(stage: str) -> ModuleType:
    """Import app.py with the stage's environment, as `chalice local` does."""
    apply(stage)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    return importlib.import_module("app")
