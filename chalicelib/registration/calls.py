"""One phone call: the Connect event in, the flat answer Connect reads out.

Two AWS calls on the caller's path: the registration transaction, then one
SQS message that asks for the log file to be rebuilt. The file itself is
written later by the queue's consumer, so the caller never waits on a file
that grows with the event.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from chalicelib import logs, queues, settings
from chalicelib.registration import answers, event_log, roster, store, validation

LOG_QUEUE = "registration-log"


def _parameters(event: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    details = event.get("Details") if isinstance(event, dict) else None
    details = details if isinstance(details, dict) else {}
    params = details.get("Parameters")
    contact = details.get("ContactData")
    return (params if isinstance(params, dict) else {},
            contact if isinstance(contact, dict) else {})


# Past this, the caller gets their number without the log request: Connect's
# 8 s would not hold another slow call (the next registration's rebuild, or
# `make export`, covers this one).
LOG_REQUEST_DEADLINE_SECONDS = 5.0


def _request_log_rebuild(event_id: str, employee_id: str, started: float) -> None:
    """Best effort: the registration stands without it (every later rebuild
    reads the whole table), so a failure is logged, not told to the caller."""
    body = {"eventId": event_id, "logKey": event_log.log_key(event_id),
            "employeeId": employee_id}
    if time.monotonic() - started > LOG_REQUEST_DEADLINE_SECONDS:
        logs.record("registration_log_request_skipped", level=logging.WARNING,
                    eventId=event_id, employeeId=employee_id)
        return
    try:
        queues.send(LOG_QUEUE, body, "caller_once")
    except Exception as exc:  # noqa: BLE001 - see the docstring
        logs.record("registration_log_request_failed", level=logging.WARNING,
                    eventId=event_id, employeeId=employee_id, error=repr(exc)[:200])


def _finish(answer: dict[str, str], started: float, **fields: Any) -> dict[str, str]:
    status = answer["registrationStatus"]
    level = logging.ERROR if status == answers.ERROR else logging.INFO
    logs.record("event_registration", level=level, status=status,
                ms=round((time.monotonic() - started) * 1000), **fields)
    logs.metric("EventRegistrations", 1, namespace="Partnerline/Registration", status=status)
    return answer


def answer_call(event: Any, *, number_space: int | None = None) -> dict[str, str]:
    """Never raises: whatever happens, Connect gets a status and a message."""
    started = time.monotonic()
    fields: dict[str, Any] = {}
    try:
        params, contact = _parameters(event)
        endpoint = contact.get("CustomerEndpoint")
        phone = validation.caller_phone(
            params.get("customerPhone")
            or (endpoint.get("Address") if isinstance(endpoint, dict) else None))
        contact_id = validation.contact_id(params.get("contactId") or contact.get("ContactId"))
        event_id = settings.current().event_id
        raw = params.get("inputValue")
        fields.update(eventId=event_id, customerPhone=phone, contactId=contact_id,
                      inputLength=len(str(raw)) if raw is not None else None)
        try:
            employee_id = validation.employee_id(raw)
        except validation.InvalidInput as bad:
            answer = (answers.input_error() if bad.status == answers.INPUT_ERROR
                      else answers.invalid_format())
            return _finish(answer, started, **fields)
        on_roster = roster.known(employee_id)
        if on_roster is None:
            return _finish(answers.not_on_roster(), started, reason="not_on_roster",
                           employeeId=employee_id, **fields)
        employee_id = on_roster
        fields["employeeId"] = employee_id
        try:
            reg = store.register_employee(event_id, employee_id, phone, contact_id,
                                          number_space=number_space, started=started)
        except store.AlreadyRegistered as known:
            if known.own is None:
                return _finish(answers.duplicate(), started, **fields)
            # The phone that registered: its number, and the log line asked
            # for again (its first call may have ended before asking).
            fields.update(lotteryNumber=known.own.lottery_number, repeatCall=True)
            _request_log_rebuild(event_id, employee_id, started)
            return _finish(answers.already_registered(known.own.lottery_number), started,
                           **fields)
        except store.NumbersExhausted:
            return _finish(answers.exhausted(), started, reason="numbers_exhausted", **fields)
        fields["lotteryNumber"] = reg.lottery_number
        if reg.replayed:
            fields["replayed"] = True
        _request_log_rebuild(event_id, employee_id, started)
        return _finish(answers.success(reg.lottery_number), started, **fields)
    except Exception as exc:  # noqa: BLE001 - the edge: Connect must get an answer
        fields["error"] = repr(exc)[:300]
        return _finish(answers.error(), started, **fields)
