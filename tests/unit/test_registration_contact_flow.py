"""The Amazon Connect flow: its structure, and where a call goes through it.

No Connect emulator exists, so the structure is checked against the flow
language's rules, and a small walker follows the transitions the way Connect
does for the actions this flow uses (Compare on Equals, attributes,
``$.External`` from the Lambda's answer).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

FLOW_PATH = Path(__file__).resolve().parents[2] / "contact-flows" / "event-registration.json"
LAMBDA_PARAMETERS = {"inputValue": "$.StoredCustomerInput",
                     "customerPhone": "$.CustomerEndpoint.Address",
                     "contactId": "$.ContactId"}
# The error every action of these types must route (flow language reference).
REQUIRED_ERROR = {
    "UpdateContactTextToSpeechVoice": "NoMatchingError",
    "UpdateContactAttributes": "NoMatchingError",
    "GetParticipantInput": "NoMatchingError",
    "InvokeLambdaFunction": "NoMatchingError",
    "MessageParticipant": "NoMatchingError",
    "Compare": "NoMatchingCondition",
}
TERMINAL = {"DisconnectParticipant"}
_BAD_ID_CHARS = re.compile(r"[%:(\\/)=$,;\[\]{}]")


@pytest.fixture(scope="module")
def flow() -> dict:
    return json.loads(FLOW_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def actions(flow) -> dict[str, dict]:
    return {a["Identifier"]: a for a in flow["Actions"]}


def targets(action: dict) -> list[str]:
    t = action.get("Transitions", {})
    out = [t["NextAction"]] if "NextAction" in t else []
    out += [c["NextAction"] for c in t.get("Conditions", [])]
    out += [e["NextAction"] for e in t.get("Errors", [])]
    return out


def test_version_and_unique_identifiers(flow, actions):
    assert flow["Version"] == "2019-10-30"
    ids = [a["Identifier"] for a in flow["Actions"]]
    assert len(ids) == len(set(ids))
    for ident in ids:
        assert len(ident) <= 50 and not _BAD_ID_CHARS.search(ident), ident
    assert flow["StartAction"] in actions


def test_every_next_action_exists_and_every_action_is_reachable(flow, actions):
    for action in flow["Actions"]:
        for target in targets(action):
            assert target in actions, f"{action['Identifier']} → {target}"
    seen, todo = set(), [flow["StartAction"]]
    while todo:
        ident = todo.pop()
        if ident not in seen:
            seen.add(ident)
            todo.extend(targets(actions[ident]))
    assert seen == set(actions)


def test_every_action_that_can_fail_has_its_error_branch(flow):
    for action in flow["Actions"]:
        kind = action["Type"]
        if kind in TERMINAL:
            assert action["Transitions"] == {}
            continue
        assert kind in REQUIRED_ERROR, f"unexpected action type {kind}"
        errors = {e["ErrorType"] for e in action["Transitions"].get("Errors", [])}
        assert REQUIRED_ERROR[kind] in errors, action["Identifier"]
        assert action["Transitions"].get("NextAction"), action["Identifier"]


def test_input_is_stored_with_the_documented_limits(flow):
    (get_input,) = [a for a in flow["Actions"] if a["Type"] == "GetParticipantInput"]
    p = get_input["Parameters"]
    assert p["StoreInput"] == "True"
    assert p["InputTimeLimitSeconds"] == "5"
    assert p["InputValidation"] == {"CustomValidation": {"MaximumLength": "8"}}
    assert p["DTMFConfiguration"]["InputTerminationSequence"] == "#"
    # StoreInput=True: no conditions allowed, and no NoMatchingCondition branch.
    assert "Conditions" not in get_input["Transitions"]
    assert {e["ErrorType"] for e in get_input["Transitions"]["Errors"]} == {"NoMatchingError"}


def test_the_lambda_gets_exactly_the_documented_parameters(flow):
    (invoke,) = [a for a in flow["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    p = invoke["Parameters"]
    assert p["LambdaInvocationAttributes"] == LAMBDA_PARAMETERS
    assert p["ResponseValidation"] == {"ResponseType": "STRING_MAP"}
    assert 0 < int(p["InvocationTimeLimitSeconds"]) <= 8
    assert p["LambdaFunctionARN"] == "${ConnectEventRegistrationArn}"
    assert "$.StoredInput" not in json.dumps(flow)  # the seed's never-arriving input


def test_the_placeholder_renders_to_valid_json():
    text = FLOW_PATH.read_text(encoding="utf-8")
    assert set(re.findall(r"\$\{([A-Za-z0-9]+)\}", text)) == {"ConnectEventRegistrationArn"}
    arn = ("arn:aws:lambda:ap-northeast-2:123456789012:function:"
           "partnerline-prod-connect_event_registration")
    rendered = json.loads(text.replace("${ConnectEventRegistrationArn}", arn))
    (invoke,) = [a for a in rendered["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    assert invoke["Parameters"]["LambdaFunctionARN"] == arn


def test_prompts_read_the_lambdas_messages(flow):
    texts = [a["Parameters"].get("Text") for a in flow["Actions"]
             if a["Type"] == "MessageParticipant"]
    assert "$.External.successMessage" in texts
    assert "$.External.errorMessage" in texts
    (compare,) = [a for a in flow["Actions"] if a["Type"] == "Compare"
                  and a["Parameters"]["ComparisonValue"] == "$.External.registrationStatus"]
    operands = {c["Condition"]["Operands"][0] for c in compare["Transitions"]["Conditions"]}
    assert operands == {"SUCCESS", "INPUT_ERROR", "INVALID_FORMAT", "DUPLICATE", "ERROR"}


# -- walking the flow ----------------------------------------------------------

def walk(flow: dict, statuses: list[str], max_steps: int = 200) -> dict:
    """Follow a call; the Lambda answers ``statuses`` in order."""
    actions = {a["Identifier"]: a for a in flow["Actions"]}
    attributes: dict[str, str] = {}
    external: dict[str, str] = {}
    heard: list[str] = []
    invocations: list[dict] = []
    answers = iter(statuses)

    def value(expr: str) -> str:
        if expr.startswith("$.External."):
            return external.get(expr[len("$.External."):], "")
        if expr.startswith("$.Attributes."):
            return attributes.get(expr[len("$.Attributes."):], "")
        return expr

    current = flow["StartAction"]
    for _ in range(max_steps):
        action = actions[current]
        kind, p, t = action["Type"], action["Parameters"], action["Transitions"]
        if kind == "DisconnectParticipant":
            return {"heard": heard, "invocations": invocations, "attributes": attributes}
        if kind == "UpdateContactAttributes":
            attributes.update({k: value(v) for k, v in p["Attributes"].items()})
        elif kind == "InvokeLambdaFunction":
            invocations.append(dict(p["LambdaInvocationAttributes"]))
            status = next(answers)
            key = "successMessage" if status == "SUCCESS" else "errorMessage"
            external = {"registrationStatus": status, key: f"<{status}>"}
        elif kind == "MessageParticipant":
            heard.append(value(p["Text"]))
        elif kind == "Compare":
            got = value(p["ComparisonValue"])
            match = [c["NextAction"] for c in t.get("Conditions", [])
                     if c["Condition"]["Operator"] == "Equals"
                     and c["Condition"]["Operands"] == [got]]
            if match:
                current = match[0]
                continue
            current = next(e["NextAction"] for e in t["Errors"]
                           if e["ErrorType"] == "NoMatchingCondition")
            continue
        current = t["NextAction"]
    raise AssertionError("the flow did not end")


@pytest.mark.parametrize("status", ["INPUT_ERROR", "INVALID_FORMAT"])
def test_input_problems_get_exactly_two_more_tries(flow, status):
    call = walk(flow, [status] * 10)
    assert len(call["invocations"]) == 3
    assert call["heard"].count(f"<{status}>") == 3
    assert "입력 횟수를 초과했습니다" in call["heard"][-1]


def test_a_retry_that_succeeds_plays_the_lottery_number(flow):
    call = walk(flow, ["INVALID_FORMAT", "INPUT_ERROR", "SUCCESS"])
    assert len(call["invocations"]) == 3
    assert "<SUCCESS>" in call["heard"]


@pytest.mark.parametrize("status", ["SUCCESS", "DUPLICATE", "ERROR"])
def test_final_answers_end_the_call_after_one_invocation(flow, status):
    call = walk(flow, [status])
    assert len(call["invocations"]) == 1
    assert f"<{status}>" in call["heard"]
    assert call["invocations"][0] == LAMBDA_PARAMETERS


def test_an_unknown_status_is_a_polite_error(flow):
    call = walk(flow, ["SOMETHING_ELSE"])
    assert call["heard"][-1].startswith("죄송합니다")
