"""docs/request-lifecycle.md, generated from the table (``rules``)."""

from __future__ import annotations

from chalicelib.lifecycle import rules

HEADER = """<!-- Generated from chalicelib/lifecycle/rules.py by
     `python -m scripts.generate_lifecycle`; do not edit (a test fails on drift). -->
# The request's lifecycle

A customer request (one web chat message that named a reservation) moves
through these statuses. Every change is one conditional write made by an
operation of `chalicelib/lifecycle` (or, for `mark_timeout` and
`take_recorded_answer`, by the state machine's `MarkTimeout` and
`TakeRecordedAnswer` steps, generated from the same table): a change whose
status guard does not hold changes nothing.

At the deadline the record is the truth: a request still waiting with no
answer becomes `Timeout`; a request whose answer was recorded (the claim
landed, `Responded` on the timeline) but never reached the workflow keeps
that answer, and the customer is told it.
"""


def _state_id(status: str) -> str:
    return status.replace(" ", "")


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for status in rules.STATUSES:
        if _state_id(status) != status:
            lines.append(f'    state "{status}" as {_state_id(status)}')
    for row in rules.TRANSITIONS:
        if not row.targets:
            continue
        sources = ["[*]"] if row.sources == rules.NEW else [
            _state_id(s) for s in (row.sources or rules.STATUSES)]
        for source in sources:
            for target in row.targets:
                lines.append(f"    {source} --> {_state_id(target)} : {row.name}")
    leaving = {s for row in rules.TRANSITIONS if row.targets and row.sources
               for s in row.sources}
    for status in rules.STATUSES:
        if status not in leaving:
            lines.append(f"    {_state_id(status)} --> [*]")
    return "\n".join(lines)


def _statuses(statuses: tuple[str, ...] | None, new: str) -> str:
    if statuses is None:
        return "any"
    if statuses == rules.NEW:
        return new
    return ", ".join(f"`{s}`" for s in statuses)


def render() -> str:
    rows = ["| change | from | to | events | by | why |", "|---|---|---|---|---|---|"]
    for t in rules.TRANSITIONS:
        rows.append(f"| `{t.name}` | {_statuses(t.sources, '(new)')} | "
                    f"{_statuses(t.targets, '') or 'unchanged'} | "
                    f"{', '.join(f'`{e}`' for e in t.events) or '-'} | {t.by} | {t.why} |")
    return "\n".join([
        HEADER,
        "## Statuses",
        "",
        "```mermaid",
        mermaid(),
        "```",
        "",
        "Statuses: " + ", ".join(f"`{s}`" for s in rules.STATUSES) + ".",
        "",
        "## Events",
        "",
        "The timeline (`events`) holds: " + ", ".join(f"`{e}`" for e in rules.EVENTS) + ".",
        "",
        "## Changes",
        "",
        *rows,
        "",
    ])
