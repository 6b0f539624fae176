"""Write what is generated from the request lifecycle's table
(chalicelib/lifecycle/rules.py): the state machine's MarkTimeout state and
docs/request-lifecycle.md. ``--check`` only says whether they are up to date.

    python -m scripts.generate_lifecycle [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.lifecycle import asl, docs

PROJECT_DIR = Path(__file__).resolve().parent.parent
ASL_PATH = PROJECT_DIR / "stepfunctions" / "partner-confirmation.json"
DOC_PATH = PROJECT_DIR / "docs" / "request-lifecycle.md"


def expected() -> dict[Path, str]:
    definition = json.loads(ASL_PATH.read_text(encoding="utf-8"))
    asl_text = json.dumps(asl.render(definition), indent=2, ensure_ascii=False) + "\n"
    return {ASL_PATH: asl_text, DOC_PATH: docs.render()}


def stale() -> list[Path]:
    return [path for path, text in expected().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        out = stale()
        for path in out:
            print(f"{path.relative_to(PROJECT_DIR)}: 표에서 다시 생성해야 해요 "
                  "(python -m scripts.generate_lifecycle)")
        return 1 if out else 0
    for path, text in expected().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
