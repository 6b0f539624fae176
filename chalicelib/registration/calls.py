"""One phone call: the Connect event in, the flat answer Connect reads out.

One AWS call on the caller's path when warm: the registration transaction.
The log file is rebuilt off the caller's path, from the table's stream
(``handle_registration_log``): a committed registration is in the stream
whatever happens to this function afterwards, so the log cannot miss it, and
the caller never waits on a file that grows with the event.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from chalicelib import logs, settings
from chalicelib.registration import answers, roster, store, validation


def _parameters(event: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    details = event.get("Details") if isinstance(event, dict) else None
    details = details if isinstance(details, dict) else {}
    params = details.get("Parameters")
    contact = details.get("ContactData")
    return (params if isinstance(params, dict) else {},
            contact if isinstance(contact, dict) else {})


def _finish(answer: dict[str, str], started: float, **fields: Any) -> dict[str, str]:
    status = answer["registrationStatus"]
    level = logging.ERROR if status == answers.ERROR else logging.INFO
    # The alarms' metric rides on the call's own log line (provision/alarms.py).
    logs.record("event_registration", level=level, status=status,
                ms=round((time.monotonic() - started) * 1000),
                metric=logs.metric_doc("EventRegistrations", 1,
                                       namespace="Partnerline/Registration", status=status),
                **fields)
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
            # The phone that registered hears its number again.
            fields.update(lotteryNumber=known.own.lottery_number, repeatCall=True)
            return _finish(answers.already_registered(known.own.lottery_number), started,
                           **fields)
        except store.NumbersExhausted:
            return _finish(answers.exhausted(), started, reason="numbers_exhausted", **fields)
        fields["lotteryNumber"] = reg.lottery_number
        if reg.replayed:
            fields["replayed"] = True
        return _finish(answers.success(reg.lottery_number), started, **fields)
    except Exception as exc:  # noqa: BLE001 - the edge: Connect must get an answer
        fields["error"] = repr(exc)[:300]
        return _finish(answers.error(), started, **fields)
