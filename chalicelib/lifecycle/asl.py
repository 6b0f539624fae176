"""The state machine's part of the lifecycle, generated from the table: the
``MarkTimeout`` and ``TakeRecordedAnswer`` states of
stepfunctions/partner-confirmation.json are the ``mark_timeout`` and
``take_recorded_answer`` rows written as DynamoDB ``updateItem`` tasks. The
rest of the ASL is hand-written; `render` replaces only those states, and a
unit test fails while the committed file differs from what `render` makes of it.

At the deadline the record is the truth: ``MarkTimeout`` times out a request
that holds no answer; when its condition fails (``ConditionalCheckFailed``)
``TakeRecordedAnswer`` takes an answer that was recorded (the claim landed)
but whose SendTaskSuccess never did, and the customer is told that answer
(``RecordedAnswer``, hand-written, then ``NotifyCustomer``)."""

from __future__ import annotations

from typing import Any

from chalicelib.lifecycle import rules
from chalicelib.lifecycle.operations import ANSWER_FIELDS, ANSWER_TAKEN_AT, ANSWER_TOKEN
from chalicelib.lifecycle.store import SK, pk

STATE = "MarkTimeout"
TAKE_STATE = "TakeRecordedAnswer"
# The hand-written Pass state after TakeRecordedAnswer: outcome "answered".
RECORDED_STATE = "RecordedAnswer"
COMMENT = (
    "Generated from chalicelib/lifecycle/rules.py (row mark_timeout); do not edit, run "
    "`python -m scripts.generate_lifecycle`. The wait is over without an answer the state "
    "machine accepted. A request still waiting ({sources}: no answer recorded) is {target} "
    "and escalated to the operators (events {events}, escalatedAt). Any other status fails "
    "the condition: TakeRecordedAnswer looks for an answer recorded but never delivered. "
    "Every other error, once the retries are spent, is caught: the customer is notified "
    "whatever the table said.")
TAKE_COMMENT = (
    "Generated from chalicelib/lifecycle/rules.py (row take_recorded_answer); do not edit, "
    "run `python -m scripts.generate_lifecycle`. The record is the truth: a request "
    "{sources} with a partnerDecision holds an answer (the partner's click or an operator's "
    "entry) whose SendTaskSuccess never landed; the workflow takes it (answerTakenAt, the "
    "claim's task token removed, so a retry of that answer is told it was delivered) and "
    "the customer is told that answer, never a timeout. Any other request (Failed, or "
    "already Timeout) or any error: the timeout notification, as before.")

_RETRY = [{
    "ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException",
                    "DynamoDB.InternalServerErrorException",
                    "DynamoDB.AmazonDynamoDBException"],
    "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 3,
}]
_KEY = {"pk": {"S.$": f"States.Format('{pk('{}')}', $.requestId)"}, "sk": {"S": SK}}


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
            "Key": _KEY,
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
        "Retry": _RETRY,
        "Catch": [{"ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"],
                   "ResultPath": None, "Next": TAKE_STATE},
                  {"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "TimedOut"}],
        "Next": "TimedOut",
    }


def take_recorded_answer_state() -> dict[str, Any]:
    row = rules.transition("take_recorded_answer")
    sources = row.sources or ()
    source_values = {f":s{i}": {"S": status} for i, status in enumerate(sources)}
    return {
        "Type": "Task",
        "Comment": TAKE_COMMENT.format(sources=" or ".join(sources)),
        "Resource": "arn:aws:states:::dynamodb:updateItem",
        "Parameters": {
            "TableName": "${TableName}",
            "Key": _KEY,
            "UpdateExpression": (f"SET {ANSWER_TAKEN_AT} = :at, updatedAt = :at "
                                 f"REMOVE {ANSWER_TOKEN}"),
            "ConditionExpression": (f"#status IN ({', '.join(source_values)}) "
                                    "AND attribute_exists(#decision)"),
            "ExpressionAttributeNames": {"#status": "status", "#decision": ANSWER_FIELDS[0]},
            "ExpressionAttributeValues": {**source_values,
                                          ":at": {"S.$": "$$.State.EnteredTime"}},
        },
        "ResultPath": None,
        "Retry": _RETRY,
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "TimedOut"}],
        "Next": RECORDED_STATE,
    }


def render(definition: dict[str, Any]) -> dict[str, Any]:
    """``definition`` with its generated state(s) made from the table."""
    states = dict(definition["States"])
    for needed in (STATE, RECORDED_STATE):
        if needed not in states:
            raise ValueError(f"the state machine has no {needed} state")
    states[STATE] = mark_timeout_state()
    states[TAKE_STATE] = take_recorded_answer_state()
    return {**definition, "States": states}
