"""python -m scripts.load_reservations FILE.json|FILE.csv --stage STAGE

``--stage local`` (the default) loads into the running `make run`'s emulator
(scripts/stage_env.py); with none running it says so and exits 2."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

from scripts import stage_env


def read_records(path: Path) -> list[dict]:
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.DictReader(fh))
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("JSON 파일은 예약 목록(배열)이어야 합니다.")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.load_reservations")
    parser.add_argument("path", type=Path)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    stage_env.apply(args.stage)
    if args.stage == "local":
        stage_env.require_emulator()  # not AWS, never a traceback
    from chalicelib import reservations

    try:
        count = reservations.load(read_records(args.path))
    except (ValueError, OSError) as exc:
        print(f"예약을 불러오지 못했습니다: {exc}", file=sys.stderr)
        return 2
    print(f"예약 {count}건을 불러왔습니다.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
