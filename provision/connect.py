"""Amazon Connect wiring for one instance (after `chalice deploy`).

Three things, each idempotent: the registration function may be invoked by
``connect.amazonaws.com`` from this instance only; the function is associated
with the instance (so flows can pick it); the contact flow from
``contact-flows/`` is created, or its content updated, with the function's ARN
filled into ``${ConnectEventRegistrationArn}``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from provision import lambdas, snapstart, stages

FLOWS_DIR = stages.PROJECT_DIR / "contact-flows"
HANDLER = "connect_event_registration"
FLOW_FILE = "event-registration.json"
PLACEHOLDER = "ConnectEventRegistrationArn"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


def flow_name(stage: str) -> str:
    return f"partnerline-{stage}-event-registration"


def instance_arn(region: str, account: str, instance_id: str) -> str:
    return f"arn:aws:connect:{region}:{account}:instance/{instance_id}"


def render_flow(path: Path, values: dict[str, str]) -> str:
    text = path.read_text(encoding="utf-8")
    missing = sorted(set(_PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise ValueError(f"{path.name}: no value for {', '.join(missing)}")
    rendered = _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
    return json.dumps(json.loads(rendered), ensure_ascii=False, sort_keys=True)


def _paged(call: Any, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    while True:
        page = call(**kwargs)
        items.extend(page.get(key, []))
        if not page.get("NextToken"):
            return items
        kwargs["NextToken"] = page["NextToken"]


def ensure(prov: Any, instance_id: str, flows_dir: Path = FLOWS_DIR) -> str | None:
    """Wire the instance; returns the contact flow's id (None without a flow file)."""
    connect = prov.client("connect")
    # The function itself, or its SnapStart alias (provision/snapstart.py).
    function_arn = snapstart.invoke_arn(prov, HANDLER)
    source = instance_arn(prov.region, prov.account_id(), instance_id)
    lambdas.ensure_invoke_permission(prov, HANDLER, f"connect-{instance_id}",
                                     "connect.amazonaws.com", source,
                                     snapstart.qualifier(prov, HANDLER))
    associated = _paged(connect.list_lambda_functions, "LambdaFunctions",
                        InstanceId=instance_id)
    if function_arn not in associated:
        connect.associate_lambda_function(InstanceId=instance_id, FunctionArn=function_arn)
        prov.changed(f"connect {instance_id}: function {function_arn.rsplit(':', 1)[-1]}")
    path = flows_dir / FLOW_FILE
    if not path.exists():
        prov._progress(f"  ! {path.name} 없음: 연락 흐름은 건너뜁니다.")
        return None
    content = render_flow(path, {PLACEHOLDER: function_arn})
    name = flow_name(prov.stage)
    flows = _paged(connect.list_contact_flows, "ContactFlowSummaryList",
                   InstanceId=instance_id, ContactFlowTypes=["CONTACT_FLOW"])
    found = next((f for f in flows if f["Name"] == name), None)
    if found is None:
        flow_id = connect.create_contact_flow(
            InstanceId=instance_id, Name=name, Type="CONTACT_FLOW", Content=content,
            Description="사번으로 이벤트에 등록하고 추첨번호를 안내합니다.")["ContactFlowId"]
        prov.changed(f"connect {instance_id}: contact flow {name}")
        return flow_id
    flow_id = found["Id"]
    current = connect.describe_contact_flow(InstanceId=instance_id,
                                            ContactFlowId=flow_id)["ContactFlow"]
    if json.loads(current.get("Content") or "{}") != json.loads(content):
        connect.update_contact_flow_content(InstanceId=instance_id, ContactFlowId=flow_id,
                                            Content=content)
        prov.changed(f"connect {instance_id}: contact flow {name} content")
    return flow_id
