"""What happens behind ``GET /r/{token}`` and ``POST /r/{token}``.

GET only reads (and counts the open): link scanners, SMS previews and
antivirus crawlers fire GETs at every link, so a GET that answered would
answer for the partner. The answer is the form's POST, and the first POST
wins with one conditional write on the request (``Created``/``SMS Sent`` ->
``Responded``) that also removes the task token from the request and returns
it; only that winner calls SendTaskSuccess, every other POST gets 409 (the
refused write hands back the request as it stood, so no read is needed to
say why). If Step Functions says the wait is already over (``TaskTimedOut``
in AWS, ``InvalidToken`` in moto), the claim stands while the execution still
runs: the record is the truth, and the state machine's ``TakeRecordedAnswer``
takes a recorded answer at the deadline. Only when the execution has ended
without it is the claim undone to ``Timeout``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib import aws, clock, lifecycle, links, logs, settings
from chalicelib.links import Outcome, Verdict
from chalicelib.partner import forms
from chalicelib.partner import page as pages
from chalicelib.partner.html import Page

# Step Functions' ways of saying "that wait is over".
WAIT_OVER = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def _guarded(action: Callable[..., Page]) -> Callable[..., Page]:
    """An HTML apology instead of a stack trace, whatever goes wrong."""

    def run(*args: Any, **kwargs: Any) -> Page:
        try:
            return action(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the edge of the system
            if aws.is_outage(exc):
                return _unavailable(exc, answering=action.__name__ != "open_link")
            logs.record("partner_page_error", level=40, error=repr(exc)[:300])
            return pages.unexpected_error_page()

    run.__name__ = action.__name__
    run.__doc__ = action.__doc__
    return run


def _unavailable(exc: BaseException, answering: bool) -> Page:
    """AWS unreachable or stalled: the 503 page. An answer whose write went out
    unanswered may have been taken: the page says it is not known, and the
    partner checks by opening the link again (GET never consumes it). The
    writes of a GET (counting the open) change nothing the partner sees."""
    calls = aws.route_calls()
    writes = list(calls.writes) if calls else []
    logs.record("partner_page_unavailable", level=30, writes=writes,
                error=type(exc).__name__)
    return pages.unavailable_page(answer_unknown=answering and bool(writes))


def _refused(verdict: Verdict) -> Page:
    """The error page for a token that did not verify, with a Failed event on
    the request it names (if that request exists)."""
    reason = {Outcome.BAD: "bad_token", Outcome.EXPIRED: "expired_token",
              Outcome.WRONG_SCOPE: "wrong_scope"}[verdict.outcome]
    request_id = verdict.known_request_id
    if request_id:
        recorded = lifecycle.record_refusal(request_id, reason)
        logs.record("partner_link_refused", level=30, requestId=request_id, reason=reason,
                    requestKnown=recorded is not None)
    else:
        logs.record("partner_link_refused", level=30, reason=reason)
    if verdict.outcome is Outcome.EXPIRED:
        return pages.link_expired_page()
    if verdict.outcome is Outcome.WRONG_SCOPE:
        return pages.wrong_scope_page()
    return pages.bad_link_page()


def _explain(verdict: Verdict, request: dict[str, Any] | None) -> Page | None:
    """Why this verified link cannot act on ``request`` (as it stood), or None
    when it can (the request is still open). The token names the request, and
    a request's partner is written once at intake: the link's partner is the
    request's (see `chalicelib.links.tokens`)."""
    if request is None:
        return pages.not_found_page()
    closed = _closed(request)
    if closed is None and lifecycle.link_replaced(request, verdict.expires_at):
        # An operator sent a newer link: this one no longer answers.
        lifecycle.record_refusal(verdict.request_id or "", "replaced_token")
        logs.record("partner_link_refused", level=30, requestId=verdict.request_id,
                    reason="replaced_token")
        return pages.link_replaced_page()
    return closed


def _closed(request: dict[str, Any]) -> Page | None:
    status = request.get("status")
    if status == lifecycle.RESPONDED:
        return pages.used_page(request)
    if status == lifecycle.TIMEOUT:
        return pages.request_expired_page()
    if status not in lifecycle.WAITING:
        return pages.not_found_page()
    return None


@_guarded
def open_link(token: str) -> Page:
    """GET: verify, count the open, show the request and its three choices.
    One write both counts the open and returns the request for the page."""
    verdict = links.verify(token)
    if not verdict.ok:
        return _refused(verdict)
    opened = lifecycle.record_open(verdict.request_id or "", verdict.expires_at)
    if not opened:
        if (opened.item or {}).get("status") == lifecycle.RESPONDED:
            return pages.answered_page(opened.item or {})  # a reload after answering
        return _explain(verdict, opened.item) or pages.temporary_error_page()
    return pages.request_page(opened.item or {}, now=clock.now(),
                              expires_at=verdict.expires_at)


