"""Write what is generated from the request lifecycle's table
(chalicelib/lifecycle/rules.py): the state machine's MarkTimeout state and
docs/request-lifecycle.md. ``--check`` only says whether they are up to date.

    python -m scripts.generate_lifecycle [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chalicelib.lifecycle import asl, docs
from scripts import generated

PROJECT_DIR = Path(__file__).resolve().parent.parent
ASL_PATH = PROJECT_DIR / "stepfunctions" / "partner-confirmation.json"
DOC_PATH = PROJECT_DIR / "docs" / "request-lifecycle.md"


def expected() -> dict[Path, str]:
    definition = json.loads(ASL_PATH.read_text(encoding="utf-8"))
    asl_text = json.dumps(asl.render(definition), indent=2, ensure_ascii=False) + "\n"
    return {ASL_PATH: asl_text, DOC_PATH: docs.render()}


def stale() -> list[Path]:
    return generated.stale(expected())


def main(argv: list[str] | None = None) -> int:
    return generated.main(argv, expected(), PROJECT_DIR, "scripts.generate_lifecycle",
                          __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
