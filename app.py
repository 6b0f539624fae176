"""Routes and handlers only: each one hands its input to chalicelib and turns
the outcome into a response. Nothing here knows about DynamoDB or SNS."""

from __future__ import annotations

import functools
import gc
import os
import sys

# In Lambda the collector waits until init is done (chalicelib/warmup.py
# freezes what init built, then turns it back on): the objects made now live
# as long as the function, and collecting them as they come costs init time.
if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
    gc.disable()

from chalice import Chalice, CORSConfig, Rate, Response  # noqa: E402

from chalicelib import aws, errors, logs, names, settings, warmup  # noqa: E402


def refuse_old_runtime(argv: list[str] = sys.argv) -> None:
    """A bare `chalice deploy`/`chalice package` on Python < 3.12 would put the
    functions on that Python's runtime (Chalice takes it from the interpreter),
    an Amazon Linux 2 runtime that AWS is retiring; the contract wants
    python3.12+ (Amazon Linux 2023). Chalice imports this file before any AWS
    call, so the deploy stops here, with a way forward. Costs nothing in
    Lambda, in `chalice local` and in tests: only the CLI's deploy/package
    commands are looked at. provision.chalice_cli sets the runtime itself and
    marks Chalice's Config, so it passes."""
    if sys.version_info >= (3, 12) or not argv:
        return
    if os.path.basename(argv[0]) != "chalice":
        return
    if not {"deploy", "package"} & set(argv[1:]):
        return
    config = sys.modules.get("chalice.config")
    if getattr(getattr(config, "Config", None), "_partnerline_runtime", False):
        return
    raise SystemExit(
        f"이 Python({sys.version_info[0]}.{sys.version_info[1]})으로 배포하면 Lambda 함수가 "
        f"python{sys.version_info[0]}.{sys.version_info[1]} 런타임(Amazon Linux 2)에 만들어지는데, "
        "AWS가 지원을 끝내는 런타임이에요. `make deploy STAGE=<스테이지>`로 배포하거나 "
        "`.venv/bin/python -m provision.chalice_cli deploy --stage <스테이지>`를 쓰세요 "
        "(런타임은 python3.13). 배포는 시작하지 않았어요.")


refuse_old_runtime()

app = Chalice(app_name=names.APP_NAME)


def _stage_at_import(argv: list[str]) -> str:
    """The stage whose queues the handlers below subscribe to, needed while
    this file is imported. In Lambda, `chalice local` and the dispatcher
    ``STAGE`` is set (config.json); `chalice deploy/package --stage X` imports
    this file before any stage environment exists, so there -- and only here,
    at the edge -- the CLI's ``--stage`` is read (the deploy launcher sets
    ``STAGE`` as well)."""
    for i, arg in enumerate(argv):
        if arg == "--stage" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--stage="):
            return arg.split("=", 1)[1]
    return names.DEFAULT_STAGE  # Chalice's default stage


STAGE = os.environ.get("STAGE") or _stage_at_import(sys.argv)


def _provisioned_at_import(name: str, stage: str) -> str | None:
    """A name provisioning wrote into the stage's environment, needed while
    this file is imported. In Lambda, `chalice local` and tests it is in the
    environment; `chalice deploy/package` imports this file without the
    stage's environment, so there it is read from .chalice/config.json,
    where provisioning wrote it."""
    if os.environ.get(name):
        return os.environ[name]
    import json

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".chalice", "config.json")
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError):
        return None
    return (config.get("stages", {}).get(stage, {})
            .get("environment_variables", {}).get(name)) or None


# The table's stream (provision/core.py): its ARN carries a label DynamoDB
# chooses, so it is read, not derived. Unprovisioned: a placeholder that
# `chalice package` accepts and the deploy launcher refuses.
REGISTRATION_STREAM_ARN = (_provisioned_at_import("REGISTRATION_STREAM_ARN", STAGE)
                           or names.stream_placeholder_arn(STAGE))

UNEXPECTED = "일시적인 오류가 발생했어요. 잠시 후 다시 시도해 주세요."


JSON = {"Content-Type": "application/json; charset=utf-8"}


def _json(body, status_code: int = 200) -> Response:
    return Response(body=body, status_code=status_code, headers=JSON)


def json_error(exc: errors.ApiError) -> Response:
    return _json(exc.body(), exc.status)