@_guarded
def answer_form(token: str, raw_body: bytes | str | None) -> Page:
    """POST with the raw ``application/x-www-form-urlencoded`` body."""
    try:
        fields = forms.parse_body(raw_body)
    except forms.FormError as exc:
        fields = {"__error__": exc.message}
    return answer(token, fields.get("decision"), fields.get("alternativeTime"),
                  form_error=fields.get("__error__"),
                  attempt=forms.attempt_id(fields.get(forms.ATTEMPT_FIELD)))


@_guarded
def answer(token: str, decision: str | None, alternative_time: str | None,
           form_error: str | None = None, attempt: str | None = None) -> Page:
    """POST: validate, claim the request and take its task token in one
    conditional write (first click wins), resume the workflow."""
    verdict = links.verify(token)
    if not verdict.ok:
        return _refused(verdict)
    request_id = verdict.request_id or ""
    now = clock.now()
    request: dict[str, Any] | None = None
    try:
        if form_error:
            raise forms.FormError(form_error)
        chosen = forms.validate(decision, alternative_time, now)
        if chosen.decision == "propose":
            # The kind of request decides what it offers (partner/choices.py;
            # every kind offers a time today): only this decision reads it first.
            request = lifecycle.get(request_id)
            chosen = forms.validate(decision, alternative_time, now,
                                    intent=(request or {}).get("intent"))
    except forms.FormError as exc:
        # The form comes back with the error: only this path reads the request.
        request = request or lifecycle.get(request_id)
        why = _explain(verdict, request)
        if why or request is None:
            return why or pages.not_found_page()
        return pages.request_page(request, now=now, expires_at=verdict.expires_at,
                                  error=exc.message, proposed=exc.proposed, status=400,
                                  error_field=exc.field)
    responded_at = clock.iso(now)
    # The claim removes the task token and returns it (the request as it was
    # before): no read before, and no clean-up write after SendTaskSuccess.
    won = lifecycle.record_answer(request_id, chosen.decision, chosen.alternative_time,
                                  responded_at, attempt, verdict.expires_at)
    if not won:
        if lifecycle.same_answer(won.item, chosen.decision, chosen.alternative_time, attempt,
                                 responded_at):
            # Our own earlier try won (its reply was lost): finish it.
            return _finish_retry(request_id, won.item or {}, chosen)
        why = _explain(verdict, won.item)
        if why:
            return why
        # Open, this partner's, but no task token: the SMS is still being sent
        # (or was given up). Nothing changed; the partner may try again.
        logs.record("partner_answer_no_task_token", level=30, requestId=request_id)
        return pages.temporary_error_page()
    before = won.item or {}
    return _resume(request_id, before[lifecycle.TASK_TOKEN], before.get("status") or
                   lifecycle.SMS_SENT, chosen, responded_at, attempt,
                   intent=before.get("intent"))


def _finish_retry(request_id: str, request: dict[str, Any], chosen: forms.Answer) -> Page:
    """A retry of the answer that claimed ``request``: hand it to the workflow
    with the claim's own timestamp (so `_answer_landed` recognises a delivery
    whose reply was lost). No task token left: the notification already went,
    so the answer was delivered."""
    logs.record("partner_answer_retried", requestId=request_id)
    task_token = request.get(lifecycle.ANSWER_TOKEN)
    if not task_token:
        return _delivered(request_id, chosen, request.get("intent"))
    status_before = lifecycle.SMS_SENT if request.get("linkSentAt") else lifecycle.CREATED
    return _resume(request_id, task_token, status_before, chosen, request["respondedAt"],
                   request.get(lifecycle.ANSWER_ATTEMPT), intent=request.get("intent"))


DELIVERED = "delivered"
TOO_LATE = "too_late"
UNDELIVERED = "undelivered"
UNCONFIRMED = "unconfirmed"
UNKNOWN = "unknown"


