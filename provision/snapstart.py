"""Lambda SnapStart for the stage's functions (after `chalice deploy`), when
the stage's ``snapstart`` setting is on; off by default.

SnapStart applies only to published versions (and aliases pointing at them),
never to ``$LATEST``, and only on Python 3.12+ runtimes. So, per function:
SnapStart on (``ApplyOn=PublishedVersions``), a version published when
``$LATEST`` differs from the one the alias ``live`` points at (Lambda runs
init and takes the snapshot then), and ``live`` moved to it. Then whatever
invokes the function must invoke ``live``:

- SQS queues: Chalice's own event source mapping names the unqualified
  function, and `chalice deploy` checks that it still does (it would create a
  second mapping otherwise), so it is left as it is but disabled, and a mapping
  of ours on the alias (same queue, batch size, window and concurrency) takes
  its place. Turning SnapStart off reverses both.
- The HTTP API (``http_api.ensure_routes``) and Amazon Connect
  (``connect.ensure``) are wired by the after-deploy steps that follow, to the
  ARN :func:`invoke_arn` gives (the alias while SnapStart is on).
- Chalice's REST API (its routes) keeps invoking
  ``$LATEST``: `chalice deploy` rewrites its integrations on every deploy, so
  those calls start without SnapStart (docs/deploy.md).

Every deploy must be followed by this step (``make deploy`` does): until then
the alias, and so the queues, the HTTP API and Connect, run the previous version.
"""

from __future__ import annotations

from typing import Any

from provision import lambdas, stages

ALIAS = "live"
SNAPSTART_MIN_PYTHON = (3, 12)
SQS_HANDLERS = ("handle_partner_link", "handle_customer_notification")
# What decides whether $LATEST differs from the alias's version.
SAME_VERSION_FIELDS = ("CodeSha256", "Runtime", "Handler", "MemorySize", "Timeout",
                       "Environment", "Layers", "Role", "EphemeralStorage", "SnapStart")
_WAIT = {"Delay": 2, "MaxAttempts": 150}


def enabled(stage: str) -> bool:
    return bool(stages.options(stage).get("snapstart", False))


def supports_snapstart(runtime: str | None) -> bool:
    """python3.12 and later (Lambda's SnapStart runtimes for Python)."""
    if not runtime or not runtime.startswith("python3."):
        return False
    try:
        return (3, int(runtime.split(".", 1)[1])) >= SNAPSTART_MIN_PYTHON
    except ValueError:
        return False


def alias_arn(function_arn: str) -> str:
    return f"{function_arn}:{ALIAS}"


def invoke_arn(prov: Any, handler: str = lambdas.API_HANDLER) -> str:
    """What the HTTP API and Connect should invoke: the alias once this step
    has put SnapStart on, else the function itself."""
    found = getattr(prov, "invoke_arns", {}).get(handler)
    return found or lambdas.deployed_arn(prov, handler)


def qualifier(prov: Any, handler: str) -> str | None:
    """The alias name when :func:`invoke_arn` is the alias."""
    arn = getattr(prov, "invoke_arns", {}).get(handler, "")
    return ALIAS if arn.endswith(f":{ALIAS}") else None


def ensure(prov: Any) -> dict[str, str]:
    """SnapStart on or off for every function of the stage, as its setting
    says; returns handler -> the ARN to invoke. Off, a function not deployed
    is skipped (nothing to undo); on, it is the usual "deploy first" message."""
    on = enabled(prov.stage)
    lam = prov.client("lambda")
    prov.invoke_arns = {}
    for handler in (lambdas.API_HANDLER, *lambdas.HANDLERS):
        name = lambdas.function_name(prov.stage, handler)
        if not on:
            try:
                config = lam.get_function_configuration(FunctionName=name)
            except lam.exceptions.ResourceNotFoundException:
                continue
            target = _turn_off(prov, name, config)
        else:
            target = _turn_on(prov, name, lambdas.deployed_arn(prov, handler))
        prov.invoke_arns[handler] = target
        if handler in SQS_HANDLERS:
            _ensure_queue_mappings(prov, target.removesuffix(f":{ALIAS}"), target)
    return dict(prov.invoke_arns)


def _turn_on(prov: Any, name: str, function_arn: str) -> str:
    lam = prov.client("lambda")
    config = lam.get_function_configuration(FunctionName=name)
    if not supports_snapstart(config.get("Runtime")):
        prov._progress(f"  ! {name}: {config.get('Runtime')}에서는 SnapStart를 쓸 수 "
                       "없습니다 (Python 3.12 이상). 함수를 그대로 호출합니다.")
        return function_arn
    if (config.get("SnapStart") or {}).get("ApplyOn") != "PublishedVersions":
        lam.update_function_configuration(FunctionName=name,
                                          SnapStart={"ApplyOn": "PublishedVersions"})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=_WAIT)
        prov.changed(f"lambda {name}: SnapStart on published versions")
        config = lam.get_function_configuration(FunctionName=name)
    current = _alias_version(lam, name)
    version = current
    if current is None or not _same(config, lam.get_function_configuration(
            FunctionName=name, Qualifier=current)):
        version = lam.publish_version(FunctionName=name, CodeSha256=config["CodeSha256"],
                                      Description="after-deploy (SnapStart)")["Version"]
        # The snapshot is taken now; the version is Active once it is ready.
        lam.get_waiter("published_version_active").wait(FunctionName=name, Qualifier=version,
                                                        WaiterConfig=_WAIT)
        prov.changed(f"lambda {name}: version {version} published (snapshot taken)")
    if current is None:
        lam.create_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
        prov.changed(f"lambda {name}: alias {ALIAS} → {version}")
    elif current != version:
        lam.update_alias(FunctionName=name, Name=ALIAS, FunctionVersion=version)
        prov.changed(f"lambda {name}: alias {ALIAS} → {version}")
    return alias_arn(function_arn)


