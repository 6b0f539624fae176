"""``lex/`` is a Lex V2 export: the layout, field names, identifiers and enum
spellings of "JSON format for importing and exporting bots in Lex V2" (and of
a bot exported from the console), consistent references, every file valid
input for the model-building API once mapped, and a zip that StartImport's
request accepts."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.validate import ParamValidator

from provision import lex

LEX_DIR = lex.LEX_DIR
ID = re.compile(r"[0-9A-Z]{10}")
FALLBACK_ID = "FALLBCKINT"  # the built-in fallback intent's fixed identifier
EXPORT_ENUMS = {"ORIGINAL_VALUE", "TOP_RESOLUTION", "CONCATENATION"}
SLOT_REF = re.compile(r"\{([A-Za-z0-9_]+)\}")

# Fields each file must carry (the export writes every one, null when unset).
REQUIRED = {
    "Bot.json": {"name", "identifier", "version", "description", "dataPrivacy",
                 "idleSessionTTLInSeconds"},
    "BotLocale.json": {"name", "identifier", "version", "description", "voiceSettings",
                       "nluConfidenceThreshold"},
    "Intent.json": {"name", "identifier", "description", "parentIntentSignature",
                    "sampleUtterances", "intentConfirmationSetting", "intentClosingSetting",
                    "inputContexts", "outputContexts", "kendraConfiguration",
                    "dialogCodeHook", "fulfillmentCodeHook", "slotPriorities"},
    "Slot.json": {"name", "identifier", "description", "slotTypeName", "obfuscationSetting",
                  "valueElicitationSetting", "multipleValuesSetting"},
    "SlotType.json": {"name", "identifier", "description", "slotTypeValues",
                      "parentSlotTypeSignature", "valueSelectionSetting"},
}
# Export field -> API operation and how the export's names map onto its input.
API = {
    "Bot.json": ("CreateBot", {"name": "botName"}),
    "BotLocale.json": ("CreateBotLocale", {"identifier": "localeId",
                                           "nluConfidenceThreshold":
                                           "nluIntentConfidenceThreshold"}),
    "SlotType.json": ("CreateSlotType", {"name": "slotTypeName"}),
    "Intent.json": ("CreateIntent", {"name": "intentName"}),
    "Slot.json": ("CreateSlot", {"name": "slotName", "slotTypeName": "slotTypeId"}),
}
EXPORT_ONLY = {"identifier", "version", "slotPriorities"}  # ids / names the API takes later
SCOPE = {"botId": "ABCDEFGHIJ", "botVersion": "DRAFT", "localeId": "ko_KR"}


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _model() -> Any:
    return boto3.client("lexv2-models", region_name="ap-northeast-2",
                        aws_access_key_id="x", aws_secret_access_key="y").meta.service_model


def problems(root: Path) -> list[str]:
    """Everything that keeps ``root`` from being an importable Lex V2 export."""
    out: list[str] = []
    manifest = root / "manifest.json"
    if not manifest.is_file():
        return [f"{root}: manifest.json missing"]
    if _read(manifest) != {"metadata": {"schemaVersion": "1.0", "fileFormat": "LexJson",
                                        "resourceType": "Bot"}}:
        out.append("manifest.json: not the Bot export manifest")
    bots = [p for p in root.iterdir() if p.is_dir()]
    if len(bots) != 1 or not (bots[0] / "Bot.json").is_file():
        return out + ["exactly one bot folder with Bot.json expected"]
    bot_dir = bots[0]
    files = sorted(p for p in root.rglob("*") if p.is_file())
    allowed = re.compile(r"manifest\.json|[^/]+/Bot\.json|[^/]+/BotLocales/[^/]+/("
                         r"BotLocale\.json|Intents/[^/]+/Intent\.json|"
                         r"Intents/[^/]+/Slots/[^/]+/Slot\.json|SlotTypes/[^/]+/SlotType\.json)")
    for path in files:
        if not allowed.fullmatch(path.relative_to(root).as_posix()):
            out.append(f"{path.relative_to(root)}: not part of the export layout")
    identifiers: dict[str, str] = {}

    def check_file(path: Path, folder_name_field: str = "name") -> dict[str, Any]:
        data = _read(path)
        where = path.relative_to(root).as_posix()
        missing = REQUIRED[path.name] - set(data)
        if missing:
            out.append(f"{where}: missing {sorted(missing)}")
        if data.get(folder_name_field) != path.parent.name:
            out.append(f"{where}: {folder_name_field} is not the folder's name")
        if "messageGroups" in _keys(data):
            out.append(f"{where}: messageGroups (the export writes messageGroupsList)")
        ident = data.get("identifier")
        if path.name != "BotLocale.json":
            if not isinstance(ident, str) or not ID.fullmatch(ident):
                out.append(f"{where}: identifier {ident!r} is not 10 letters/digits")
            elif ident in identifiers:
                out.append(f"{where}: identifier {ident} also used by {identifiers[ident]}")
            else:
                identifiers[ident] = where
        return data

    bot = check_file(bot_dir / "Bot.json")
    if not isinstance(bot.get("dataPrivacy", {}).get("childDirected"), bool):
        out.append("Bot.json: dataPrivacy.childDirected must be true or false")
    for locale_dir in sorted((bot_dir / "BotLocales").iterdir()):
        check_file(locale_dir / "BotLocale.json", "identifier")
        types = {}
        for path in sorted(locale_dir.glob("SlotTypes/*/SlotType.json")):
            slot_type = check_file(path)
            types[slot_type.get("name")] = slot_type
            strategy = (slot_type.get("valueSelectionSetting") or {}).get("resolutionStrategy")
            if strategy not in EXPORT_ENUMS:
                out.append(f"{path.relative_to(root)}: resolutionStrategy {strategy!r}")
        for path in sorted(locale_dir.glob("Intents/*/Intent.json")):
            intent = check_file(path)
            name = intent.get("name")
            fallback = intent.get("parentIntentSignature") == "AMAZON.FallbackIntent"
            if fallback != (intent.get("identifier") == FALLBACK_ID):
                out.append(f"{name}: only the fallback intent is {FALLBACK_ID}")
            slots = {s.get("name"): s for s in (check_file(p) for p in
                                                sorted(path.parent.glob("Slots/*/Slot.json")))}
            for slot in slots.values():
                type_name = slot.get("slotTypeName") or ""
                if type_name not in types and not type_name.startswith("AMAZON."):
                    out.append(f"{name}/{slot.get('name')}: slot type {type_name!r} unknown")
            priorities = intent.get("slotPriorities") or []
            if sorted(p.get("slotName") for p in priorities) != sorted(slots):
                out.append(f"{name}: slotPriorities must name exactly its slots")
            if sorted(p.get("priority") for p in priorities) != list(range(1, len(slots) + 1)):
                out.append(f"{name}: slot priorities must be 1..{len(slots)}")
            utterances = [u["utterance"] for u in intent.get("sampleUtterances") or []]
            for slot in slots.values():
                utterances += [u["utterance"] for u in (slot.get("valueElicitationSetting")
                                                        or {}).get("sampleUtterances") or []]
            for ref in {r for u in utterances for r in SLOT_REF.findall(u)} - set(slots):
                out.append(f"{name}: utterance names {{{ref}}}, not a slot of the intent")
    out.extend(api_problems(root))
    return out


def api_problems(root: Path) -> list[str]:
    """Each file, mapped as provisioning maps it, is valid input for its create
    operation, and carries no field the API does not know (a misspelt field
    would otherwise be dropped silently)."""
    model, out = _model(), []
    for path in sorted(root.rglob("*.json")):
        if path.name not in API:
            continue
        operation, renamed = API[path.name]
        shape = model.operation_model(operation).input_shape
        data = _read(path)
        # A locale's identifier is its locale id; its name only a display name.
        export_only = (EXPORT_ONLY - {"identifier"} | {"name"}
                       if path.name == "BotLocale.json" else EXPORT_ONLY)
        params = {renamed.get(k, k): lex.to_api(v, k) for k, v in data.items()
                  if k not in export_only and v is not None}
        unknown = set(params) - set(shape.members)
        if unknown:
            out.append(f"{path.relative_to(root)}: {sorted(unknown)} unknown to {operation}")
            continue
        fixed = {"CreateBot": {"roleArn": "arn:aws:iam::123456789012:role/lex"},
                 "CreateBotLocale": {"botId": "ABCDEFGHIJ", "botVersion": "DRAFT"},
                 "CreateSlot": {"intentId": "ABCDEFGHIJ"}}.get(operation, {})
        scope = {} if operation in ("CreateBot", "CreateBotLocale") else SCOPE
        if operation == "CreateSlot" and not params["slotTypeId"].startswith("AMAZON."):
            params["slotTypeId"] = "ABCDEFGHIJ"  # the type's id once created
        report = ParamValidator().validate({**params, **scope, **fixed}, shape)
        if report.has_errors():
            out.append(f"{path.relative_to(root)}: {report.generate_report()}")
    return out


def export_zip(root: Path) -> bytes:
    """The folder zipped as the export is: manifest.json and the bot folder at the top."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def test_lex_folder_is_an_importable_export():
    assert problems(LEX_DIR) == []


