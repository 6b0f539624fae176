"""The request's lifecycle in one table: its statuses, its events, and every
change a request can go through (which statuses it may start from, which it
may end in, which events it appends).

Everything else follows from here: the operations in ``operations`` check
their status guard against this table, the state machine's ``MarkTimeout``
and ``TakeRecordedAnswer`` states are generated from the ``mark_timeout`` and
``take_recorded_answer`` rows (``asl.py``), and
docs/request-lifecycle.md is generated from it (``docs.py``). A new status or
event is added here, then ``python -m scripts.generate_lifecycle`` rewrites
the ASL and the doc; a test fails while either is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass

# -- statuses (contract §3) --------------------------------------------------
CREATED = "Created"
SMS_SENT = "SMS Sent"
RESPONDED = "Responded"
TIMEOUT = "Timeout"
FAILED = "Failed"
STATUSES = (CREATED, SMS_SENT, RESPONDED, TIMEOUT, FAILED)

# -- events (a request's timeline; statuses are events too) ------------------
OPENED = "Opened"
NOTIFIED = "Notified"
ANSWER_NOT_DELIVERED = "AnswerNotDelivered"
REMINDER_SENT = "ReminderSent"
ESCALATED = "Escalated"
# Operators' actions and the customer's reply to a proposed time (contract §5).
LINK_RESENT = "LinkResent"
ANSWERED_BY_OPERATOR = "AnsweredByOperator"
CLOSED = "Closed"
CUSTOMER_ACCEPTED = "CustomerAccepted"
CUSTOMER_DECLINED = "CustomerDeclined"
EVENTS = (CREATED, SMS_SENT, OPENED, RESPONDED, TIMEOUT, NOTIFIED, FAILED,
          ANSWER_NOT_DELIVERED, REMINDER_SENT, ESCALATED, LINK_RESENT, ANSWERED_BY_OPERATOR,
          CLOSED, CUSTOMER_ACCEPTED, CUSTOMER_DECLINED)

# While the partner is being waited for (the link works, an answer is taken).
WAITING = (CREATED, SMS_SENT)
# A request that has ended (the partner answered, the wait ran out, or it
# failed): its personal data is erased after the retention period.
ENDED = (RESPONDED, TIMEOUT, FAILED)

NEW = ()      # ``sources``: the request does not exist yet
ANY = None    # ``sources``: any status (the request must exist)


@dataclass(frozen=True)
class Transition:
    """One kind of change. ``targets`` empty: the status stays as it is."""

    name: str
    sources: tuple[str, ...] | None
    targets: tuple[str, ...]
    events: tuple[str, ...]
    why: str
    # Who makes it: the operation in ``operations`` or the state machine.
    by: str = "operations"

    def allows(self, status: str | None) -> bool:
        if self.sources is None:
            return status is not None
        if self.sources == NEW:
            return status is None
        return status in self.sources


TRANSITIONS: tuple[Transition, ...] = (
    Transition("create", NEW, (CREATED,), (CREATED,),
               "the chat message named a reservation of this customer"),
    Transition("create_failed", NEW, (FAILED,), (CREATED, FAILED),
               "the reservation is unknown or not this customer's"),
    Transition("fail", (CREATED,), (FAILED,), (FAILED,),
               "the workflow could not start, or the partner has no usable phone"),
    Transition("claim_link", WAITING, (), (),
               "a delivery of the link message takes the link (idempotency lock)"),
    Transition("release_link", ANY, (), (),
               "the SMS could not be sent: the lock is given up for the retry"),
    Transition("rebind_link", WAITING, (), (),
               "Step Functions retried the wait: the new task token replaces the old"),
    Transition("mark_sent", (CREATED,), (SMS_SENT,), (SMS_SENT,),
               "the partner's SMS went out"),
    Transition("record_open", WAITING, (), (OPENED,),
               "the partner opened the link (counted; the first few kept on the timeline)"),
    Transition("record_refusal", ANY, (), (FAILED,),
               "a link naming the request was refused (counted; the first few kept)"),
    Transition("record_answer", WAITING, (RESPONDED,), (RESPONDED,),
               "the partner's first answer claims the request and takes its task token"),
    Transition("reopen", (RESPONDED,), WAITING, (ANSWER_NOT_DELIVERED,),
               "the answer could not be handed to the workflow, which still waits"),
    Transition("answer_too_late", (RESPONDED,), (TIMEOUT,), (TIMEOUT,),
               "the workflow's execution had ended without taking the answer when the "
               "answer reached it (never once the deadline took the recorded answer)"),
    Transition("mark_timeout", (CREATED, SMS_SENT), (TIMEOUT,), (TIMEOUT, ESCALATED),
               "the wait ended with no answer recorded: escalated to the operators "
               "(escalatedAt) in the same write",
               by="state machine (MarkTimeout)"),
    Transition("take_recorded_answer", (RESPONDED,), (), (),
               "the wait ended with an answer recorded (the partner's or an operator's) "
               "that never reached the workflow: the record is the truth, the workflow "
               "takes that answer (answerTakenAt) and the customer is told it",
               by="state machine (TakeRecordedAnswer)"),
    Transition("claim_reminder", (SMS_SENT,), (), (),
               "the reminder's delayed message takes the reminder while the partner has "
               "the SMS and has not answered (idempotency lock, at most one reminder)"),
    Transition("release_reminder", ANY, (), (),
               "the reminder SMS could not be sent: the lock is given up for the retry"),
    Transition("mark_reminded", ANY, (), (REMINDER_SENT,),
               "the reminder SMS went out (once: only the delivery holding the lock)"),
    Transition("claim_escalation_alarm", (TIMEOUT,), (), (),
               "the escalation's page to the alarms topic is taken, once per request"),
    Transition("release_escalation_alarm", ANY, (), (),
               "the page could not be sent: given up for the retry"),
    Transition("claim_notification", ANY, (), (),
               "a delivery of the notify message takes the request for a while"),
    Transition("notify", ANY, (), (NOTIFIED,),
               "the customer's message is stored, at most once"),
    Transition("resend_link", WAITING, (), (LINK_RESENT,),
               "an operator sends the partner a new link; links expiring before it are refused"),
    Transition("operator_answer", WAITING, (RESPONDED,), (RESPONDED, ANSWERED_BY_OPERATOR),
               "an operator enters the partner's answer taken by phone; the workflow gets it"),
    Transition("operator_answer_late", (TIMEOUT,), (RESPONDED,),
               (RESPONDED, ANSWERED_BY_OPERATOR),
               "an operator enters the partner's answer after the wait; the customer is told anew"),
    Transition("close", (RESPONDED, TIMEOUT, FAILED), (), (CLOSED,),
               "an operator closes a finished request (follow-up done)"),
    Transition("customer_accept", (RESPONDED,), (), (CUSTOMER_ACCEPTED,),
               "the customer accepts the partner's proposed time, once"),
    Transition("customer_decline", (RESPONDED,), (), (CUSTOMER_DECLINED,),
               "the customer declines the partner's proposed time, once: on the operators' "
               "follow-up list (escalatedAt) in the same write"),
    Transition("escalate_refusal", (RESPONDED,), (), (),
               "the partner (or an operator for them) refused a trouble report: on the "
               "operators' follow-up list (escalatedAt), once"),
    Transition("erase_personal_data", ENDED, (), (),
               "PERSONAL_DATA_RETENTION_DAYS after the request's last change: its phones, "
               "names and texts are erased; id, status, intent and times stay",
               by="retention sweep (erase_personal_data)"),
)

BY_NAME = {t.name: t for t in TRANSITIONS}


def transition(name: str) -> Transition:
    return BY_NAME[name]


def check_table() -> None:
    """The table is consistent: names unique, every status and event known."""
    if len(BY_NAME) != len(TRANSITIONS):
        raise ValueError("transition names must be unique")
    for t in TRANSITIONS:
        for status in (t.sources or ()) + t.targets:
            if status not in STATUSES:
                raise ValueError(f"{t.name}: unknown status {status!r}")
        for event in t.events:
            if event not in EVENTS:
                raise ValueError(f"{t.name}: unknown event {event!r}")
