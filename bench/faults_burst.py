"""Registration under injected faults (devstack/faults.py), side by side with
the same burst on a healthy emulator: lost answers (the write applied, the
answer dropped), throttles, transaction conflicts and 5xx on a share of the
transactions. Counts what callers were told against what the table holds,
then has every caller told ERROR call back from the same phone."""

from __future__ import annotations

from collections import Counter
from types import ModuleType
from typing import Any

from bench import calls as callers
from bench import registration
from bench.report import Row, p50_p95

NAME = "Registration under faults"
TRANSACTION = {"service": "dynamodb", "operation": "TransactWriteItems"}
RULES = (
    {**TRANSACTION, "fault": "drop", "probability": 0.15},
    {**TRANSACTION, "fault": "throttle", "probability": 0.15},
    {**TRANSACTION, "fault": "conflict", "probability": 0.15},
    {**TRANSACTION, "fault": "error", "probability": 0.05},
)
CONNECT_LIMIT_SECONDS = 8.0


def _stored(event_id: str) -> dict[str, dict[str, Any]]:
    from chalicelib import table
    from chalicelib.registration import store

    return {r["employeeId"]: r
            for r in table.query(store.event_pk(event_id), "EMP#", consistent=True)}


def _audit(answered: list[callers.Answered], event_id: str) -> dict[str, Any]:
    """What the callers were told against the table (after the burst)."""
    from chalicelib.registration import store

    regs = _stored(event_id)
    lots = store.lottery_items(event_id)
    false = sum(1 for a in answered if a.status == "SUCCESS" and (
        a.call.employee_id not in regs
        or regs[a.call.employee_id]["lotteryNumber"] != a.answer.get("lotteryNumber")
        or regs[a.call.employee_id]["contactId"] != a.call.contact_id))
    numbers = [r["lotteryNumber"] for r in regs.values()]
    return {"regs": regs, "false": false,
            "doubled": (len(numbers) - len(set(numbers))) + abs(len(lots) - len(regs)),
            "statuses": Counter(a.status for a in answered),
            "slow": sum(1 for a in answered if a.seconds >= CONNECT_LIMIT_SECONDS)}


def _burst(app_module: ModuleType, calls: list[callers.Call], threads: int,
           label: str) -> tuple[list[callers.Answered], str]:
    with registration.event(registration.new_event_id(label)) as event_id:
        answered = callers.burst(app_module.connect_event_registration, calls, threads)
    return answered, event_id


def _call_back(app_module: ModuleType, answered: list[callers.Answered], event_id: str,
               regs: dict[str, dict[str, Any]]) -> tuple[int, int, int]:
    """Callers told ERROR call again (same phone, new contact): (told their
    number, registered now, wrong answers)."""
    told = fresh = wrong = 0
    with registration.event(event_id):
        for a in answered:
            if a.status == "SUCCESS":
                continue
            again = callers.place(app_module.connect_event_registration,
                                  callers.Call(a.call.employee_id, a.call.phone,
                                               a.call.contact_id + "-again"))
            earlier = regs.get(a.call.employee_id)
            if earlier is not None and again.status == "DUPLICATE" and (
                    again.answer.get("lotteryNumber") == earlier["lotteryNumber"]):
                told += 1
            elif earlier is None and again.status == "SUCCESS":
                fresh += 1
            else:
                wrong += 1
    return told, fresh, wrong


def run(stage: Any) -> tuple[list[Row], list[str]]:
    from devstack import faults

    app_module = stage.app_module
    n, threads = stage.options.get("fault_callers", 200), stage.options.get("threads", 32)
    calls = callers.make_calls(n, 0.0, seed=1313)
    with registration.event(registration.new_event_id("warm-up")):
        registration.warm_up(app_module.connect_event_registration)
    stage.progress(f"registration under faults: {n} callers, {threads} threads — healthy")
    clean, clean_event = _burst(app_module, calls, threads, "healthy")
    stage.progress("registration under faults — faults injected")
    with faults.injected(stage.endpoint, *RULES):
        faulty, faulty_event = _burst(app_module, calls, threads, "faults")
        fired = faults.status(stage.endpoint)["fired"]
    ok, bad = _audit(clean, clean_event), _audit(faulty, faulty_event)
    told, fresh, wrong = _call_back(app_module, faulty, faulty_event, bad["regs"])
    after = _stored(faulty_event)

    label = f"{NAME} ({n} callers, {threads} threads)"
    kinds = " / ".join(str(fired.get(f"dynamodb.TransactWriteItems.{k}", 0))
                       for k in ("drop", "throttle", "conflict", "error"))
    share = ", ".join(f"{r['fault']} {r['probability']:.0%}" for r in RULES)
    rows = [
        Row(label, "faults fired: lost answer / throttle / conflict / 5xx", kinds, "healthy: 0",
            f"on TransactWriteItems, per request: {share}"),
        Row(label, "false SUCCESS (number not theirs, or not stored)", str(bad["false"]),
            f"healthy: {ok['false']}", "told SUCCESS checked against the table"),
        Row(label, "doubled (numbers shared, items without their pair)", str(bad["doubled"]),
            f"healthy: {ok['doubled']}", ""),
        Row(label, "answers SUCCESS / ERROR", " / ".join(
            str(bad["statuses"].get(s, 0)) for s in ("SUCCESS", "ERROR")),
            "healthy: " + " / ".join(str(ok["statuses"].get(s, 0)) for s in ("SUCCESS", "ERROR")),
            "ERROR asks the caller to call again"),
        Row(label, "ERROR callers calling back: told their number / registered / wrong",
            f"{told} / {fresh} / {wrong}", "",
            f"after that {len(after)} of {n} registered"),
        Row(label, "latency per call p50 / p95", p50_p95([a.seconds for a in faulty]),
            f"healthy: {p50_p95([a.seconds for a in clean])}",
            f"calls at or past Connect's 8 s: {bad['slow']}"),
    ]
    problems = [f"{k} {bad[k]}" for k in ("false", "doubled", "slow") if bad[k]]
    if wrong or len(after) != n:
        problems.append(f"call-backs wrong {wrong}, registered {len(after)} of {n}")
    if problems:
        raise registration.OursViolated("; ".join(problems), rows, [])
    return rows, []
