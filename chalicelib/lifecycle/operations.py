"""Every write to a request item, one intention each. Each takes and returns
domain values and is one conditional write (a few, noted, fall back to a
second one when the first is refused); its status guard comes from the
lifecycle table (``rules``), so an operation cannot move a request where the
table does not allow.

The partner link's server-side state lives on the request item too, so that
one conditional write can both act on the request and carry the link:

    taskToken      the Step Functions task token: a credential that can finish
                   the workflow. It never goes into a URL, an SMS or a log; the
                   answer's claim removes it.
    linkState      INPROGRESS | COMPLETED: the link handler's idempotency state,
                   in the manner of Powertools' idempotency utility: a
                   conditional write takes it INPROGRESS with a lock expiry
                   (linkLockUntil), the SMS goes out, it turns COMPLETED in the
                   same write as ``SMS Sent``. A redelivered message finds
                   COMPLETED and sends nothing; a handler that died mid-way
                   leaves an INPROGRESS whose lock runs out, so a later
                   delivery may retake it.
    linkSentAt, linkUsedAt, linkReboundAt   when it was sent, answered, re-bound.
    answerTaskToken, answerAttempt   the claim moves the task token here (out
                   of ``taskToken``, so no second answer can take it) next to
                   the attempt id of the page that answered: a retry of that
                   same answer -- its first try's write landed but the answer
                   was lost -- is recognised and can still resume the workflow.
                   The notification removes both.
    linkExpiresAt  the sent link's expiry (epoch seconds): the reminder re-seals
                   the same link from it, so the partner gets the very same URL.
    deadline       when the workflow's wait ends (ISO 8601, +09:00): the wait's
                   start as the state machine entered it plus its timeout,
                   both carried by the link message, so it is the workflow's
                   own moment (see `chalicelib.partner.sender`).

The reminder (one per request) follows the link's pattern: reminderState
INPROGRESS with a lock (reminderLockUntil, reminderBy), the SMS, then
COMPLETED with ``ReminderSent`` in one write by the lock's holder only.
A timeout escalates (``Escalated``, escalatedAt, written by the state machine);
escalationAlarmAt marks the alarm topic's page for it as taken (once).
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from chalicelib import clock
from chalicelib.lifecycle import rules
from chalicelib.lifecycle.change import (
    AllOf,
    AnyOf,
    Attempt,
    Below,
    Change,
    Condition,
    Equals,
    Missing,
    Present,
    below_cap,
)
from chalicelib.lifecycle.rules import (
    ANSWER_NOT_DELIVERED,
    ANSWERED_BY_OPERATOR,
    CLOSED,
    CREATED,
    CUSTOMER_ACCEPTED,
    CUSTOMER_DECLINED,
    ESCALATED,
    FAILED,
    LINK_RESENT,
    NOTIFIED,
    OPENED,
    REMINDER_SENT,
    RESPONDED,
    SMS_SENT,
    TIMEOUT,
)
from chalicelib.lifecycle.store import LIST_PARTITION, RequestStore, pk
from chalicelib.nlu.catalogue import REPORT_TROUBLE

# What `GET /api/requests/{id}` shows; everything else stays inside
# (``deadline`` only while the partner is waited for: see `public_view`).
PUBLIC_FIELDS = ("requestId", "status", "intent", "reservationNumber",
                 "partnerDecision", "alternativeTime", "notification", "events", "deadline")
DEADLINE = "deadline"
ESCALATED_AT = "escalatedAt"
# What tells a request's own earlier write from anything else under its id.
_OWN_WRITE = ("gsi1sk", "customerPhone", "text", "intent", "reservationNumber")

# The partner's answer: removed again when it is taken back or times out.
ANSWER_FIELDS = ("partnerDecision", "alternativeTime", "respondedAt")

# -- the link ------------------------------------------------------------------
INPROGRESS = "INPROGRESS"
COMPLETED = "COMPLETED"
# The link handler's Lambda timeout in dev/prod (.chalice/config.json): a
# claim's lock never outlives the invocation that took it (the handler passes
# its remaining time, see `sender`), so a crashed holder's redelivery -- due
# after the queue's visibility timeout, 15 s (provision/stages.py
# queue_visibility) -- finds the lock expired and sends the SMS.
LOCK_SECONDS = 10
TASK_TOKEN = "taskToken"
LINK_STATE = "linkState"
LOCK_UNTIL = "linkLockUntil"
SENT_AT = "linkSentAt"
USED_AT = "linkUsedAt"
REBOUND_AT = "linkReboundAt"
ANSWER_TOKEN = "answerTaskToken"
ANSWER_ATTEMPT = "answerAttempt"
# When the workflow took a recorded answer at the deadline (TakeRecordedAnswer).
ANSWER_TAKEN_AT = "answerTakenAt"
LINK_EXPIRES_AT = "linkExpiresAt"
# Link field on the request -> its name in `link_view`.
_LINK_VIEW = {LINK_STATE: "state", TASK_TOKEN: "taskToken", LOCK_UNTIL: "lockUntil",
              SENT_AT: "sentAt", USED_AT: "usedAt", REBOUND_AT: "reboundAt"}

# -- operators' actions -----------------------------------------------------------
# The token has no nonce: a resent link is told from the old one by its expiry.
# The request keeps the new link's expiry; a token expiring earlier is refused.
LINK_MIN_EXPIRY = "linkMinExpiry"
RESENT_EPOCH = "linkResentEpoch"
# When the customer's chat last looked at a timed-out request (epoch seconds;
# chalicelib/chat/late_answer.py): is anyone there to read a late answer?
CHAT_SEEN_EPOCH = "chatSeenEpoch"
# One resend per this many seconds: a double click or two operators at once
# send one SMS, not two.
RESEND_COOLDOWN_SECONDS = 30
CLOSED_AT = "closedAt"
OPERATOR_ANSWER = "operatorAnswer"
CUSTOMER_REPLY = "customerReply"

# -- personal data's retention (chalicelib/retention/) -----------------------------
# ``personalData = "held"`` from the request's creation until its erasure: the
# partition key of the sparse ``personalData`` index, sorted by updatedAt.
PERSONAL_DATA = "personalData"
HELD = "held"
ERASED_AT = "personalDataErasedAt"
# What erasure removes: phones, names, texts and everything quoting them (the
# reservation's details, the customer's message, the partner's proposed time
# and any note), and what links the request to other records (the chat
# session) or could still act on it (task tokens; the customer's token's hash:
# nobody needs to read an erased request from the chat).
PERSONAL_FIELDS = ("customerPhone", "text", "partnerName", "partnerPhone", "reservation",
                   "notification", "alternativeTime", "closeNote", "sessionId",
                   "taskToken", "answerTaskToken", "answerAttempt", "customerTokenHash")
# What an event keeps: its kind and moment, and the codes the charts and the
# timeline read (an operator's free-text ``note`` goes).
KEPT_EVENT_FIELDS = ("type", "at", "decision", "reason", "source", "audience", "operator")

# -- counted events (strangers can trigger them) ---------------------------------
# Counted every time but appended to the timeline only a few times: a scanner
# must not be able to grow the item towards DynamoDB's 400 KB limit.
OPENED_CAP = 3
FAILED_CAP = 5
OPENED_COUNT = "openedCount"
# ``audience`` of an event the customer's view leaves out: a refused link says
# nothing about the customer's request (a stranger can forge one).
OPERATORS = "operators"
FAILED_COUNT = "failedCount"

# -- the notification ------------------------------------------------------------
# Longer than the notify handler can run (30 s in AWS), shorter than the
# queue's visibility timeout (6x that), so a crashed holder's redelivery can claim.
NOTIFY_CLAIM_SECONDS = 45
NOTIFY_CLAIM_UNTIL = "notifyClaimUntil"
NOTIFY_CLAIM_BY = "notifyClaimBy"

# -- the reminder and the escalation's page ----------------------------------------
REMINDER_STATE = "reminderState"
REMINDER_LOCK_UNTIL = "reminderLockUntil"
REMINDER_BY = "reminderBy"
REMINDED_AT = "remindedAt"
ALARM_AT = "escalationAlarmAt"


def new_request_id() -> str:
    """128 random bits, base64url without padding (22 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(16)).rstrip(b"=").decode()


