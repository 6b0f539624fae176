"""The state machine's part of the lifecycle, generated from the table: the
``MarkTimeout`` state of stepfunctions/partner-confirmation.json is the
``mark_timeout`` row written as a DynamoDB ``updateItem`` task. The rest of
the ASL is hand-written; `render` replaces only that state, and a unit test
fails while the committed file differs from what `render` makes of it."""

from __future__ import annotations

from typing import Any

from chalicelib.lifecycle import rules
from chalicelib.lifecycle.operations import ANSWER_FIELDS
from chalicelib.lifecycle.store import SK, pk

STATE = "MarkTimeout"
COMMENT = (
    "Generated from chalicelib/lifecycle/rules.py (row mark_timeout); do not edit, run "
    "`python -m scripts.generate_lifecycle`. The wait is over without an answer the state "
    "machine accepted, so the request is {target} and escalated to the operators "
    "(events {events}, escalatedAt) whatever it was: {sources} (a click that claimed "
    "the link but whose SendTaskSuccess never landed; that claim's answer is removed). "
    "Any other status stays as it is (the condition fails). Every error, the refused "
    "condition or any other once the retries are spent, is caught: the customer is "
    "notified whatever the table said.")


def mark_timeout_state() -> dict[str, Any]:
    row = rules.transition("mark_timeout")
    (target,) = row.targets
    sources = row.sources or ()
    source_values = {f":s{i}": {"S": status} for i, status in enumerate(sources)}
    at = {"S.$": "$$.State.EnteredTime"}
    return {
        "Type": "Task",
        "Comment": COMMENT.format(target=target, events=", ".join(row.events),
                                  sources=", ".join(sources)),
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": "${TableName}",
            "Key": {"pk": {"S.$": f"States.Format('{pk('{}')}', $.requestId)"},
                    "sk": {"S": SK}},
            "UpdateExpression": (
                "SET #status = :to, updatedAt = :at, "
                + ("escalatedAt = :at, " if rules.ESCALATED in row.events else "") +
                "events = list_append(if_not_exists(events, :none), :event) "
                "REMOVE " + ", ".join(ANSWER_FIELDS)),
            "ConditionExpression": f"#status IN ({', '.join(source_values)})",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":to": {"S": target},
                **source_values,
                ":at": at,
                ":none": {"L": []},
                ":event": {"L": [{"M": {"type": {"S": event_type}, "at": at}}
                                 for event_type in row.events]},
            },
        },
        "ResultPath": None,
        "Retry": [{
            "ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException",
                            "DynamoDB.InternalServerErrorException",
                            "DynamoDB.AmazonDynamoDBException"],
            "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 3,
        }],
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "TimedOut"}],
        "Next": "TimedOut",
    }


def render(definition: dict[str, Any]) -> dict[str, Any]:
    """``definition`` with its generated state(s) made from the table."""
    states = dict(definition["States"])
    if STATE not in states:
        raise ValueError(f"the state machine has no {STATE} state")
    states[STATE] = mark_timeout_state()
    return {**definition, "States": states}
