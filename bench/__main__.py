"""python -m bench [--full] [--save] [--quick] [--only NAME ...]: run the
benchmarks and print one table.

By default the sizes fit in minutes on a two-core machine (`make bench`); the
long figures (100,000 requests in the operators' list, events of 10,000
registrations) need ``--full`` (`make bench FULL=1`). Nothing in the checkout
changes unless ``--save`` (`make bench SAVE=1`) writes bench/results.md."""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.report import Row

RESULTS = Path(__file__).resolve().parent / "results.md"

EMULATOR_NOTE = (
    "Emulator: moto server started by the bench on a free port through "
    "`devstack/moto_server.py` (DynamoDB item writes atomic, as in AWS) with one "
    "cost fix: moto's TransactWriteItems deep-copies the whole table to roll back "
    "(1.4 s per transaction with 20,000 items, measured), which DynamoDB does not; the "
    "emulator's copy keeps only the items the transaction touches. Behaviour is unchanged.")

Benchmark = Callable[[Any], tuple[list[Row], list[str]]]


def _benchmarks() -> list[tuple[str, str, Benchmark, bool]]:
    """(name, label, function, needs the emulator)."""
    from bench import (
        admin_list,
        classifier,
        cold_start,
        cost,
        end_to_end,
        faults_burst,
        operations,
        package,
        registration,
        registration_log,
        sms,
    )

    return [
        ("cold", "Cold start", cold_start.run, True),
        ("package", "Package", package.run, False),
        ("burst", registration.NAME, registration.run_burst, True),
        ("faults", faults_burst.NAME, faults_burst.run, True),
        ("calls", operations.NAME, operations.run, True),
        ("sms", sms.NAME, sms.run, True),
        ("e2e", end_to_end.NAME, end_to_end.run, True),
        ("cost", cost.NAME, cost.run, True),
        ("classifier", classifier.NAME, classifier.run, True),
        ("growth", registration.GROWTH, registration.run_growth, True),
        ("loglag", registration_log.LAG, registration_log.run_lag, True),
        ("throughput", registration_log.THROUGHPUT, registration_log.run_throughput, True),
        # Last: it leaves 100,000 requests in the shared table, which would
        # slow every table read of the benchmarks after it.
        ("list", admin_list.NAME, admin_list.run, True),
    ]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        choices=[name for name, *_ in _benchmarks()],
                        help="cold package burst faults calls sms e2e cost classifier growth "
                             "list loglag throughput")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, to try the harness")
    parser.add_argument("--full", action="store_true",
                        help="the long figures: 100,000 requests, 10,000 registrations")
    parser.add_argument("--save", action="store_true",
                        help="write the table to bench/results.md (a tracked file)")
    return parser.parse_args(argv)


def options(quick: bool, full: bool = False) -> dict[str, Any]:
    if quick:
        return {"callers": 60, "fault_callers": 60, "threads": 16, "growth_samples": 4,
                "growth_small": 100, "growth_large": 1_000, "e2e_requests": 4, "cold_runs": 3,
                "list_small": 100, "list_large": 2_000, "list_samples": 2,
                "cost_requests": 2, "cost_registrations": 20}
    if full:
        return {"callers": 500, "fault_callers": 200, "threads": 32, "repeat_share": 0.05,
                "growth_samples": 20, "growth_small": 100, "growth_large": 10_000,
                "e2e_requests": 20, "cold_runs": 9, "cold_deferred": True,
                "list_small": 1_000, "list_large": 100_000, "list_samples": 5,
                "cost_requests": 10, "cost_registrations": 200}
    # The default: every benchmark within 9 minutes on two loaded cores. The
    # long ones are smaller: the admin list at 5,000 requests (5x the small
    # size: what an answer reads still shows whether it grows with the table;
    # moto's walk of every item per index Query made 10,000 take 341 s of a
    # 917 s run at load 12-20), the 2,000-registration events; cold starts
    # without the third side (everything loaded in the first call: the design
    # before chalicelib/warmup.py), 9 runs of each side (with 5, one loaded
    # moment moved a median by 0.1x: pairs spread 0.7-1.3 at load 2-3).
    return {"callers": 500, "fault_callers": 200, "threads": 32, "repeat_share": 0.05,
            "growth_samples": 10, "growth_small": 100, "growth_large": 2_000,
            "e2e_requests": 10, "cold_runs": 9, "cold_deferred": False,
            "list_small": 1_000, "list_large": 5_000, "list_samples": 3,
            "cost_requests": 5, "cost_registrations": 100}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    chosen = [b for b in _benchmarks() if not args.only or b[0] in args.only]
    rows: list[Row] = []
    notes: list[str] = []
    failures: list[str] = []
    violated = False
    harness = stage = None
    opts = options(args.quick, args.full)
    try:
        for _name, label, run, needs_stack in chosen:
            if needs_stack and stage is None:
                from bench.harness import Harness

                harness = Harness(report.progress)
                stage = harness.start(opts)
            report.progress(f"{label} …")
            began = time.perf_counter()
            try:
                got_rows, got_notes = run(stage if needs_stack else _Offline(opts))
            except Exception as exc:  # noqa: BLE001 - one benchmark failing must not hide the rest
                from bench.registration import OursViolated

                if isinstance(exc, OursViolated):
                    violated = True
                    got_rows, got_notes = exc.rows, exc.notes
                    failures.append(f"{label}: OUR DESIGN VIOLATED ITS GUARANTEE: {exc}")
                else:
                    traceback.print_exc(file=sys.stderr)
                    got_rows = [Row(label, "failed", f"error: {type(exc).__name__}: {exc}"[:160])]
                    got_notes = []
                    failures.append(f"{label}: {type(exc).__name__}: {exc}")
            rows += got_rows
            notes += got_notes
            report.progress(f"{label}: {time.perf_counter() - began:.0f} s")
    finally:
        if harness is not None:
            harness.stop()
    if stage is not None:
        notes.append(EMULATOR_NOTE)
    seconds = time.perf_counter() - started
    table = report.markdown(rows)
    print(table)
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if args.save:
        command = "make bench SAVE=1" + (" FULL=1" if args.full else "") + (
            f" ONLY=\"{' '.join(args.only)}\"" if args.only else "")
        report.write(RESULTS, report.document(rows, notes, started_at, seconds, command))
        report.progress(f"written to {RESULTS}")
    report.progress(f"done in {seconds:.0f} s")
    return 1 if violated or failures else 0


class _Offline:
    """What a benchmark that needs no emulator gets."""

    def __init__(self, opts: dict[str, Any]) -> None:
        self.options = opts
        self.progress = report.progress


if __name__ == "__main__":
    sys.exit(main())
