"""AWS calls per operation, counted with a botocore ``before-call`` hook on the
app's clients (see ``awscalls``): deterministic, so the figure is stable on a
noisy machine. Each operation is done once untimed and uncounted first (warm:
clients made, cached lookups such as queue URLs done), then counted once.
Calls made by the emulator itself (Step Functions running the state machine)
and by the bench's SQS delivery (Lambda's event source mapping) are not ours
and not counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench import calls as callers
from bench import loop, registration
from bench.awscalls import CallCounter, describe, on_every_client
from bench.report import NOT_BUILT, Row

NAME = "AWS calls per operation"


@dataclass(frozen=True)
class Floor:
    calls: int
    why: str


FLOORS = {
    "phone registration": Floor(1, "1 transaction (ID and number together, atomically); "
                                   "the log follows from the table's stream, nothing sent. "
                                   "Fewer is impossible: the registration must be written"),
    "chat message → request": Floor(3, "read the reservation, write the request (partner "
                                       "details included), start the execution"),
    "SMS link sent (link handler)": Floor(3, "claim the link (a conditional write on the "
                                             "request that returns it: no read), publish, "
                                             "mark COMPLETED + SMS Sent in one write; one "
                                             "SMS under redelivery needs a write each side "
                                             "of the publish"),
    "link open (GET /r/{token})": Floor(1, "one UpdateItem that records Opened and returns "
                                           "the request (ALL_NEW) for the page; past the "
                                           "3-event cap a count-only second write"),
    "partner answer (POST /r/{token})": Floor(2, "one conditional write (first click wins; "
                                                 "removes the task token and returns it, "
                                                 "ALL_OLD: no clean-up) + SendTaskSuccess"),
    "notification (template)": Floor(2, "a claim that returns the request (ALL_NEW; one "
                                        "Bedrock call under redelivery), one conditional "
                                        "write of the message and its event"),
}


def one_loop(app_module: Any, client: Any, deliver: loop.Deliverer, tap: loop.SmsTap,
             counter: CallCounter | None) -> dict[str, Counter[str]]:
    """One request through every step; each step's calls when ``counter``."""
    counted: dict[str, Counter[str]] = {}

    class step:  # noqa: N801 - used as a context manager per step
        def __init__(self, name: str) -> None:
            self.name = name

        def __enter__(self) -> None:
            if counter:
                self._rec = counter.recording()
                counted[self.name] = self._rec.__enter__()

        def __exit__(self, *exc: Any) -> None:
            if counter:
                self._rec.__exit__(*exc)

    with step("chat message → request"):
        request_id = loop.chat(client)
    deliver.deliver("handle_partner_link", request_id,
                    around=lambda: step("SMS link sent (link handler)"))
    token = tap.wait_for(request_id).token or ""
    with step("link open (GET /r/{token})"):
        loop.open_link(client, token)
    with step("partner answer (POST /r/{token})"):
        loop.answer(client, token, "accept")
    deliver.deliver("handle_customer_notification", request_id,
                    around=lambda: step("notification (template)"))
    return counted


def run(stage: Any) -> tuple[list[Row], list[str]]:
    app_module = stage.app_module
    counter = CallCounter()
    tap = loop.SmsTap()
    counts: dict[str, Counter[str]] = {}
    sqs = stage.boto_client("sqs")
    with on_every_client(tap.hook, tap.unhook), counter.installed():
        if hasattr(app_module, "connect_event_registration"):
            with registration.event(registration.new_event_id("calls")):
                registration.warm_up(app_module.connect_event_registration)
                with counter.recording() as made:
                    done = callers.place(app_module.connect_event_registration,
                                         callers.Call("20250001", "+821055556666", "calls-1"))
                if done.status != "SUCCESS":
                    raise RuntimeError(f"registration answered {done.answer}")
                counts["phone registration"] = made
        absent = loop.missing(app_module)
        if not absent:
            deliver = loop.Deliverer(app_module, sqs)
            with loop.test_client(app_module) as client:
                one_loop(app_module, client, deliver, tap, None)        # warm-up
                counts.update(one_loop(app_module, client, deliver, tap, counter))
    rows = []
    for name, floor in FLOORS.items():
        made = counts.get(name)
        if made is None:
            rows.append(Row(NAME, name, NOT_BUILT, f"floor {floor.calls}", floor.why))
            continue
        total = sum(made.values())
        rows.append(Row(NAME, name, f"{total}: {describe(made)}", f"floor {floor.calls}",
                        floor.why))
    notes = ["AWS calls: counted on the second of two identical operations (warm: clients "
             "created, queue URLs cached); `before-call` fires once per operation, so "
             "retries are not counted. The floor is the fewest calls that keep the "
             "guarantee (atomic, idempotent, nothing lost), argued in the Note column."]
    if "chat message → request" not in counts:
        notes.append(f"AWS calls: the web loop is not measured, the app lacks {absent}.")
    return rows, notes
