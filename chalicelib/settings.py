"""The stage's settings: one typed, validated value built once per container.

The one source is the process environment, which is the stage's
``environment_variables`` in `.chalice/config.json` (Chalice sets them on
every function; `chalice local`, the dispatcher and the tools apply them with
`scripts.stage_env`). The product's defaults are the fields' defaults below;
nothing else is read. A missing or invalid value is a `SettingsError` naming
every problem when the settings are built, not a KeyError at first use.

Built on first use and kept (`current`). Tests and the local stack, which
change the environment, build them again with `rebuild` (the tests through
their ``configure`` fixture, tests/conftest.py).

The stage comes from ``STAGE`` (every stage of config.json sets it); nothing
here reads the command line -- `app.py`, the edge, does that for
`chalice deploy/package --stage X`, where no stage environment exists yet.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from chalicelib import names

LOCAL_STAGE = "local"
NLU_BACKENDS = ("lex", "local")
NOTIFIER_BACKENDS = ("bedrock", "template")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LEADING_ZEROS = ("significant", "ignored")
# The roster's key must sit under this prefix: the registration function may
# read only there (provision/policies.py), never the log beside it.
ROSTER_PREFIX = "rosters/"
_ROSTER_KEY = re.compile(r"^rosters/\S+$")
_STAGE = re.compile(r"^[a-z][a-z0-9]{0,15}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# SQS's longest message delay (the reminder is a delayed message).
MAX_REMINDER_SECONDS = 900
# Retention periods are whole days, at most ten years.
MAX_RETENTION_DAYS = 3650
_URL = re.compile(r"^https?://[^/\s]+(/[^\s]*)?$")


class SettingsError(ValueError):
    """The stage's settings are missing or invalid (the message says which)."""


