"""The one table every benchmark adds rows to, and the helpers for its figures."""

from __future__ import annotations

import math
import os
import platform
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

NOT_BUILT = "n/a (not built yet)"
COLUMNS = ("Benchmark", "Figure", "Ours", "Reference", "Note")


@dataclass(frozen=True)
class Row:
    benchmark: str
    figure: str
    ours: str
    reference: str = ""
    note: str = ""

    def cells(self) -> tuple[str, ...]:
        return (self.benchmark, self.figure, self.ours, self.reference, self.note)


def percentile(values: Iterable[float], p: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default): p50
    is the median; an empty sample is NaN rather than an exception, so a
    benchmark with no successful call still prints its row."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError("percentile must be within 0..100")
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def ms(seconds: float) -> str:
    """Seconds -> a short millisecond figure."""
    if math.isnan(seconds):
        return "n/a"
    value = seconds * 1000
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms" if value >= 1 \
        else f"{value:.2f} ms"


def p50_p95(seconds: Sequence[float]) -> str:
    return f"{ms(percentile(seconds, 50))} / {ms(percentile(seconds, 95))}"


def ratio(numerator: float, denominator: float) -> str:
    if not denominator or math.isnan(numerator) or math.isnan(denominator):
        return "n/a"
    return f"{numerator / denominator:.2f}×"


def _escape(cell: str) -> str:
    return str(cell).replace("|", "\\|").replace("\n", " ")


def markdown(rows: Sequence[Row]) -> str:
    """A Markdown table padded so that it also reads well in a terminal."""
    grid = [COLUMNS] + [tuple(_escape(c) for c in row.cells()) for row in rows]
    widths = [max(_width(line[i]) for line in grid) for i in range(len(COLUMNS))]

    def fmt(line: Sequence[str]) -> str:
        return "| " + " | ".join(c + " " * (w - _width(c)) for c, w in
                                 zip(line, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(grid[0]), rule, *(fmt(line) for line in grid[1:])])


def _width(text: str) -> int:
    """Display width: Hangul and other wide characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def machine() -> str:
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    return (f"{os.cpu_count()} cores ({platform.machine()}, {platform.system()}), "
            f"Python {platform.python_version()}{load}")


def document(rows: Sequence[Row], notes: Sequence[str], started: datetime,
             seconds: float, command: str = "make bench SAVE=1") -> str:
    lines = [
        "# `make bench`: latest run",
        "",
        f"- date: {started.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- duration: {seconds:.0f} s; command: `{command}`",
        "",
        markdown(rows),
        "",
    ]
    if notes:
        lines += ["## How each figure is taken", ""]
        lines += [f"- {note}" for note in notes]
        lines.append("")
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def progress(line: str) -> None:
    print(f"[bench] {line}", file=sys.stderr, flush=True)
