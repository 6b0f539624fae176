"""Write what the pages read from the intents' catalogue
(chalicelib/nlu/catalogue.py): web/assets/intents.js. ``--check`` only says
whether it is up to date (a unit test runs it, so a stale file fails).

    python -m scripts.generate_intents [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from chalicelib.nlu import catalogue

PROJECT_DIR = Path(__file__).resolve().parent.parent
JS_PATH = PROJECT_DIR / "web" / "assets" / "intents.js"


def render() -> str:
    data = json.dumps(catalogue.for_pages(), ensure_ascii=False, indent=2)
    return (
        "// Generated from chalicelib/nlu/catalogue.py by `python -m scripts.generate_intents`:\n"
        "// edit the catalogue, never this file (a unit test fails when it is stale).\n"
        "// Per intent: its label, the partner's three choices, the chat's progress\n"
        "// steps per decision and the chat's examples. Read through window.PL.\n"
        f"window.PL_INTENTS = {data};\n"
    )


def stale() -> list[Path]:
    if JS_PATH.exists() and JS_PATH.read_text(encoding="utf-8") == render():
        return []
    return [JS_PATH]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        out = stale()
        for path in out:
            print(f"{path.relative_to(PROJECT_DIR)}: 표에서 다시 생성해야 해요 "
                  "(python -m scripts.generate_intents)")
        return 1 if out else 0
    JS_PATH.write_text(render(), encoding="utf-8")
    print(JS_PATH.relative_to(PROJECT_DIR))
    return 0


if __name__ == "__main__":
    sys.exit(main())