def answers_in_korean(view):
    """Expected failures become their contract answer; anything else a short
    Korean apology, never a stack trace. A decorator on each route rather than
    a middleware: Chalice turns an exception raised in a view into its own
    English 500 before any middleware sees it."""

    @functools.wraps(view)
    def answer(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except errors.ApiError as exc:
            return json_error(exc)
        except Exception as exc:  # noqa: BLE001 - the edge of the system
            if aws.is_outage(exc):
                return json_error(outage_answer(exc))
            logs.record("unhandled_error", level=40, path=app.current_request.path,
                        error=repr(exc)[:300])
            return json_error(errors.ApiError(500, "INTERNAL_ERROR", UNEXPECTED))

    return answer


def outage_answer(exc: BaseException, path: str | None = None) -> errors.ApiError:
    """AWS unreachable or stalled: a Korean 503; "not known" when one of this
    request's writes went out unanswered (it may have landed)."""
    calls = aws.route_calls()
    writes = list(calls.writes) if calls else []
    logs.record("aws_unavailable", level=30, path=path or app.current_request.path,
                writes=writes, error=type(exc).__name__)
    return errors.service_unavailable(outcome_unknown=bool(writes))


@app.middleware("http")
def aws_calls_within_budget(event, get_response):
    """Every HTTP request's AWS calls run with the route's client profile and
    stop at the first outage (chalicelib.aws.serving_route): 503 within 3 s.
    Views answer their own outages (answers_in_korean); this catches one met
    by a middleware before the view (e.g. a secret read for the admin check)."""
    with aws.serving_route():
        try:
            return get_response(event)
        except Exception as exc:
            if not aws.is_outage(exc):
                raise
            if event.path.startswith("/r/"):
                from chalicelib.partner import page as pages

                return _html(pages.unavailable_page())
            return json_error(outage_answer(exc, event.path))


# Chalice answers a few requests itself, before any view runs, as
# {"Code", "Message"} in English: a content type the route does not take, a
# method it does not have. The contract's shape and Korean, here too.
CHALICE_OWN_ERRORS = {
    405: ("METHOD_NOT_ALLOWED", "지원하지 않는 요청 방식이에요."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "지원하지 않는 형식이에요. JSON으로 보내 주세요."),
}


@app.middleware("http")
def chalice_errors_in_korean(event, get_response):
    response = get_response(event)
    known = CHALICE_OWN_ERRORS.get(response.status_code)
    if not known or not isinstance(response.body, dict) or "Code" not in response.body:
        return response
    if event.path.startswith("/r/"):
        from chalicelib.partner import page as pages

        page = pages.unsupported_request_page(response.status_code)
        return Response(body=page.html, status_code=page.status,
                        headers={**page.headers, **{k: v for k, v in response.headers.items()
                                                    if k.lower() == "allow"}})
    answer = json_error(errors.ApiError(response.status_code, *known))
    answer.headers.update({k: v for k, v in response.headers.items()
                           if k.lower() == "allow" or k.lower().startswith("access-control")})
    return answer


# --- section: foundation -----------------------------------------------------

@app.route("/api/health")
@answers_in_korean
def health():
    from chalicelib import table

    try:
        table.ping()
    except Exception as exc:  # noqa: BLE001
        logs.record("health_unready", error=repr(exc)[:200])
        raise errors.ApiError(503, "NOT_READY", "아직 준비 중이에요.",
                              stage=settings.stage()) from exc
    return {"status": "ok", "stage": settings.stage()}

# --- end section: foundation -------------------------------------------------


# --- section: registration ---------------------------------------------------

@app.lambda_function(name="connect_event_registration")
def connect_event_registration(event, context):
    """Amazon Connect → a flat string map (contract section 2); never raises."""
    from chalicelib import registration

    return registration.answer_call(event)


# Every committed write of the table, in order (one Lambda per shard);
# registrations rebuild axcl_event.txt, other items are passed over. A batch
# waits up to 1 s to gather a burst into one rebuild. Retries, bisection and
# the retry limit are set on the mapping after deploy (provision/streams.py).
@app.on_dynamodb_record(stream_arn=REGISTRATION_STREAM_ARN, batch_size=100,
                        starting_position="TRIM_HORIZON",
                        maximum_batching_window_in_seconds=1,
                        name="handle_registration_log")
def handle_registration_log(event):
    """Rebuilds the registration log from the table; raising makes the
    mapping retry the batch (then bisect it, then skip it: see provision/streams.py)."""
    from chalicelib import registration

    registration.handle_stream_records(record.to_dict() for record in event)

# --- end section: registration -----------------------------------------------


# --- section: intake ---------------------------------------------------------
# cors: the deployed chat page is served from the S3 website origin. text/plain
# is accepted too, so a browser may post without a CORS preflight.

# The chat's own headers (its token, the message's idempotency key) are allowed
# from the website origin; Chalice's default list knows neither.
CHAT_CORS = CORSConfig(allow_origin="*", allow_headers=["X-Customer-Token", "Idempotency-Key"])


@app.route("/api/requests", methods=["POST"], cors=CHAT_CORS,
           content_types=["application/json", "text/plain"])
@answers_in_korean
def create_request():
    from chalicelib.chat import client_limits, idempotency, intake

    client_limits.admit(_source_ip())
    key = app.current_request.headers.get(idempotency.HEADER)
    return _json(idempotency.once(key, app.current_request.raw_body, intake.submit), 201)


def _source_ip() -> str:
    """The caller's address as the gateway saw it (not a header it could write)."""
    identity = (app.current_request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


@app.route("/api/requests/{request_id}", methods=["GET"], cors=CHAT_CORS)
@answers_in_korean
def get_request(request_id):
    from chalicelib.chat import intake

    return _json(intake.view(request_id, _customer_token()))


def _customer_token() -> str | None:
    from chalicelib.chat import customer_token

    return app.current_request.headers.get(customer_token.HEADER)


@app.route("/api/requests/{request_id}/reply", methods=["POST"], cors=CHAT_CORS,
           content_types=["application/json", "text/plain"])
@answers_in_korean
def reply_to_proposal(request_id):
    from chalicelib.chat import reply as customer_reply

    return _json(customer_reply.reply(request_id, _customer_token(),
                                      app.current_request.raw_body))

# --- end section: intake -----------------------------------------------------


# --- section: partner --------------------------------------------------------

@app.on_sqs_message(queue=names.queue_name("partner-links", STAGE), batch_size=1)
def handle_partner_link(event):
    from chalicelib import partner, queues

    remaining = getattr(event.context, "get_remaining_time_in_millis", None)
    for record in event:
        if partner.handle_link_message(record.body, remaining() if remaining else None) \
                == "invalid":
            queues.set_aside("partner-links", record.body, "invalid message")


def _html(page) -> Response:
    return Response(body=page.html, status_code=page.status, headers=page.headers)


@app.route("/r/{token}", methods=["GET"])
def partner_link_page(token):
    from chalicelib import partner

    return _html(partner.open_link(token))


@app.route("/r/{token}", methods=["POST"],
           content_types=["application/x-www-form-urlencoded"])
def partner_link_answer(token):
    from chalicelib import partner

    return _html(partner.answer_form(token, app.current_request.raw_body))

# --- end section: partner ----------------------------------------------------


# --- section: notify ---------------------------------------------------------

@app.on_sqs_message(queue=names.queue_name("customer-notify", STAGE), batch_size=1)
def handle_customer_notification(event):
    from chalicelib import notify, queues

    for record in event:
        outcome = notify.handle_message(record.body)
        if outcome in (notify.Outcome.BAD_MESSAGE, notify.Outcome.NOT_ANSWERED):
            queues.set_aside("customer-notify", record.body, outcome.value)

# --- end section: notify -----------------------------------------------------


# --- section: retention ------------------------------------------------------
# Personal data leaves when its purpose ends (docs/privacy.md): every hour,
# requests PERSONAL_DATA_RETENTION_DAYS after they ended and registrations
# EVENT_RETENTION_DAYS after the event closed lose their phones, names and
# texts. Bounded per run and resumable; the next run goes on.

@app.schedule(Rate(1, unit=Rate.HOURS), name="erase_personal_data",
              description="Erase personal data whose retention period is over")
def erase_personal_data(event):
    from chalicelib import retention

    context = getattr(event, "context", None)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    logs.record("retention_sweep", **retention.sweep(remaining_ms=remaining))

# --- end section: retention --------------------------------------------------


# --- section: pages ----------------------------------------------------------
# The web chat and the dashboard from web/ (chalicelib/static_site.py: where from).

def _static_response(text: str, content_type: str, page: str = "") -> Response:
    from chalicelib import static_site

    return Response(body=text, status_code=200,
                    headers={"Content-Type": content_type, **static_site.headers_for(page)})


def _page(name: str) -> Response:
    from chalicelib import static_site

    html = static_site.page(name)
    if html is not None:
        return _static_response(html, static_site.TYPES[".html"], name)
    target = static_site.website_url(name)
    if target is None:
        raise errors.not_found("페이지를 찾을 수 없어요.")
    return Response(body="", status_code=302, headers={"Location": target})


@app.route("/")
@answers_in_korean
def chat_page():
    return _page("index")


@app.route("/admin")
@answers_in_korean
def admin_page():
    return _page("admin")


@app.route("/config.js")
@answers_in_korean
def web_config():
    return _web_file("config.js")


@app.route("/assets/{name}")
@answers_in_korean
def web_asset(name):
    return _web_file(f"assets/{name}")


def _web_file(relative: str) -> Response:
    from chalicelib import static_site

    found = static_site.asset(relative)
    if found is None:
        raise errors.not_found("파일을 찾을 수 없어요.")
    return _static_response(*found)

# --- end section: pages ------------------------------------------------------


# --- section: admin ----------------------------------------------------------
# Operators sign in to the stage's Cognito user pool (contract section 6); every
# /api/admin/ request carries their access token (chalicelib/operators/auth.py).
# No Lambda authorizer on Chalice's REST API: the middleware below verifies
# every admin request on every API, so one would only add an invocation (and
# a cold start) in front of the same check without ever refusing anything.

@app.middleware("http")
def admin_only(event, get_response):
    """Every /api/admin/ route, whichever API called it: the token is verified
    and the route's role checked here in every case (the HTTP API's JWT
    authorizer in front of it on AWS checks the token once more) -- no admin
    view can forget it. The view reads the operator from ``auth.current()``."""
    if not event.path.startswith("/api/admin/"):
        return get_response(event)
    from chalicelib.operators import auth as admin_auth

    try:
        operator = admin_auth.require(
            event.headers.get("authorization"),
            admin_auth.role_for(event.method, event.path, event.query_params))
    except errors.ApiError as exc:
        return json_error(exc)
    token = admin_auth.signed_in(operator)
    try:
        return get_response(event)
    finally:
        admin_auth.signed_out(token)


def _operator():
    from chalicelib.operators import auth as admin_auth

    return admin_auth.current()


@app.route("/api/sign-in-config", cors=True)
@answers_in_korean
def sign_in_config():
    """What the dashboard needs to sign an operator in: the pool's app client
    (no secret), where Cognito answers, the idle time. Nothing here is secret."""
    from chalicelib.operators import sign_in

    return _json(sign_in.config())


@app.route("/api/admin/me")
@answers_in_korean
def admin_me():
    operator = _operator()
    return {"username": operator.username, "role": operator.role}


@app.route("/api/admin/requests")
@answers_in_korean
def admin_requests():
    from chalicelib.operators import access_log
    from chalicelib.operators import search as admin_list

    params = app.current_request.query_params or {}
    page = admin_list.search(params)
    shown = [r.get("requestId") for r in page.get("requests", [])]
    exporting = str(params.get("export", "")).lower() in ("1", "true", "yes")
    access_log.record(_operator(), "export" if exporting else "list",
                      "GET /api/admin/requests", query=params, request_ids=shown,
                      people=len(shown), source_ip=_source_ip())
    return page


@app.route("/api/admin/requests/{request_id}/actions", methods=["POST"],
           content_types=["application/json"])
@answers_in_korean
def admin_request_action(request_id):
    from chalicelib.operators import actions as operators

    return operators.act(request_id, app.current_request.raw_body, _operator().username)


@app.route("/api/admin/requests/{request_id}/reveal", methods=["POST"],
           content_types=["application/json"])
@answers_in_korean
def admin_reveal_phone(request_id):
    from chalicelib.operators import reveal

    return reveal.reveal(request_id, app.current_request.raw_body, _operator(), _source_ip())


@app.route("/api/admin/registrations")
@answers_in_korean
def admin_registrations():
    from chalicelib.operators import access_log
    from chalicelib.operators import view as dashboard

    params = app.current_request.query_params or {}
    page = dashboard.registrations(params)
    access_log.record(_operator(), "registrations", "GET /api/admin/registrations",
                      query=params, people=len(page.get("registrations", [])),
                      source_ip=_source_ip())
    return page


@app.route("/api/admin/stats")
@answers_in_korean
def admin_stats():
    from chalicelib.operators import stats as admin_stats

    return admin_stats.stats(app.current_request.query_params or {})


@app.route("/api/admin/access-log")
@answers_in_korean
def admin_access_log():
    from chalicelib.operators import access_log

    return access_log.listing(app.current_request.query_params or {})

# --- end section: admin ------------------------------------------------------


@app.middleware("http")
def hostile_bodies_refused(event, get_response):
    """Every JSON route at once (today's and tomorrow's): a body too large,
    too deeply nested, not UTF-8 or holding a lone surrogate is a Korean 400
    before any view runs, so nothing is written (chalicelib/safe_json.py).
    Other content types are left to Chalice's own 415."""
    content_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if (event.path.startswith("/api/") and event.method in ("POST", "PUT", "PATCH")
            and content_type in ("application/json", "text/plain")):
        from chalicelib import safe_json

        raw = event.raw_body
        if raw:
            try:
                safe_json.loads(raw)
            except safe_json.Rejected as exc:
                return json_error(errors.bad_request(exc.message))
    return get_response(event)


# In Lambda only: this function's modules and AWS clients load now, at init
# (see chalicelib/warmup.py); elsewhere `import app` stays cheap.
warmup.at_init()