def event(kind: str, **detail: Any) -> dict[str, Any]:
    """One timeline entry."""
    return {"type": kind, "at": clock.iso(), **{k: v for k, v in detail.items() if v is not None}}


def _change(name: str, *, to: str | None = None, events: tuple[dict[str, Any], ...] = (),
            **kwargs: Any) -> Change:
    """The change of transition ``name``: its status guard and event types come
    from the table, and what it asks for must be allowed there."""
    row = rules.transition(name)
    if to is not None and to not in row.targets:
        raise ValueError(f"{name} cannot lead to {to!r}")
    if tuple(e["type"] for e in events) != row.events:
        raise ValueError(f"{name} appends {row.events}, not {events}")
    fields = dict(kwargs.pop("fields", {}))
    if to is not None:
        fields["status"] = to
    elif len(row.targets) == 1:
        fields["status"] = row.targets[0]
    return Change(fields=fields, events=events, expect_status=row.sources, **kwargs)


@dataclass(frozen=True)
class Claim:
    """Outcome of taking the link for one delivery of a link message."""

    taken: bool              # this delivery must send the SMS
    state: str | None = None  # what blocked it otherwise: COMPLETED or INPROGRESS
    same_token: bool = False  # the blocking record holds this very task token
    # The request: after the claim when taken, as it stood otherwise (None: unknown).
    request: dict[str, Any] | None = None


