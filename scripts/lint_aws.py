"""python -m scripts.lint_aws: what CI checks of the AWS artefacts.

1. Every state machine in ``stepfunctions/`` passes ``statelint`` (the Python
   port of awslabs' linter: no Ruby needed), after its ``${...}`` placeholders
   are filled with values of the right shape, as provisioning would.
2. ``chalice package --stage prod`` (through provision.chalice_cli, as a
   deploy) works (no AWS credentials needed) and its ``sam.json`` passes
   ``cfn-lint``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from provision.core import PLACEHOLDER

PROJECT_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REGION = "ap-northeast-2"
ACCOUNT = "123456789012"


def dummy(name: str) -> str:
    """A value shaped like the real one: linters check URLs and ARNs."""
    if name.endswith("Url"):
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/partnerline-lint-{name}"
    if name.endswith("Arn"):
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:partnerline-lint-{name}"
    return f"partnerline-lint-{name}"


def render(path: Path) -> str:
    return PLACEHOLDER.sub(lambda m: dummy(m.group(1)), path.read_text(encoding="utf-8"))


def lint_state_machines(out: Path) -> int:
    failed = 0
    for path in sorted((PROJECT_DIR / "stepfunctions").glob("*.json")):
        rendered = out / path.name
        rendered.write_text(render(path), encoding="utf-8")
        result = subprocess.run([str(BIN / "statelint"), str(rendered)],
                                capture_output=True, text=True)
        print(f"statelint {path.relative_to(PROJECT_DIR)}: "
              f"{'ok' if result.returncode == 0 else 'FAILED'}")
        if result.returncode != 0:
            print(result.stdout + result.stderr)
            failed += 1
    return failed


def lint_package(out: Path, stage: str = "prod") -> int:
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", REGION)}
    target = out / "package"
    # Through the launcher: the template then has the runtime a deploy creates.
    package = subprocess.run([str(BIN / "python"), "-m", "provision.chalice_cli", "package",
                              "--stage", stage, str(target)],
                             cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if package.returncode != 0:
        print(f"chalice package --stage {stage}: FAILED\n{package.stdout}{package.stderr}")
        return 1
    result = subprocess.run([str(BIN / "cfn-lint"), str(target / "sam.json")],
                            capture_output=True, text=True)
    print(f"cfn-lint (chalice package --stage {stage}): "
          f"{'ok' if result.returncode == 0 else 'FAILED'}")
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        return 1
    return 0


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lint-aws-") as tmp:
        failed = lint_state_machines(Path(tmp)) + lint_package(Path(tmp))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
