"""Give a command-line tool the same environment the app has in a stage."""

from __future__ import annotations

import os

from chalicelib import settings
from provision import stages


def apply(stage: str) -> dict[str, str]:
    """Set the stage's environment variables (the process's own values win)."""
    config = stages.load_config()
    env = dict(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get(stage, {}).get("environment_variables", {}))
    env["STAGE"] = stage
    for key, value in env.items():
        os.environ.setdefault(key, value)
    settings.rebuild()  # this process's settings are now the stage's
    return env