def deliver(request_id: str, task_token: str, status_before: str, chosen: forms.Answer,
            responded_at: str, attempt: str | None = None) -> str:
    """The claim is ours: hand the answer to the waiting execution. The one
    SendTaskSuccess path, for the partner's click and an operator's answer
    alike. DELIVERED (also: the wait is over, and the deadline takes the
    recorded answer); TOO_LATE (the execution ended without it: the claim
    undone to ``Timeout``); UNCONFIRMED (sent, no reply: the claim stays, and
    it counts: Step Functions has it or the deadline takes it); UNKNOWN (an
    outage: the request reopened, answering again is safe); UNDELIVERED (the
    request reopened with its token: answer again)."""
    output = json.dumps(chosen.output(responded_at), ensure_ascii=False)
    try:
        aws.client("stepfunctions", "interactive").send_task_success(
            taskToken=task_token, output=output)
    except Exception as exc:
        code = aws.error_code(exc)
        # "Not waiting any more" may mean an earlier try of this very answer
        # landed (botocore's retry, or the partner's): never undo that.
        if _answer_landed(request_id, responded_at):
            return DELIVERED
        if code in WAIT_OVER:
            # The claim landed before the wait's end was written (MarkTimeout
            # refuses a request holding an answer), so a running execution's
            # TakeRecordedAnswer takes it; one that took it already marked it
            # (answerTakenAt), which answer_too_late refuses to undo.
            if _execution_running(request_id) or not lifecycle.answer_too_late(
                    request_id, responded_at, "late_answer"):
                logs.record("partner_answer_taken_at_deadline", requestId=request_id,
                            code=code)
                return DELIVERED
            logs.record("partner_answer_late", requestId=request_id, code=code)
            return TOO_LATE
        if attempt and _maybe_sent(exc, code):
            # Sent, but no reply: Step Functions may have taken it. Undoing the
            # claim could undo a delivered answer, so it stays; the partner's
            # retry (same attempt id) resends it with the same respondedAt and
            # learns the truth. Unanswered, the wait's timeout closes it.
            logs.record("partner_answer_unconfirmed", level=30, requestId=request_id,
                        error=repr(exc)[:200])
            return UNCONFIRMED
        # The wait goes on: reopen the request and give the token back, so
        # the partner can answer again.
        lifecycle.reopen(request_id, responded_at, status_before, task_token,
                         "answer_not_delivered")
        logs.record("partner_answer_undelivered", level=40, requestId=request_id,
                    code=code, error=repr(exc)[:200])
        if aws.is_outage(exc):
            # No answer from Step Functions: it may have taken the answer. The
            # link is given back; answering again is safe (a second
            # SendTaskSuccess after the first landed finds it landed, above).
            return UNKNOWN
        return UNDELIVERED
    return DELIVERED


def _resume(request_id: str, task_token: str, status_before: str, chosen: forms.Answer,
            responded_at: str, attempt: str | None = None,
            intent: str | None = None) -> Page:
    outcome = deliver(request_id, task_token, status_before, chosen, responded_at, attempt)
    if outcome == TOO_LATE:
        return pages.request_expired_page()
    if outcome == UNKNOWN:
        return pages.unavailable_page(answer_unknown=True)
    if outcome == UNCONFIRMED:
        return pages.recorded_page(chosen.decision, chosen.alternative_time,
                                   {"intent": intent})
    if outcome == UNDELIVERED:
        return pages.temporary_error_page()
    return _delivered(request_id, chosen, intent)


def _maybe_sent(exc: Exception, code: str | None) -> bool:
    """No answer from the service, for a request that may have reached it."""
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

    return not code and not isinstance(exc, ConnectTimeoutError | EndpointConnectionError)


def _delivered(request_id: str, chosen: forms.Answer, intent: str | None = None) -> Page:
    logs.record("partner_answered", requestId=request_id, decision=chosen.decision)
    return pages.confirmation_page(chosen.decision, chosen.alternative_time,
                                   {"intent": intent})


def execution_arn(request_id: str) -> str:
    """Executions are named after their request (the intake starts them so)."""
    machine = settings.current().require("partner_confirmation_arn")
    return machine.replace(":stateMachine:", ":execution:", 1) + ":" + request_id


ENDED = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut")


def _execution_running(request_id: str) -> bool:
    """Is the request's execution still going (past its wait, on to the
    deadline's steps)? Its newest history event says. An execution that does
    not exist never takes the answer; any other doubt counts as running, so a
    recorded answer is never undone on a guess."""
    try:
        newest = aws.client("stepfunctions", "interactive").get_execution_history(
            executionArn=execution_arn(request_id), reverseOrder=True, maxResults=1)
    except Exception as exc:  # noqa: BLE001 - see above
        code = aws.error_code(exc)
        logs.record("partner_history_unavailable", level=30, requestId=request_id, code=code)
        return code != "ExecutionDoesNotExist"
    events = newest.get("events") or [{}]
    return events[0].get("type") not in ENDED


def _answer_landed(request_id: str, responded_at: str) -> bool:
    """Did the execution take this very answer? (Its output carries respondedAt.)"""
    try:
        history = aws.client("stepfunctions", "interactive").get_execution_history(
            executionArn=execution_arn(request_id), reverseOrder=True, maxResults=100)
    except Exception as exc:  # noqa: BLE001 - unknown counts as "not landed"
        logs.record("partner_history_unavailable", level=30, requestId=request_id,
                    code=aws.error_code(exc))
        return False
    for event in history.get("events", []):
        details = event.get("taskSucceededEventDetails") or {}
        if event.get("type") == "TaskSucceeded" and responded_at in (details.get("output") or ""):
            return True
    return False