@dataclass(frozen=True)
class Settings:
    stage: str
    table_name: str
    # Provisioned: required in AWS stages, optional locally until provisioning ran.
    partner_confirmation_arn: str | None = None
    event_bucket: str | None = None
    # The account that owns the event bucket: every S3 call names it
    # (ExpectedBucketOwner, chalicelib/bucket_owner.py).
    event_bucket_owner: str | None = None
    lex_bot_id: str | None = None
    lex_bot_alias_id: str | None = None
    web_url: str | None = None
    # The stage's alarms topic (provision/alarms.py): escalations page it.
    alarms_topic_arn: str | None = None
    # The operators' Cognito user pool and its app client (provision/cognito.py).
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    # The product's defaults.
    event_id: str = "axcl"
    event_log_key: str = "axcl_event.txt"
    partner_timeout_seconds: int = 300
    link_ttl_seconds: int = 600
    # One reminder SMS this long into the partner's wait (an SQS delay: at
    # most 900 s). Not below the wait: no reminder is sent after the deadline.
    reminder_seconds: int = 180
    # At most one escalation page per this many seconds per stage; the
    # escalations in between are counted and named in the next page.
    escalation_alarm_interval_seconds: int = 900
    confirm_base_url: str = "https://confirm.example"
    nlu_backend: str = "lex"
    lex_locale_id: str = "ko_KR"
    notifier_backend: str = "bedrock"
    bedrock_model_id: str = "apac.anthropic.claude-haiku-4-5-20251001-v1:0"
    # SNS sends SMS from a region that offers it (Seoul does not).
    sms_region: str = "ap-northeast-1"
    log_level: str = "INFO"
    # Phone registration (chalicelib/registration/roster.py): are 4321 and
    # 04321 one employee (ignored) or two (significant); the optional roster
    # CSV's key in the event bucket ("" = no roster), re-checked every TTL.
    employee_id_leading_zeros: str = "significant"
    employee_roster_key: str = ""
    employee_roster_ttl_seconds: int = 300
    # New chat requests one client (source IP) may make per minute, as a
    # burst or spread out (chalicelib/chat/client_limits.py); 0 = no limit.
    # On by default on every stage: one person chatting never comes near it.
    requests_per_minute_per_client: int = 10
    # SMS one partner may be sent per day (the link and its reminder;
    # chalicelib/partner/sms_budget.py); past it the request goes to the
    # operators' follow-up list instead. 0 = no cap.
    sms_per_partner_per_day: int = 100
    # The dashboard signs an operator out after this long without a key or
    # click (PIPA's safety measures ask for a session timeout).
    admin_idle_seconds: int = 1800
    # The operators' line and hours, as customers and partners read them (the
    # chat's "상담원 연결", the timed-out partner page). Empty: not offered.
    operator_phone: str = ""
    operator_hours: str = ""
    # Personal data's retention (chalicelib/retention/, docs/privacy.md): a
    # request's phones, names and texts are erased this many days after it
    # ended; registrations' phones this many days after the event closed,
    # which is EVENT_CLOSES_AT (ISO 8601 with its offset) or, when that is
    # not set, the event's latest draw.
    personal_data_retention_days: int = 90
    event_retention_days: int = 30
    event_closes_at: str = ""

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    def queue_name(self, kind: str) -> str:
        return names.queue_name(kind, self.stage)

    def require(self, name: str) -> str:
        """A provisioned value that this use cannot do without (locally it may
        be missing until provisioning ran: say so, by its variable's name)."""
        value = getattr(self, name)
        if not value:
            raise SettingsError(f"{name.upper()} is not configured for stage {self.stage} "
                                "(run the provisioning step: python -m provision)")
        return value

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Build and validate; every problem is reported at once."""
        problems: list[str] = []
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f.name.upper(), "")
            if raw == "":
                continue
            parse = _PARSERS.get(f.name, _text)
            try:
                values[f.name] = parse(raw)
            except ValueError as exc:
                problems.append(f"{f.name.upper()}={raw!r}: {exc}")
        stage = values.get("stage") or names.DEFAULT_STAGE
        values["stage"] = stage
        if not _STAGE.match(stage):
            problems.append(f"STAGE={stage!r}: lower-case letters and digits")
        values.setdefault("table_name", names.table_name(stage))
        built = cls(**values) if not problems else None
        if built is not None:
            problems += built._problems()
        if problems:
            raise SettingsError("invalid settings for stage "
                                f"{stage}: " + "; ".join(problems))
        assert built is not None
        return built

    def _problems(self) -> list[str]:
        found = []
        if self.link_ttl_seconds < self.partner_timeout_seconds:
            found.append("LINK_TTL_SECONDS must be at least PARTNER_TIMEOUT_SECONDS "
                         "(the link must work for the whole wait)")
        if not self.is_local:
            wanted = ["partner_confirmation_arn", "event_bucket", "event_bucket_owner"]
            if self.nlu_backend == "lex":
                wanted += ["lex_bot_id", "lex_bot_alias_id"]
            found += [f"{name.upper()} is required in stage {self.stage} (written by the "
                      "provisioning step)" for name in wanted if not getattr(self, name)]
        return found


def _text(raw: str) -> str:
    return raw.strip()


def _seconds(raw: str) -> int:
    if not raw.strip().isdigit() or int(raw) <= 0:
        raise ValueError("a whole number of seconds above 0")
    return int(raw)


def _seconds_up_to(raw: str, most: int) -> int:
    value = _seconds(raw)
    if value > most:
        raise ValueError(f"at most {most} seconds")
    return value


def _seconds_or_zero(raw: str) -> int:
    if not raw.strip().isdigit():
        raise ValueError("a whole number of seconds")
    return int(raw)


def _whole_number(raw: str) -> int:
    if not raw.strip().isdigit():
        raise ValueError("a whole number (0 or more)")
    return int(raw)


def _days(raw: str) -> int:
    if not raw.strip().isdigit() or not 1 <= int(raw) <= MAX_RETENTION_DAYS:
        raise ValueError(f"a whole number of days from 1 to {MAX_RETENTION_DAYS}")
    return int(raw)


def _moment(raw: str) -> str:
    from datetime import datetime

    text = raw.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValueError("an ISO 8601 moment with its offset, e.g. 2026-12-31T18:00:00+09:00")
    return text


def _one_of(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError("one of " + ", ".join(allowed))
        return raw
    return parse


def _matching(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not pattern.match(raw):
            raise ValueError(what)
        return raw
    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "partner_timeout_seconds": _seconds,
    "link_ttl_seconds": _seconds,
    "reminder_seconds": lambda raw: _seconds_up_to(raw, MAX_REMINDER_SECONDS),
    "escalation_alarm_interval_seconds": _seconds_or_zero,
    "nlu_backend": _one_of(NLU_BACKENDS),
    "notifier_backend": _one_of(NOTIFIER_BACKENDS),
    "log_level": _one_of(LOG_LEVELS),
    "employee_id_leading_zeros": lambda raw: _one_of(LEADING_ZEROS)(raw.strip().lower()),
    "employee_roster_ttl_seconds": _seconds_or_zero,
    "employee_roster_key": _matching(_ROSTER_KEY, f"a key under {ROSTER_PREFIX}"),
    "event_bucket_owner": _matching(re.compile(r"^\d{12}$"), "an AWS account id (12 digits)"),
    "requests_per_minute_per_client": _whole_number,
    "sms_per_partner_per_day": _whole_number,
    "admin_idle_seconds": _seconds,
    "personal_data_retention_days": _days,
    "event_retention_days": _days,
    "event_closes_at": _moment,
    "sms_region": _matching(_REGION, "an AWS region such as ap-northeast-1"),
    "confirm_base_url": _matching(_URL, "an http(s) URL without spaces"),
}

_current: Settings | None = None
_lock = threading.Lock()


def current() -> Settings:
    """This container's settings (built on first use)."""
    found = _current
    if found is None:
        with _lock:
            found = _current or rebuild()
    return found


def rebuild(environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings again from ``environ`` (the process environment by
    default) and keep them: for whoever changed the environment."""
    global _current
    _current = Settings.from_environ(os.environ if environ is None else environ)
    return _current


def stage() -> str:
    return current().stage
