"""Routes and handlers only: each one hands its input to chalicelib and turns
the outcome into a response. Nothing here knows about DynamoDB or SNS."""

from __future__ import annotations

from chalice import Chalice, Response

from chalicelib import errors, logs, names, settings

app = Chalice(app_name=names.APP_NAME)

UNEXPECTED = "일시적인 오류가 발생했어요. 잠시 후 다시 시도해 주세요."


def json_error(exc: errors.ApiError) -> Response:
    return Response(body=exc.body(), status_code=exc.status,
                    headers={"Content-Type": "application/json; charset=utf-8"})


@app.middleware("http")
def answer_errors_in_korean(event, get_response):
    """Expected failures become their contract answer; anything else a short
    Korean apology -- never a stack trace."""
    try:
        return get_response(event)
    except errors.ApiError as exc:
        return json_error(exc)
    except Exception as exc:  # noqa: BLE001 - the edge of the system
        logs.record("unhandled_error", level=40, path=event.path, error=repr(exc)[:300])
        return json_error(errors.ApiError(500, "INTERNAL_ERROR", UNEXPECTED))


# --- section: foundation -----------------------------------------------------

@app.route("/api/health")
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
# --- end section: registration -----------------------------------------------


# --- section: intake ---------------------------------------------------------
# --- end section: intake -----------------------------------------------------


# --- section: partner --------------------------------------------------------
# --- end section: partner ----------------------------------------------------


# --- section: notify ---------------------------------------------------------
# --- end section: notify -----------------------------------------------------
