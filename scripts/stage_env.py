"""Give a command-line tool the same environment the app has in a stage."""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from types import ModuleType

from chalicelib import settings
from provision import stages

PROJECT_DIR = Path(__file__).resolve().parent.parent


def apply(stage: str) -> dict[str, str]:
    """Set the stage's environment variables (the process's own values win)."""
    config = stages.load_config()
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    # A deployed stage's names live in its account (provision/stage_state.py),
    # so any clone with access reaches the same table.
    from provision import stage_state

    env.update(stage_state.stored_environment(stage))
    env["STAGE"] = stage
    for key, value in env.items():
        os.environ.setdefault(key, value)
    settings.rebuild()  # this process's settings are now the stage's
    return env


def load_app(stage: str) -> ModuleType:
    """Import app.py with the stage's environment, as `chalice local` does."""
    apply(stage)
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    return importlib.import_module("app")
