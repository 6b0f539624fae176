"""What the generators (scripts.generate_intents, scripts.generate_lifecycle)
share: which generated files differ from what their source says, and the
command line that writes them or, with ``--check``, only says which are stale
(a unit test runs each, so a stale file fails)."""

from __future__ import annotations

import argparse
from pathlib import Path


def stale(expected: dict[Path, str]) -> list[Path]:
    return [path for path, text in expected.items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None, expected: dict[Path, str], project_dir: Path,
         module: str, description: str) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        out = stale(expected)
        for path in out:
            print(f"{path.relative_to(project_dir)}: 표에서 다시 생성해야 해요 "
                  f"(python -m {module})")
        return 1 if out else 0
    for path, text in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(path.relative_to(project_dir))
    return 0
