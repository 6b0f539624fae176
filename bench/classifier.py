"""The chat's local classifier (built from ``lex/`` at start-up): intent and
reservation-number accuracy on ``tests/nlu_eval_set.json`` (written apart from
the bot's samples), and the time to classify one message, through the same
``chalicelib.nlu`` entry point the intake uses."""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.report import NOT_BUILT, Row, ms, percentile

NAME = "Classifier"
EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "nlu_eval_set.json"
TARGET_SECONDS = 0.005
ROUNDS = 5  # every message classified this many times for the timing


def run(stage: Any) -> tuple[list[Row], list[str]]:
    try:
        from chalicelib import nlu
    except ImportError:
        return [Row(NAME, "intent accuracy", NOT_BUILT)], []
    if not EVAL_SET.exists():
        return [Row(NAME, "intent accuracy", "n/a (no tests/nlu_eval_set.json)")], []
    items = json.loads(EVAL_SET.read_text(encoding="utf-8"))["items"]
    from chalicelib.nlu import local

    local.reset()  # the model is cached per process: time a build from lex/
    nlu.reset()
    started = time.perf_counter()
    backend = nlu.backend("local")
    built = time.perf_counter() - started
    right_intent = right_number = 0
    wrong = []
    for item in items:
        got = nlu.classify(item["text"])
        if got.intent == item["intent"]:
            right_intent += 1
        else:
            wrong.append(f"{item['intent']}→{got.intent}")
        right_number += got.reservation_number == item.get("reservationNumber")
    times = []
    for _ in range(ROUNDS):
        for item in items:
            began = time.perf_counter()
            nlu.classify(item["text"])
            times.append(time.perf_counter() - began)
    n = len(items)
    mean, p95 = statistics.fmean(times), percentile(times, 95)
    verdict = "meets" if p95 < TARGET_SECONDS else "MISSES"
    rows = [
        Row(NAME, "intent accuracy (local classifier)", f"{right_intent}/{n} = "
            f"{right_intent / n:.1%}", "target ≥ 90%",
            f"{type(backend).__name__}; misses (expected→got): "
            + (", ".join(f"{k} ×{v}" for k, v in Counter(wrong).most_common()) or "none")),
        Row(NAME, "reservation numbers right", f"{right_number}/{n}", "target: all", ""),
        Row(NAME, "time per message, mean / p95", f"{ms(mean)} / {ms(p95)}",
            f"target < 5 ms ({verdict})",
            f"{n} messages × {ROUNDS}; building it from lex/ took {ms(built)} (once per "
            "container)"),
    ]
    return rows, []
