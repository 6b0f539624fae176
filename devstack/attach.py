"""A second `chalice local --stage local` beside a running `make run`.

`make run` writes the local stack's environment (the emulator's endpoint, the
names of what it provisioned, this run's secrets) to ``.devstack/local-env.json``
(not tracked, readable by this user only) and removes it when it stops. This
command starts `chalice local --stage local` with that environment, so the
second server reaches the same emulator, the same table and the same secrets:

    .venv/bin/python -m devstack.attach --port 8001

Its queues are consumed by `make run`'s dispatcher, as for `make run`'s own
server. Without a running `make run` it says so and exits.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DIR = PROJECT_DIR / ".devstack"
FILE_NAME = "local-env.json"


def write_environment(directory: Path, env: dict[str, str]) -> Path:
    """Write the running stack's environment for `attach` (mode 0600)."""
    path = directory / FILE_NAME
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(env, out, ensure_ascii=False, indent=1, sort_keys=True)
    return path


def remove_environment(directory: Path, env: dict[str, str]) -> None:
    """Remove the file if it is still this stack's (another may have replaced it)."""
    path = directory / FILE_NAME
    try:
        if json.loads(path.read_text(encoding="utf-8")) == env:
            path.unlink()
    except (OSError, ValueError):
        pass


def read_environment(directory: Path) -> dict[str, str] | None:
    try:
        return json.loads((directory / FILE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def command(port: int, host: str) -> list[str]:
    return [sys.executable, "-m", "devstack.chalice_local", "local", "--stage", "local",
            "--host", host, "--port", str(port), "--no-autoreload"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.attach",
        description="실행 중인 make run 옆에 chalice local --stage local을 하나 더 띄워요.")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--from", dest="directory", type=Path, default=DEFAULT_DIR,
                        help="make run이 환경을 적어 둔 폴더 (기본 .devstack)")
    args = parser.parse_args(argv)
    env = read_environment(args.directory)
    if env is None:
        print("실행 중인 make run을 찾지 못했어요. 다른 터미널에서 make run을 먼저 "
              "실행해 주세요.", file=sys.stderr)
        return 2
    os.chdir(PROJECT_DIR)
    os.execve(sys.executable, command(args.port, args.host), {**os.environ, **env})
    return 0  # not reached: execve replaces this process


if __name__ == "__main__":
    sys.exit(main())