class Requests:
    """The request operations over one store."""

    def __init__(self, store: RequestStore) -> None:
        self.store = store

    # -- reading ---------------------------------------------------------------

    def get(self, request_id: str) -> dict[str, Any] | None:
        if not isinstance(request_id, str) or not request_id or len(request_id) > 64:
            return None
        return self.store.get(request_id)

    def list_recent(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest requests first (the dashboard's window)."""
        return self.store.list_recent(limit)

    def recent_statuses(self, limit: int) -> list[str]:
        """The statuses of the newest requests (the dashboard's counts)."""
        return self.store.recent_statuses(limit)

    def link(self, request_id: str) -> dict[str, Any] | None:
        return link_view(self.get(request_id))

    # -- the chat's intake -----------------------------------------------------

    def create(self, request_id: str, *, intent: str, reservation_number: str,
               customer_phone: str, text: str, failure_reason: str | None = None,
               **fields: Any) -> dict[str, Any]:
        """Write a new request. With ``failure_reason`` it is written already
        ``Failed`` (events Created, then Failed): the same record as creating
        it and failing it, in one write."""
        row = rules.transition("create_failed" if failure_reason else "create")
        at = clock.iso()
        events = [{"type": kind, "at": at} for kind in row.events]
        if failure_reason:
            events[-1]["reason"] = failure_reason
        item = {
            "pk": pk(request_id), "sk": "REQ",
            "gsi1pk": LIST_PARTITION, "gsi1sk": f"{at}#{request_id}",
            "requestId": request_id, "status": row.targets[0],
            "intent": intent, "reservationNumber": reservation_number,
            "customerPhone": customer_phone, "text": text, "createdAt": at, "updatedAt": at,
            "events": events,
            # Keys the retention sweep's sparse index until erasure removes it.
            PERSONAL_DATA: HELD,
            **fields,
        }
        if not self.store.put_new(item):
            # The id is 128 random bits: the item there is this very write, landed
            # on an attempt whose answer was lost and refused on the SDK's retry.
            # It is ours when it carries this write's own moment and words.
            stored = self.store.get(request_id)
            if not stored or any(stored.get(k) != item[k] for k in _OWN_WRITE):
                raise RuntimeError("request id collision")  # never expected
            return stored
        return item

    def fail(self, request_id: str, reason: str) -> dict[str, Any] | None:
        """A ``Created`` request can go no further (e.g. its workflow did not
        start). The request after, or None when it was not ``Created``."""
        done = self.store.apply(request_id, _change(
            "fail", events=(event(FAILED, reason=reason),)))
        return done.item if done else None

    # -- the partner link (link handler) -----------------------------------------

    def claim_link(self, request_id: str, task_token: str, *, now: int | None = None,
                   lock_seconds: int = LOCK_SECONDS, deadline: str | None = None) -> Claim:
        """Take the link for this delivery, only while the request waits and no
        other delivery holds it (or its lock ran out). ``lock_seconds``: how
        long the holder may still run (at most its invocation's remaining time);
        ``deadline``: when this wait ends, stored with it."""
        now = clock.epoch() if now is None else now
        lock_seconds = max(1, min(LOCK_SECONDS, lock_seconds))
        fields = {LINK_STATE: INPROGRESS, TASK_TOKEN: task_token, LOCK_UNTIL: now + lock_seconds}
        if deadline:
            fields[DEADLINE] = deadline
        done = self.store.apply(request_id, _change(
            "claim_link",
            fields=fields,
            require=AnyOf((Missing(LINK_STATE),
                           AllOf((Equals(LINK_STATE, INPROGRESS), Below(LOCK_UNTIL, now)))))))
        if done:
            return Claim(taken=True, request=done.item)
        found = done.item or {}
        return Claim(taken=False, state=found.get(LINK_STATE),
                     same_token=found.get(TASK_TOKEN) == task_token, request=done.item)

    def mark_sent(self, request_id: str, task_token: str,
                  link_expires_at: int | None = None) -> bool:
        """The SMS went out: INPROGRESS -> COMPLETED and the request ``Created``
        -> ``SMS Sent`` (with its event) in one write, for the delivery holding
        the link. True when this delivery's write landed."""
        held = _held(task_token)
        done_fields: dict[str, Any] = {LINK_STATE: COMPLETED, SENT_AT: clock.iso()}
        if link_expires_at is not None:
            done_fields[LINK_EXPIRES_AT] = link_expires_at
        sent = self.store.apply(request_id, _change(
            "mark_sent", fields=done_fields, remove=(LOCK_UNTIL,), require=held,
            events=(event(SMS_SENT),)))
        if sent:
            return True
        # Rare: the request moved on while the SMS was going out (the wait timed
        # out, say), or our lock ran out and another delivery holds the link.
        found = sent.item or {}
        if found.get(LINK_STATE) == INPROGRESS and found.get(TASK_TOKEN) == task_token:
            return bool(self.store.apply(request_id, Change(
                fields=done_fields, remove=(LOCK_UNTIL,), require=held)))
        if found.get("status") == CREATED:
            # The partner has the SMS whoever holds the link: the request says so.
            self.store.apply(request_id, _change("mark_sent", events=(event(SMS_SENT),)))
        return False

    def release_link(self, request_id: str, task_token: str) -> bool:
        """Give the link up after a failed send, so the retry need not wait for the lock."""
        return bool(self.store.apply(request_id, _change(
            "release_link", remove=(LINK_STATE, TASK_TOKEN, LOCK_UNTIL),
            require=_held(task_token))))

    def fail_unreachable(self, request_id: str, task_token: str) -> bool:
        """No usable partner phone: the request fails and the link is given up, in one write."""
        failed = self.store.apply(request_id, _change(
            "fail", events=(event(FAILED, reason="partner_unreachable"),),
            remove=(LINK_STATE, TASK_TOKEN, LOCK_UNTIL), require=_held(task_token)))
        if not failed:
            self.release_link(request_id, task_token)
        return bool(failed)

    def fail_over_budget(self, request_id: str, task_token: str) -> bool:
        """The partner's SMS budget for the day is spent: the request fails
        into the operators' follow-up list (escalatedAt: the sparse escalated
        index) and the link is given up, in one write, by the link's holder."""
        failed = self.store.apply(request_id, _change(
            "fail", events=(event(FAILED, reason="sms_budget"),),
            fields={ESCALATED_AT: clock.iso()},
            remove=(LINK_STATE, TASK_TOKEN, LOCK_UNTIL), require=_held(task_token)))
        if not failed:
            self.release_link(request_id, task_token)
        return bool(failed)

    def rebind_link(self, request_id: str, task_token: str,
                    deadline: str | None = None) -> bool:
        """A new task token for a link already sent (Step Functions retried the
        wait): the partner's link is bound to the request, not the task token,
        so the stored token is swapped and no second SMS goes out. Only while
        the request waits. The retried wait has its own (later) deadline."""
        fields = {TASK_TOKEN: task_token, REBOUND_AT: clock.iso()}
        if deadline:
            fields[DEADLINE] = deadline
        return bool(self.store.apply(request_id, _change(
            "rebind_link", fields=fields,
            require=Equals(LINK_STATE, COMPLETED))))

    # -- the partner's page ------------------------------------------------------

    def record_open(self, request_id: str, link_expires_at: int | None = None) -> Attempt:
        """The link was opened: count it on the request, only while the request
        is still waiting, and return the request for the page. (The link names
        the request, whose partner is written once at intake: the link's
        partner is the request's, see `chalicelib.links.tokens`.)

        One write while fewer than ``OPENED_CAP`` opens were counted (the event
        is appended in it); past the cap a second, count-only write (DynamoDB
        cannot append conditionally within one update). A refused write returns
        the request as it stood, so the caller can say why without reading it."""
        row = rules.transition("record_open")
        current = _current_link(link_expires_at)
        first = self.store.apply(request_id, _change(
            "record_open", events=(event(OPENED),), count=OPENED_COUNT,
            require=_all(below_cap(OPENED_COUNT, OPENED_CAP), current)))
        found = first.item
        if first or not found or not row.allows(found.get("status")) \
                or link_replaced(found, link_expires_at):
            return first
        return self.store.apply(request_id, Change(
            count=OPENED_COUNT, expect_status=row.sources, require=current))

    def record_refusal(self, request_id: str, reason: str) -> bool | None:
        """A link naming this request was refused: count it; append a
        ``Failed`` event while fewer than ``FAILED_CAP`` were counted. True if
        appended, False if only counted, None if the request does not exist."""
        if self.store.apply(request_id, _change(
                "record_refusal", events=(event(FAILED, reason=reason, audience=OPERATORS),),
                count=FAILED_COUNT,
                require=below_cap(FAILED_COUNT, FAILED_CAP))):
            return True
        if self.store.apply(request_id, Change(count=FAILED_COUNT)):
            return False
        return None

    def record_answer(self, request_id: str, decision: str,
                      alternative_time: str | None, responded_at: str,
                      attempt: str | None = None,
                      link_expires_at: int | None = None) -> Attempt:
        """The partner's answer: the first one claims the waiting request
        (``Responded``) and moves its task token out of ``taskToken`` (to
        ``answerTaskToken``, with the page's ``attempt`` id) in the same write,
        which returns the request as it was before (with the token: no read
        before, no clean-up after). Refused: the request as it stood, so a
        retry of this very answer can tell it won (`same_answer`)."""
        fields = {"partnerDecision": decision, "respondedAt": responded_at,
                  USED_AT: responded_at}
        if alternative_time:
            fields["alternativeTime"] = alternative_time
        if attempt:
            fields[ANSWER_ATTEMPT] = attempt
        return self.store.apply(request_id, _change(
            "record_answer", fields=fields, moves=((ANSWER_TOKEN, TASK_TOKEN),),
            remove=(TASK_TOKEN,), returned="old",
            events=(event(RESPONDED, decision=decision),),
            require=_all(Present(TASK_TOKEN), _current_link(link_expires_at))))

    def reopen(self, request_id: str, responded_at: str, status_before: str,
               task_token: str, reason: str) -> bool:
        """Take back our own answer (matched on its timestamp) that the workflow
        did not get while it still waits: the request goes back to
        ``status_before`` with its task token, so the partner can answer again.
        ``AnswerNotDelivered``, not ``Failed``: the request goes on."""
        return bool(self.store.apply(request_id, _change(
            "reopen", to=status_before, fields={TASK_TOKEN: task_token},
            remove=ANSWER_FIELDS + (USED_AT, ANSWER_TOKEN, ANSWER_ATTEMPT),
            require=Equals("respondedAt", responded_at),
            events=(event(ANSWER_NOT_DELIVERED, reason=reason),))))

    def answer_too_late(self, request_id: str, responded_at: str, reason: str) -> bool:
        """Take back our own answer: the workflow's execution ended without it.
        Never an answer the deadline already took (``answerTakenAt``)."""
        return bool(self.store.apply(request_id, _change(
            "answer_too_late", remove=ANSWER_FIELDS + (ANSWER_TOKEN,),
            require=AllOf((Equals("respondedAt", responded_at), Missing(ANSWER_TAKEN_AT))),
            events=(event(TIMEOUT, reason=reason),))))

    def take_recorded_answer(self, request_id: str) -> bool:
        """What the state machine's ``TakeRecordedAnswer`` does (generated from the
        same row, see ``asl``): the wait ended with an answer recorded but never
        delivered; the workflow takes it."""
        at = clock.iso()
        return bool(self.store.apply(request_id, _change(
            "take_recorded_answer", fields={ANSWER_TAKEN_AT: at},
            remove=(ANSWER_TOKEN,), require=Present(ANSWER_FIELDS[0]))))

    def mark_timeout(self, request_id: str) -> bool:
        """What the state machine's ``MarkTimeout`` does (generated from the same
        row, see ``asl``): the wait is over with no answer recorded, the
        request is ``Timeout``, escalated to the operators (``Escalated``,
        escalatedAt). A request holding a recorded answer is not touched:
        `take_recorded_answer` is for it (the record is the truth)."""
        at = clock.iso()
        return bool(self.store.apply(request_id, _change(
            "mark_timeout", remove=ANSWER_FIELDS, fields={ESCALATED_AT: at},
            events=({"type": TIMEOUT, "at": at}, {"type": ESCALATED, "at": at}))))

    # -- the reminder (link handler, the state machine's delayed message) ----------

    def claim_reminder(self, request_id: str, holder: str,
                       now: int | None = None) -> Attempt:
        """Take the reminder for this delivery: only while the partner has the
        SMS and has not answered (the answer removes the task token in its own
        conditional write, so a reminder can never be claimed after it), and
        only when no reminder went out and no other delivery holds it. True:
        the request after; refused: as it stood (None: no such request)."""
        now = clock.epoch() if now is None else now
        return self.store.apply(request_id, _change(
            "claim_reminder",
            fields={REMINDER_STATE: INPROGRESS, REMINDER_LOCK_UNTIL: now + LOCK_SECONDS,
                    REMINDER_BY: holder},
            require=AllOf((Present(TASK_TOKEN), Equals(LINK_STATE, COMPLETED),
                           AnyOf((Missing(REMINDER_STATE),
                                  AllOf((Equals(REMINDER_STATE, INPROGRESS),
                                         Below(REMINDER_LOCK_UNTIL, now)))))))))

    def mark_reminded(self, request_id: str, holder: str) -> bool:
        """The reminder went out: COMPLETED with ``ReminderSent``, by the
        delivery holding the lock only (so at most one event)."""
        return bool(self.store.apply(request_id, _change(
            "mark_reminded", fields={REMINDER_STATE: COMPLETED, REMINDED_AT: clock.iso()},
            remove=(REMINDER_LOCK_UNTIL, REMINDER_BY), events=(event(REMINDER_SENT),),
            require=_reminder_held(holder))))

    def release_reminder(self, request_id: str, holder: str) -> bool:
        """Give the reminder up after a failed send, so SQS's retry can take it."""
        return bool(self.store.apply(request_id, _change(
            "release_reminder", remove=(REMINDER_STATE, REMINDER_LOCK_UNTIL, REMINDER_BY),
            require=_reminder_held(holder))))

    def claim_escalation_alarm(self, request_id: str) -> bool:
        """Take the alarm topic's page for this escalation: once per request."""
        return bool(self.store.apply(request_id, _change(
            "claim_escalation_alarm", fields={ALARM_AT: clock.iso()},
            require=AllOf((Present(ESCALATED_AT), Missing(ALARM_AT))))))

    def release_escalation_alarm(self, request_id: str) -> bool:
        return bool(self.store.apply(request_id, _change(
            "release_escalation_alarm", remove=(ALARM_AT,), require=Present(ALARM_AT))))

    # -- the customer's notification ----------------------------------------------

    def claim_notification(self, request_id: str, holder: str,
                           now: int | None = None) -> Attempt:
        """Take the request for this delivery of the notify message (true: the
        request after the claim); refused, the request as it stood (None: no
        such request), so no read comes before it."""
        now = clock.epoch() if now is None else now
        return self.store.apply(request_id, _change(
            "claim_notification",
            fields={NOTIFY_CLAIM_UNTIL: now + NOTIFY_CLAIM_SECONDS, NOTIFY_CLAIM_BY: holder},
            require=AllOf((Missing("notification"),
                           AnyOf((Missing(NOTIFY_CLAIM_UNTIL),
                                  Below(NOTIFY_CLAIM_UNTIL, now)))))))

    def notify(self, request_id: str, message: str, source: str) -> dict[str, Any] | None:
        """Store the customer's message with its ``Notified`` event, at most
        once. Only the state machine asks for a notification, once its wait is
        over, so a task token still on the request (left by a timeout) is dead:
        it goes in the same write. The request after, or None."""
        notification = {"message": message, "source": source, "at": clock.iso()}
        done = self.store.apply(request_id, _change(
            "notify", fields={"notification": notification},
            remove=(NOTIFY_CLAIM_UNTIL, NOTIFY_CLAIM_BY, TASK_TOKEN, ANSWER_TOKEN),
            require=Missing("notification"), events=(event(NOTIFIED, source=source),)))
        return done.item if done else None


    # -- operators' actions (POST /api/admin/requests/{id}/actions) -----------------

    def resend_link(self, request_id: str, expires_at: int, operator: str | None,
                    now: int | None = None) -> Attempt:
        """A new link for a request whose SMS went out: from now on only links
        expiring at ``expires_at`` or later are taken. At most one per
        ``RESEND_COOLDOWN_SECONDS``. Returns the request as it was before
        (its previous floor, for `undo_resend`)."""
        now = clock.epoch() if now is None else now
        return self.store.apply(request_id, _change(
            "resend_link", fields={LINK_MIN_EXPIRY: expires_at, RESENT_EPOCH: now},
            returned="old", events=(event(LINK_RESENT, operator=operator),),
            require=AllOf((Equals(LINK_STATE, COMPLETED),
                           AnyOf((Missing(RESENT_EPOCH),
                                  Below(RESENT_EPOCH, now - RESEND_COOLDOWN_SECONDS)))))))

    def undo_resend(self, request_id: str, expires_at: int, previous: int | None) -> bool:
        """The new link's SMS did not go out: the old links work again and the
        operator may retry at once. Only if no later resend replaced ours."""
        restore = {LINK_MIN_EXPIRY: previous} if previous is not None else {}
        remove = (RESENT_EPOCH,) if previous is not None else (RESENT_EPOCH, LINK_MIN_EXPIRY)
        return bool(self.store.apply(request_id, Change(
            fields=restore, remove=remove, require=Equals(LINK_MIN_EXPIRY, expires_at))))

    def mark_chat_seen(self, request_id: str, now: int, every: int) -> bool:
        """The customer's chat looked at this timed-out request: at most one
        write per ``every`` seconds (the condition refuses the rest). Not a
        change of the lifecycle: the status and the timeline stay."""
        return bool(self.store.apply(request_id, Change(
            fields={CHAT_SEEN_EPOCH: now}, expect_status=(TIMEOUT,),
            require=AnyOf((Missing(CHAT_SEEN_EPOCH), Below(CHAT_SEEN_EPOCH, now - every + 1))))))

    def operator_answer(self, request_id: str, decision: str, alternative_time: str | None,
                        responded_at: str, operator: str, note: str) -> Attempt:
        """The partner's answer taken by phone, for a waiting request: the same
        claim as the partner's click (takes the task token, returns the request
        as it was before), with who entered it and why."""
        fields = _answer_fields(decision, alternative_time, responded_at)
        fields[OPERATOR_ANSWER] = {"operator": operator, "note": note, "at": responded_at,
                                   "late": False}
        return self.store.apply(request_id, _change(
            "operator_answer", fields=fields, remove=(TASK_TOKEN,), returned="old",
            events=(event(RESPONDED, decision=decision),
                    event(ANSWERED_BY_OPERATOR, operator=operator, note=note,
                          decision=decision)),
            require=Present(TASK_TOKEN)))

    def operator_answer_late(self, request_id: str, decision: str,
                             alternative_time: str | None, responded_at: str,
                             operator: str, note: str, now: int | None = None) -> Attempt:
        """The partner's answer taken by phone after the wait ended: the request
        becomes ``Responded`` and its timeout notification makes room for the
        answer's (the ``Notified`` event stays on the timeline). Refused while a
        notification is being written (its claim is live) or once closed."""
        now = clock.epoch() if now is None else now
        fields = _answer_fields(decision, alternative_time, responded_at)
        fields[OPERATOR_ANSWER] = {"operator": operator, "note": note, "at": responded_at,
                                   "late": True}
        # A timed-out request may already be erased: the note and the time are
        # personal data again, for the next sweep (PERSONAL_DATA_RETENTION_DAYS on).
        fields[PERSONAL_DATA] = HELD
        return self.store.apply(request_id, _change(
            "operator_answer_late", fields=fields,
            remove=("notification", TASK_TOKEN, NOTIFY_CLAIM_UNTIL, NOTIFY_CLAIM_BY),
            events=(event(RESPONDED, decision=decision),
                    event(ANSWERED_BY_OPERATOR, operator=operator, note=note,
                          decision=decision)),
            require=AllOf((Missing(CLOSED_AT),
                           AnyOf((Missing(NOTIFY_CLAIM_UNTIL),
                                  Below(NOTIFY_CLAIM_UNTIL, now)))))))

    def close(self, request_id: str, operator: str, note: str) -> Attempt:
        """An operator closes a finished request, once; its status stays."""
        at = clock.iso()
        return self.store.apply(request_id, _change(
            # The note is free text (it may name or quote the customer): the
            # request holds personal data again even if the sweep erased it
            # before, so the sweep takes the note too, a period after this.
            "close", fields={CLOSED_AT: at, "closedBy": operator, "closeNote": note,
                             PERSONAL_DATA: HELD},
            events=(event(CLOSED, operator=operator, note=note),), require=Missing(CLOSED_AT)))

    def escalate_refusal(self, request_id: str) -> bool:
        """A refused trouble report goes on the operators' follow-up list: the
        customer's problem is still there. Once (``escalatedAt`` absent)."""
        return bool(self.store.apply(request_id, _change(
            "escalate_refusal", fields={ESCALATED_AT: clock.iso()},
            require=AllOf((Equals("partnerDecision", "reject"),
                           Equals("intent", REPORT_TROUBLE), Missing(ESCALATED_AT))))))

    # -- the customer's reply to a proposed time --------------------------------------

    def customer_reply(self, request_id: str, accept: bool) -> Attempt:
        """Once, and only after the partner proposed another time."""
        name, kind = (("customer_accept", CUSTOMER_ACCEPTED) if accept
                      else ("customer_decline", CUSTOMER_DECLINED))
        at = clock.iso()
        fields: dict[str, Any] = {CUSTOMER_REPLY: {"accept": accept, "at": at}}
        if not accept:
            # Nothing agreed: the operators follow it up.
            fields[ESCALATED_AT] = at
        return self.store.apply(request_id, _change(
            name, fields=fields,
            events=(event(kind),),
            require=AllOf((Equals("partnerDecision", "propose"), Missing(CUSTOMER_REPLY)))))


    # -- personal data's retention ------------------------------------------------------

    def erase_personal_data(self, request_id: str, seen_updated_at: str,
                            item: dict[str, Any]) -> bool:
        """Erase the personal data of an ended request (``item``, as read with
        ``updatedAt = seen_updated_at``). Only if nothing changed it since
        (the events are rewritten whole) and it still holds personal data:
        a repeat is refused, and a request that changed waits for its next turn."""
        fields: dict[str, Any] = {ERASED_AT: clock.iso(),
                                  "events": [redact_event(e) for e in item.get("events") or []
                                             if isinstance(e, dict)]}
        answer = item.get(OPERATOR_ANSWER)
        if isinstance(answer, dict):
            fields[OPERATOR_ANSWER] = {k: v for k, v in answer.items() if k != "note"}
        return bool(self.store.apply(request_id, _change(
            "erase_personal_data", fields=fields,
            remove=(*PERSONAL_FIELDS, PERSONAL_DATA),
            require=AllOf((Equals(PERSONAL_DATA, HELD),
                           Equals("updatedAt", seen_updated_at))))))


def redact_event(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k in KEPT_EVENT_FIELDS}


def _answer_fields(decision: str, alternative_time: str | None,
                   responded_at: str) -> dict[str, Any]:
    fields: dict[str, Any] = {"partnerDecision": decision, "respondedAt": responded_at,
                              USED_AT: responded_at}
    if alternative_time:
        fields["alternativeTime"] = alternative_time
    return fields


def _current_link(link_expires_at: int | None) -> Condition | None:
    """A link is current unless an operator resent a later one (see LINK_MIN_EXPIRY)."""
    if link_expires_at is None:
        return None
    return AnyOf((Missing(LINK_MIN_EXPIRY), Below(LINK_MIN_EXPIRY, link_expires_at + 1)))


def link_replaced(request: dict[str, Any] | None, link_expires_at: int | None) -> bool:
    """Was this link replaced by a resent one?"""
    floor = (request or {}).get(LINK_MIN_EXPIRY)
    return link_expires_at is not None and isinstance(floor, int) and link_expires_at < floor


def _all(*parts: Condition | None) -> Condition | None:
    present = tuple(p for p in parts if p is not None)
    if not present:
        return None
    return present[0] if len(present) == 1 else AllOf(present)


def same_answer(request: dict[str, Any] | None, decision: str,
                alternative_time: str | None, attempt: str | None,
                responded_at: str | None = None) -> bool:
    """Is ``request`` (as a refused claim found it) already answered by this
    very answer -- same page attempt, same choice? Then the refused claim was
    a retry of a claim that landed and whose reply was lost. A form without
    the page's attempt id (the contract does not ask for it) is recognised by
    the claim's own moment instead: botocore's retry sends the very same
    ``respondedAt`` (milliseconds), which another answer does not."""
    if not (request and request.get("status") == RESPONDED
            and request.get("partnerDecision") == decision
            and request.get("alternativeTime") == alternative_time):
        return False
    if attempt:
        return request.get(ANSWER_ATTEMPT) == attempt
    return bool(responded_at) and request.get("respondedAt") == responded_at \
        and not request.get(ANSWER_ATTEMPT)


def _held(task_token: str) -> AllOf:
    """The link is held by the delivery with this task token."""
    return AllOf((Equals(LINK_STATE, INPROGRESS), Equals(TASK_TOKEN, task_token)))


# Who among the operators acted and their note stay with the operators.
_INTERNAL_EVENT_FIELDS = ("operator", "note")


def _reminder_held(holder: str) -> AllOf:
    return AllOf((Equals(REMINDER_STATE, INPROGRESS), Equals(REMINDER_BY, holder)))


def waiting_deadline(item: dict[str, Any] | None) -> str | None:
    """The partner's deadline while the partner is waited for, else None."""
    if not item or item.get("status") not in rules.WAITING:
        return None
    return item.get(DEADLINE) or None


def public_view(item: dict[str, Any]) -> dict[str, Any]:
    """What the customer sees. Events only operators should see (a refused
    link: anyone can forge one naming the request) are left out; the deadline
    only while the partner is waited for."""
    view = {k: item[k] for k in PUBLIC_FIELDS if k in item and k != DEADLINE}
    if "events" in view:
        view["events"] = [{k: v for k, v in e.items() if k not in _INTERNAL_EVENT_FIELDS}
                          for e in view["events"] if e.get("audience") != OPERATORS]
    deadline = waiting_deadline(item)
    if deadline:
        view[DEADLINE] = deadline
    return view


def link_view(request: dict[str, Any] | None) -> dict[str, Any] | None:
    """The link's part of a request item, or None when no link was claimed."""
    if not request or LINK_STATE not in request:
        return None
    out = {"requestId": request.get("requestId")}
    out.update({name: request[field] for field, name in _LINK_VIEW.items() if field in request})
    return out


# Names of the statuses and events callers compare with.
__all__ = ["ANSWER_FIELDS", "CREATED", "Claim", "FAILED", "NOTIFIED", "OPENED", "Requests",
           "RESPONDED", "SMS_SENT", "TIMEOUT", "event", "link_view", "new_request_id",
           "public_view", "waiting_deadline"]