def test_the_zip_matches_what_start_import_is_given():
    data = export_zip(LEX_DIR)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert "manifest.json" in names
        assert all(n == "manifest.json" or n.startswith("PartnerlineChatBot/") for n in names)
        for name in names:
            json.loads(archive.read(name).decode("utf-8"))
        bot = json.loads(archive.read("PartnerlineChatBot/Bot.json"))
        locale = json.loads(archive.read("PartnerlineChatBot/BotLocales/ko_KR/BotLocale.json"))
    # StartImport names the bot to create from the zip (CreateUploadUrl gives the id).
    model = _model()
    shape = model.operation_model("StartImport").input_shape
    request = {"importId": "ABCDEFGHIJ", "mergeStrategy": "FailOnConflict",
               "resourceSpecification": {"botImportSpecification": {
                   "botName": bot["name"], "roleArn": "arn:aws:iam::123456789012:role/lex",
                   "dataPrivacy": bot["dataPrivacy"],
                   "idleSessionTTLInSeconds": bot["idleSessionTTLInSeconds"]}}}
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()
    locale_request = {"importId": "ABCDEFGHIJ", "mergeStrategy": "Overwrite",
                      "resourceSpecification": {"botLocaleImportSpecification": {
                          "botId": "ABCDEFGHIJ", "botVersion": "DRAFT",
                          "localeId": locale["identifier"],
                          "nluIntentConfidenceThreshold": locale["nluConfidenceThreshold"]}}}
    report = ParamValidator().validate(locale_request, shape)
    assert not report.has_errors(), report.generate_report()


