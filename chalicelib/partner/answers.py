"""What happens behind ``GET /r/{token}`` and ``POST /r/{token}``.

GET only reads (and counts the open): link scanners, SMS previews and
antivirus crawlers fire GETs at every link, so a GET that answered would
answer for the partner. The answer is the form's POST, and the first POST
wins with one conditional write on the request (``Created``/``SMS Sent`` ->
``Responded``); only that winner calls SendTaskSuccess, every other POST
gets 409. If Step Functions says the wait is already over (``TaskTimedOut``
in AWS, ``InvalidToken`` in moto), the claim is undone to ``Timeout``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib import aws, clock, links, logs, request_store, settings
from chalicelib.links import Outcome, Verdict
from chalicelib.pages import Page
from chalicelib.pages import partner as pages
from chalicelib.partner import forms, linkstore, tally

OPEN = (request_store.CREATED, request_store.SMS_SENT)
ANSWER_FIELDS = ("partnerDecision", "alternativeTime", "respondedAt")
# Step Functions' ways of saying "that wait is over".
WAIT_OVER = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def _guarded(action: Callable[..., Page]) -> Callable[..., Page]:
    """An HTML apology instead of a stack trace, whatever goes wrong."""

    def run(*args: Any, **kwargs: Any) -> Page:
        try:
            return action(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the edge of the system
            logs.record("partner_page_error", level=40, error=repr(exc)[:300])
            return pages.unexpected_error_page()

    run.__name__ = action.__name__
    run.__doc__ = action.__doc__
    return run


def _refused(verdict: Verdict) -> Page:
    """The error page for a token that did not verify, with a Failed event on
    the request it names (if that request exists)."""
    reason = {Outcome.BAD: "bad_token", Outcome.EXPIRED: "expired_token",
              Outcome.WRONG_SCOPE: "wrong_scope"}[verdict.outcome]
    request_id = verdict.known_request_id
    if request_id:
        recorded = tally.count_event(request_id, request_store.FAILED, "failedCount",
                                     tally.FAILED_CAP, reason=reason)
        logs.record("partner_link_refused", level=30, requestId=request_id, reason=reason,
                    requestKnown=recorded is not None)
    else:
        logs.record("partner_link_refused", level=30, reason=reason)
    if verdict.outcome is Outcome.EXPIRED:
        return pages.link_expired_page()
    if verdict.outcome is Outcome.WRONG_SCOPE:
        return pages.wrong_scope_page()
    return pages.bad_link_page()


def _check(token: str) -> tuple[Verdict, dict[str, Any]] | Page:
    verdict = links.verify(token)
    if not verdict.ok:
        return _refused(verdict)
    request = request_store.get(verdict.request_id or "")
    if request is None:
        return pages.not_found_page()
    if request.get("partnerId") != verdict.partner_id:
        # Authentic, but for another partner than the request's: never act on it.
        tally.count_event(verdict.request_id, request_store.FAILED, "failedCount",
                          tally.FAILED_CAP, reason="partner_mismatch")
        return pages.bad_link_page()
    return verdict, request


def _closed(request: dict[str, Any]) -> Page | None:
    status = request.get("status")
    if status == request_store.RESPONDED:
        return pages.used_page(request)
    if status == request_store.TIMEOUT:
        return pages.request_expired_page()
    if status not in OPEN:
        return pages.not_found_page()
    return None


@_guarded
def open_link(token: str) -> Page:
    """GET: verify, count the open, show the request and its three choices."""
    checked = _check(token)
    if isinstance(checked, Page):
        return checked
    verdict, request = checked
    closed = _closed(request)
    if closed:
        return closed
    tally.count_event(verdict.request_id, "Opened", "openedCount", tally.OPENED_CAP)
    return pages.request_page(request, now=clock.now(), expires_at=verdict.expires_at)


@_guarded
def answer_form(token: str, raw_body: bytes | str | None) -> Page:
    """POST with the raw ``application/x-www-form-urlencoded`` body."""
    try:
        fields = forms.parse_body(raw_body)
    except forms.FormError as exc:
        fields = {"__error__": exc.message}
    return answer(token, fields.get("decision"), fields.get("alternativeTime"),
                  form_error=fields.get("__error__"))


@_guarded
def answer(token: str, decision: str | None, alternative_time: str | None,
           form_error: str | None = None) -> Page:
    """POST: validate, claim the link (first click wins), resume the workflow."""
    checked = _check(token)
    if isinstance(checked, Page):
        return checked
    verdict, request = checked
    closed = _closed(request)
    if closed:
        return closed
    now = clock.now()
    try:
        if form_error:
            raise forms.FormError(form_error)
        chosen = forms.validate(decision, alternative_time, now)
    except forms.FormError as exc:
        return pages.request_page(request, now=now, expires_at=verdict.expires_at,
                                  error=exc.message, proposed=exc.proposed, status=400)
    request_id = verdict.request_id or ""
    responded_at = clock.iso(now)
    fields = {"partnerDecision": chosen.decision, "respondedAt": responded_at}
    if chosen.alternative_time:
        fields["alternativeTime"] = chosen.alternative_time
    won = request_store.transition(
        request_id, status=request_store.RESPONDED, fields=fields,
        event_type=request_store.RESPONDED, event_detail={"decision": chosen.decision},
        expect_status=OPEN, condition="partnerId = :pid",
        condition_values={":pid": verdict.partner_id})
    if won is None:
        return _closed(request_store.get(request_id) or {}) or pages.not_found_page()
    return _resume(request_id, chosen, responded_at)


def _resume(request_id: str, chosen: forms.Answer, responded_at: str) -> Page:
    """The claim is ours: hand the answer to the waiting execution."""
    task_token = linkstore.task_token(request_id)
    if not task_token:
        _undo(request_id, responded_at, request_store.SMS_SENT, "no_task_token")
        return pages.temporary_error_page()
    output = json.dumps(chosen.output(responded_at), ensure_ascii=False)
    try:
        aws.client("stepfunctions", "interactive").send_task_success(
            taskToken=task_token, output=output)
    except Exception as exc:
        code = aws.error_code(exc)
        retried = (getattr(exc, "response", None) or {}).get(
            "ResponseMetadata", {}).get("RetryAttempts", 0)
        # After a retry, "not waiting any more" may mean our first attempt landed.
        if (retried or code not in WAIT_OVER) and _answer_landed(request_id, responded_at):
            return _delivered(request_id, task_token, chosen)
        if code in WAIT_OVER:
            _undo(request_id, responded_at, request_store.TIMEOUT, "late_answer")
            logs.record("partner_answer_late", requestId=request_id, code=code)
            return pages.request_expired_page()
        _undo(request_id, responded_at, request_store.SMS_SENT, "answer_not_delivered")
        logs.record("partner_answer_undelivered", level=40, requestId=request_id,
                    code=code, error=repr(exc)[:200])
        return pages.temporary_error_page()
    return _delivered(request_id, task_token, chosen)


def _delivered(request_id: str, task_token: str, chosen: forms.Answer) -> Page:
    linkstore.mark_used(request_id, task_token)
    logs.record("partner_answered", requestId=request_id, decision=chosen.decision)
    return pages.confirmation_page(chosen.decision, chosen.alternative_time)


def _undo(request_id: str, responded_at: str, status: str, reason: str) -> None:
    """Take back our own claim (and only ours: matched on its timestamp)."""
    event = request_store.TIMEOUT if status == request_store.TIMEOUT else request_store.FAILED
    request_store.transition(
        request_id, status=status, remove=ANSWER_FIELDS, event_type=event,
        event_detail={"reason": reason}, expect_status=[request_store.RESPONDED],
        condition="respondedAt = :at", condition_values={":at": responded_at})


def execution_arn(request_id: str) -> str:
    """Executions are named after their request (the intake starts them so)."""
    machine = settings.get("PARTNER_CONFIRMATION_ARN")
    return machine.replace(":stateMachine:", ":execution:", 1) + ":" + request_id


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
