"""Write what the pages read from the intents' catalogue
(chalicelib/nlu/catalogue.py): web/assets/intents.js. ``--check`` only says
whether it is up to date (a unit test runs it, so a stale file fails).

    python -m scripts.generate_intents [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from chalicelib.nlu import catalogue
from scripts import generated

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


def expected() -> dict[Path, str]:
    return {JS_PATH: render()}


def stale() -> list[Path]:
    return generated.stale(expected())


def main(argv: list[str] | None = None) -> int:
    return generated.main(argv, expected(), PROJECT_DIR, "scripts.generate_intents",
                          __doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