def _turn_off(prov: Any, name: str, config: dict[str, Any]) -> str:
    """Back to invoking the function itself; the alias and versions stay
    (harmless, and a rollback target)."""
    lam = prov.client("lambda")
    if (config.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions":
        lam.update_function_configuration(FunctionName=name, SnapStart={"ApplyOn": "None"})
        lam.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=_WAIT)
        prov.changed(f"lambda {name}: SnapStart off")
    return config["FunctionArn"].removesuffix(f":{config.get('Version', '$LATEST')}")


def _alias_version(lam: Any, name: str) -> str | None:
    try:
        return lam.get_alias(FunctionName=name, Name=ALIAS)["FunctionVersion"]
    except lam.exceptions.ResourceNotFoundException:
        return None


def _same(latest: dict[str, Any], published: dict[str, Any]) -> bool:
    def settings(config: dict[str, Any]) -> dict[str, Any]:
        picked = {k: config.get(k) for k in SAME_VERSION_FIELDS}
        picked["SnapStart"] = (config.get("SnapStart") or {}).get("ApplyOn")
        return picked

    return settings(latest) == settings(published)


def _mappings(lam: Any, function_arn: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"FunctionName": function_arn}
    while True:
        page = lam.list_event_source_mappings(**kwargs)
        found += page.get("EventSourceMappings", [])
        if not page.get("NextMarker"):
            return found
        kwargs["Marker"] = page["NextMarker"]


def _ensure_queue_mappings(prov: Any, function_arn: str, target: str) -> None:
    """Chalice's mapping (on the function) enabled only when the target is the
    function; ours (on the alias) exists, with Chalice's settings, only when
    the target is the alias."""
    lam = prov.client("lambda")
    to_alias = target != function_arn
    ours = {m["EventSourceArn"]: m for m in _mappings(lam, alias_arn(function_arn))}
    for chalice in _mappings(lam, function_arn):
        queue = chalice["EventSourceArn"]
        queue_name = queue.rsplit(":", 1)[-1]
        mine = ours.pop(queue, None)
        if to_alias and mine is None:
            kwargs: dict[str, Any] = {
                "EventSourceArn": queue, "FunctionName": target, "Enabled": True,
                "BatchSize": chalice["BatchSize"],
                "MaximumBatchingWindowInSeconds":
                    chalice.get("MaximumBatchingWindowInSeconds", 0)}
            if chalice.get("ScalingConfig"):
                kwargs["ScalingConfig"] = chalice["ScalingConfig"]
            lam.create_event_source_mapping(**kwargs)
            prov.changed(f"queue {queue_name} → {ALIAS}")
        elif to_alias and mine is not None:
            _follow(prov, lam, chalice, mine, queue_name)
        elif not to_alias and mine is not None:
            lam.delete_event_source_mapping(UUID=mine["UUID"])
            prov.changed(f"queue {queue_name}: mapping to {ALIAS} removed")
        active = chalice.get("State") not in ("Disabled", "Disabling")
        if active == to_alias:
            lam.update_event_source_mapping(UUID=chalice["UUID"], Enabled=not to_alias)
            prov.changed(f"queue {queue_name}: Chalice's mapping "
                         f"{'disabled' if to_alias else 'enabled'}")


def _follow(prov: Any, lam: Any, chalice: dict[str, Any], mine: dict[str, Any],
            queue_name: str) -> None:
    """Our mapping keeps Chalice's batch size, window and concurrency (app.py
    may change them; `chalice deploy` updates only its own mapping)."""
    wanted = {"BatchSize": chalice["BatchSize"],
              "MaximumBatchingWindowInSeconds": chalice.get("MaximumBatchingWindowInSeconds", 0),
              "ScalingConfig": chalice.get("ScalingConfig") or {}}
    current = {k: mine.get(k, {} if k == "ScalingConfig" else 0) for k in wanted}
    if current != wanted:
        if not wanted["ScalingConfig"] and not current["ScalingConfig"]:
            del wanted["ScalingConfig"]
        lam.update_event_source_mapping(UUID=mine["UUID"], **wanted)
        prov.changed(f"queue {queue_name}: mapping to {ALIAS} follows Chalice's settings")
