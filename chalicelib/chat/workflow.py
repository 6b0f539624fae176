"""Starting the partner-confirmation state machine for a request.

The execution is named after the request id, so starting it twice (a retried
Lambda, a double submit) can never run two confirmations for one request. A
second start with the same name gets the running execution back (same input)
or ``ExecutionAlreadyExists``; both mean "started", so both are success here.
"""

from __future__ import annotations

import json

from chalicelib import aws, logs, settings


def workflow_input(request_id: str) -> dict[str, object]:
    """The execution's input: the wait's timeout (WaitPartner's
    TimeoutSecondsPath, also carried to the link handler, which stores the
    deadline from it) and when the reminder is due (ScheduleReminder's
    DelaySeconds)."""
    current = settings.current()
    return {"requestId": request_id, "timeoutSeconds": current.partner_timeout_seconds,
            "reminderSeconds": current.reminder_seconds}


def start_partner_confirmation(request_id: str) -> str | None:
    """Start the execution; its ARN, or None when it already existed. Any other
    failure raises."""
    try:
        out = aws.client("stepfunctions").start_execution(
            stateMachineArn=settings.current().require("partner_confirmation_arn"),
            name=request_id,
            input=json.dumps(workflow_input(request_id)),
        )
    except Exception as exc:
        if aws.error_code(exc) == "ExecutionAlreadyExists":
            logs.record("partner_confirmation_exists", requestId=request_id)
            return None
        raise
    logs.record("partner_confirmation_started", requestId=request_id)
    return out["executionArn"]
