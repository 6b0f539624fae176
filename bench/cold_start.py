"""Cold start: importing ``app`` in a fresh interpreter against importing
``boto3`` alone (what any Lambda that talks to AWS pays), as a ratio of
medians over interleaved runs. Also says whether ``import app`` pulls in
boto3/botocore, and through which of our modules (``python -X importtime``)."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.report import Row, ms, ratio

NAME = "Cold start"
PROJECT_DIR = Path(__file__).resolve().parent.parent
TIMED = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
HEAVY = ("boto3", "botocore")
_IMPORTTIME = re.compile(r"import time:\s+\d+ \|\s+\d+ \|( *)(\S+)")


def environment() -> dict[str, str]:
    """The local stage's environment as Lambda would set it (the stage's
    variables from ``.chalice/config.json``), without an endpoint: importing
    must need none. ``os.environ`` itself is left alone."""
    from provision import stages

    config = stages.load_config()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AWS_ENDPOINT_URL", "PYTHONDONTWRITEBYTECODE")}
    env.update(config.get("environment_variables", {}))
    env.update(config.get("stages", {}).get("local", {}).get("environment_variables", {}))
    env["STAGE"] = "local"
    return env


def time_import(module: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", TIMED.format(module=module)], cwd=PROJECT_DIR,
                         env=env, capture_output=True, text=True, timeout=60, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def heavy_importers(env: dict[str, str]) -> dict[str, str]:
    """boto3/botocore -> the first of our modules (or a third-party one) whose
    import pulled it in, read from ``-X importtime``'s tree (a child is printed
    before its parent, one indent deeper)."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import app"],
                         cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    lines = [(len(m.group(1)), m.group(2)) for m in map(_IMPORTTIME.match,
                                                        out.stderr.splitlines()) if m]
    found: dict[str, str] = {}
    for i, (depth, module) in enumerate(lines):
        if module not in HEAVY or module in found:
            continue
        chain = []
        want = depth
        for later_depth, parent in lines[i + 1:]:
            if later_depth < want:
                chain.append(parent)
                want = later_depth
        ours = [p for p in chain if p == "app" or p.startswith(("chalicelib", "chalice"))]
        found[module] = " ← ".join(chain[:3]) if not ours else ours[0]
    return found


def run(stage: Any) -> tuple[list[Row], list[str]]:
    runs = stage.options.get("cold_runs", 12)
    env = environment()
    # One untimed import of each first: bytecode caches written, disk cache warm.
    time_import("app", env)
    time_import("boto3", env)
    apps, botos = [], []
    for i in range(runs):
        stage.progress(f"cold start {i + 1}/{runs}")
        apps.append(time_import("app", env))
        botos.append(time_import("boto3", env))
    app_median, boto_median = statistics.median(apps), statistics.median(botos)
    pulled = heavy_importers(env)
    eager = ", ".join(f"{m} by {who}" for m, who in pulled.items()) or "no"
    rows = [
        Row(NAME, "import app / import boto3 (fresh interpreter, median)",
            f"{ms(app_median)} / {ms(boto_median)}", f"ratio {ratio(app_median, boto_median)}",
            f"{runs} runs each, interleaved; < 1× = cheaper than boto3 alone"),
        Row(NAME, "boto3/botocore imported by `import app`", eager, "expected: no",
            "clients are created on first use"),
    ]
    return rows, []