def test_both_readers_follow_the_export():
    from chalicelib.nlu import bot

    definition = lex.load_definition(LEX_DIR)
    local = bot.load(root=LEX_DIR)
    assert local.bot_name == definition["bot"]["name"]
    assert local.fallback_intent == "FallbackIntent"
    custom = {e["intent"]["name"] for e in definition["intents"]} - {"FallbackIntent"}
    assert set(local.samples) == custom
    # What provisioning sends for the slot type is the API's spelling.
    [slot_type] = definition["slotTypes"]
    assert lex.to_api(slot_type["valueSelectionSetting"])["resolutionStrategy"] == (
        "OriginalValue")


@pytest.mark.parametrize("breakage, expected", [
    (lambda r: _edit(r, "*/BotLocales/ko_KR/Intents/ReportTrouble/Slots/*/Slot.json",
                     lambda d: d["valueElicitationSetting"]["promptSpecification"].update(
                         messageGroups=d["valueElicitationSetting"]["promptSpecification"]
                         .pop("messageGroupsList"))), "messageGroupsList"),
    (lambda r: _edit(r, "*/BotLocales/ko_KR/Intents/ChangeReservation/Intent.json",
                     lambda d: d.pop("identifier")), "identifier"),
    (lambda r: _edit(r, "*/BotLocales/ko_KR/Intents/RequestAddOnService/Slots/*/Slot.json",
                     lambda d: d.update(slotTypeName="NoSuchType")), "unknown"),
    (lambda r: _edit(r, "*/BotLocales/ko_KR/SlotTypes/*/SlotType.json",
                     lambda d: d["valueSelectionSetting"].update(
                         resolutionStrategy="OriginalValue")), "resolutionStrategy"),
    (lambda r: _edit(r, "*/BotLocales/ko_KR/Intents/ReportTrouble/Intent.json",
                     lambda d: d.update(sampleUtterance=[])), "unknown to CreateIntent"),
    (lambda r: (r / "manifest.json").unlink(), "manifest.json"),
])
def test_a_broken_export_is_named(tmp_path, breakage, expected):
    root = tmp_path / "lex"
    shutil.copytree(LEX_DIR, root)
    breakage(root)
    found = problems(root)
    assert any(expected in p for p in found), found


def _edit(root: Path, pattern: str, change: Any) -> None:
    [path] = root.glob(pattern)
    data = _read(path)
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
