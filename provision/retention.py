"""How long what the stage writes outside the table is kept (docs/privacy.md).

- **The event bucket's lifecycle**: the registration log (``EVENT_LOG_KEY``,
  ``axcl_event.txt``) expires ``EVENT_RETENTION_DAYS`` after its last write
  (a view of the table, rebuilt whole at the next registration; after the
  event its last write is the rewrite without the phones), anything under
  ``exports/`` after ``EXPORT_EXPIRATION_DAYS``; in both, a noncurrent version
  (should versioning ever be turned on) after one day, and an unfinished
  multipart upload after one. S3 runs lifecycle once a day and rounds to the
  next midnight UTC, then removes expired objects asynchronously: a backstop
  behind the table's own erasure, not a timer.
- **Every Lambda log group** (``/aws/lambda/<function>``) is created here, in
  AWS stages, before ``chalice deploy`` first runs the function, with a
  retention of ``LOG_RETENTION_DAYS`` (Lambda would otherwise create it on
  first use, kept forever). The stage has no other log group: the state
  machine and both APIs log nothing to CloudWatch Logs.

Rules and groups are compared before they are written: a second run changes
nothing. ``make destroy`` removes both with what they belong to (the bucket,
the functions' log groups).
"""

from __future__ import annotations

from typing import Any

from chalicelib.aws import error_code
from chalicelib.settings import Settings
from provision import resources

# The operational logs hold request ids and masked phones (chalicelib/logs.py),
# for following up a complaint: kept as long as a request's personal data.
# CloudWatch Logs takes only certain values (PutRetentionPolicy).
LOG_RETENTION_DAYS = 90
ALLOWED_LOG_RETENTION = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                         1096, 1827, 2192, 2557, 2922, 3288, 3653)
EXPORT_PREFIX = "exports/"
EXPORT_EXPIRATION_DAYS = 7
LOG_RULE = "registration-log"
EXPORT_RULE = "exports"


def _setting(prov: Any, name: str) -> str:
    """A stage setting as the functions will see it (the stage's choice, else
    what config.json already holds, else the product's default)."""
    env_name = name.upper()
    configured = (prov.config.get("stages", {}).get(prov.stage, {})
                  .get("environment_variables", {}))
    value = prov.env.get(env_name) or configured.get(env_name)
    return str(value) if value else str(getattr(Settings, name))


def bucket_rules(prov: Any) -> list[dict[str, Any]]:
    """The lifecycle rules this module owns on the event bucket."""
    log_days = int(_setting(prov, "event_retention_days"))
    common = {"Status": "Enabled",
              "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
              "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}
    return [
        {"ID": LOG_RULE, "Filter": {"Prefix": _setting(prov, "event_log_key")},
         "Expiration": {"Days": log_days}, **common},
        {"ID": EXPORT_RULE, "Filter": {"Prefix": EXPORT_PREFIX},
         "Expiration": {"Days": EXPORT_EXPIRATION_DAYS}, **common},
    ]


def current_rules(s3: Any, bucket: str) -> list[dict[str, Any]]:
    try:
        return s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except Exception as exc:
        if error_code(exc) != "NoSuchLifecycleConfiguration":
            raise
        return []


def _comparable(rule: dict[str, Any]) -> dict[str, Any]:
    return {k: rule.get(k) for k in ("ID", "Filter", "Status", "Expiration",
                                     "NoncurrentVersionExpiration",
                                     "AbortIncompleteMultipartUpload")}


def ensure_bucket_lifecycle(prov: Any) -> None:
    """Our rules on the event bucket; rules someone else added stay."""
    s3 = prov.client("s3")
    bucket = prov.event_bucket()
    wanted = bucket_rules(prov)
    current = current_rules(s3, bucket)
    ours = {r["ID"] for r in wanted}
    mine = sorted((_comparable(r) for r in current if r.get("ID") in ours),
                  key=lambda r: r["ID"])
    if mine == sorted((_comparable(r) for r in wanted), key=lambda r: r["ID"]):
        return
    others = [r for r in current if r.get("ID") not in ours]
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={
        "Rules": others + wanted})
    prov.changed(f"bucket {bucket}: lifecycle ({', '.join(sorted(ours))})")


def log_group_names(stage: str) -> list[str]:
    """Every function's log group (provision/resources.py); not those of
    retired functions (the teardown still deletes them)."""
    return [r.name for r in resources.catalogue(stage).of_kind("log-group") if not r.retired]


def ensure_log_groups(prov: Any, days: int = LOG_RETENTION_DAYS) -> None:
    """Every function's log group, with its retention."""
    if days not in ALLOWED_LOG_RETENTION:
        raise ValueError(f"CloudWatch Logs keeps logs for one of {ALLOWED_LOG_RETENTION} days")
    logs = prov.client("logs")
    for name in log_group_names(prov.stage):
        found = [g for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
                 if g["logGroupName"] == name]
        if not found:
            try:
                logs.create_log_group(logGroupName=name)
                prov.changed(f"log group {name}")
            except Exception as exc:
                if error_code(exc) != "ResourceAlreadyExistsException":
                    raise
        if not found or found[0].get("retentionInDays") != days:
            logs.put_retention_policy(logGroupName=name, retentionInDays=days)
            prov.changed(f"log group {name}: retention {days} days")
