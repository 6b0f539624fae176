"""The Lex V2 bot, built from ``lex/`` (the one source of intents and utterances).

``lex/`` is a Lex V2 export (``manifest.json``, ``<Bot>/Bot.json``,
``<Bot>/BotLocales/ko_KR/BotLocale.json``, ``.../SlotTypes/<T>/SlotType.json``,
``.../Intents/<I>/Intent.json``, ``.../Intents/<I>/Slots/<S>/Slot.json``, with
the export's field names, identifiers and enum spellings; see
tests/unit/test_lex_export.py): a zip of the folder imports with StartImport
or in the console. Here the same files are applied
through ``lexv2-models`` so the ids come back to the stage's environment:
bot -> locale -> slot types -> intents (+ slots, slot priorities) -> build ->
version -> alias ``live`` -> ``LEX_BOT_ID`` / ``LEX_BOT_ALIAS_ID``.

Idempotent by fingerprint: the bot carries a tag with the hash of the
definition it was built from; when it matches and the alias exists, nothing is
called that changes anything (building and versioning take minutes).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from chalicelib.aws import error_code
from provision import resources, stages

LEX_DIR = stages.PROJECT_DIR / "lex"
DRAFT = "DRAFT"
ALIAS_NAME = "live"
FINGERPRINT_TAG = "partnerline:definition"
BUILT_IN_INTENTS = {"FallbackIntent"}  # every locale has it from the start
DEFAULT_BOT = {"dataPrivacy": {"childDirected": False}, "idleSessionTTLInSeconds": 300}
DEFAULT_THRESHOLD = 0.40
WAIT = {"Delay": 5, "MaxAttempts": 120}  # up to 10 minutes for a build


bot_name = resources.bot_name


def alias_arn(region: str, account: str, bot_id: str, alias_id: str) -> str:
    return f"arn:aws:lex:{region}:{account}:bot-alias/{bot_id}/{alias_id}"


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _first(directory: Path, *file_names: str) -> Path | None:
    for name in file_names:
        if (directory / name).is_file():
            return directory / name
    return None


def load_definition(lex_dir: Path = LEX_DIR, locale: str = "ko_KR") -> dict[str, Any]:
    """The bot as plain data from the export layout; raises when there is no locale."""
    found = sorted(p for p in lex_dir.rglob(locale) if p.is_dir()
                   and p.parent.name == "BotLocales")
    if not found:
        raise FileNotFoundError(f"{lex_dir}: no BotLocales/{locale}")
    locale_dir = found[0]
    bot_file = _first(locale_dir.parent.parent, "Bot.json")
    locale_file = _first(locale_dir, "BotLocale.json")
    slot_types = [_read(p) for p in sorted(locale_dir.glob("SlotTypes/*/SlotType.json"))]
    intents = []
    for intent_file in sorted(locale_dir.glob("Intents/*/Intent.json")):
        intent = _read(intent_file)
        slots = [_read(p) for p in sorted(intent_file.parent.glob("Slots/*/Slot.json"))]
        intents.append({"intent": intent, "slots": slots})
    return {"locale": locale,
            "bot": _read(bot_file) if bot_file else {},
            "botLocale": _read(locale_file) if locale_file else {},
            "slotTypes": slot_types, "intents": intents}


def fingerprint(definition: dict[str, Any], role_arn: str) -> str:
    text = json.dumps([definition, role_arn], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# Where the export format's field names differ from the API's.
_RENAMED = {"messageGroupsList": "messageGroups"}
# The export spells enums in upper snake case (``ORIGINAL_VALUE``), the API
# in camel case (``OriginalValue``).
_ENUMS = {"resolutionStrategy": {"ORIGINAL_VALUE": "OriginalValue",
                                 "TOP_RESOLUTION": "TopResolution",
                                 "CONCATENATION": "Concatenation"}}


def to_api(value: Any, key: str | None = None) -> Any:
    """An export file's value as the model-building API takes it: ``null``
    fields absent (the export writes them, the API refuses them), renamed
    fields and enum spellings mapped; the export's ``identifier`` and
    ``version`` are not API input and are dropped by the caller's shape."""
    if isinstance(value, dict):
        return {_RENAMED.get(k, k): to_api(v, k) for k, v in value.items()
                if v is not None}
    if isinstance(value, list):
        return [to_api(v) for v in value if v is not None]
    if key in _ENUMS and isinstance(value, str):
        return _ENUMS[key].get(value, value)
    return value



class BotBuilder:
    """Applies one definition to one bot; every call's parameters go through
    the operation's input shape, so a field the API does not take is dropped."""

    def __init__(self, prov: Any, definition: dict[str, Any]) -> None:
        self.prov = prov
        self.lex = prov.client("lexv2-models")
        self.d = definition
        self.locale = definition["locale"]
        self.bot_id = ""

    # -- helpers --------------------------------------------------------------
    def _params(self, operation: str, source: dict[str, Any], **fixed: Any) -> dict[str, Any]:
        members = self.lex.meta.service_model.operation_model(operation).input_shape.members
        params = {k: to_api(v, k) for k, v in source.items()
                  if k in members and v is not None}
        params.update(fixed)
        return params

    def _scope(self) -> dict[str, str]:
        return {"botId": self.bot_id, "botVersion": DRAFT, "localeId": self.locale}

    def _find(self, operation: str, list_key: str, name_field: str, filter_name: str,
              name: str, **kwargs: Any) -> dict[str, Any] | None:
        call = getattr(self.lex, operation)
        page = call(filters=[{"name": filter_name, "values": [name], "operator": "EQ"}],
                    **kwargs)
        return next((i for i in page.get(list_key, []) if i.get(name_field) == name), None)

    def _wait(self, waiter: str, **kwargs: Any) -> None:
        self.lex.get_waiter(waiter).wait(WaiterConfig=WAIT, **kwargs)

    # -- steps ----------------------------------------------------------------
    def ensure_bot(self, role_arn: str) -> str:
        name = bot_name(self.prov.stage)
        found = self._find("list_bots", "botSummaries", "botName", "BotName", name)
        if found:
            self.bot_id = found["botId"]
            return self.bot_id
        bot = {**DEFAULT_BOT, **self.d["bot"]}
        params = self._params("CreateBot", bot, botName=name, roleArn=role_arn)
        params["dataPrivacy"] = {"childDirected": False}  # not a children's service
        self.bot_id = self.lex.create_bot(**params)["botId"]
        self._wait("bot_available", botId=self.bot_id)
        self.prov.changed(f"Lex bot {name}")
        return self.bot_id

    def bot_arn(self) -> str:
        return f"arn:aws:lex:{self.prov.region}:{self.prov.account_id()}:bot/{self.bot_id}"

    def current_fingerprint(self) -> str | None:
        tags = self.lex.list_tags_for_resource(resourceARN=self.bot_arn()).get("tags", {})
        return tags.get(FINGERPRINT_TAG)

    def find_alias(self) -> dict[str, Any] | None:
        aliases = self.lex.list_bot_aliases(botId=self.bot_id).get("botAliasSummaries", [])
        return next((a for a in aliases if a.get("botAliasName") == ALIAS_NAME), None)

    def ensure_locale(self) -> None:
        source = dict(self.d["botLocale"])
        source.setdefault("nluIntentConfidenceThreshold",
                          source.get("nluConfidenceThreshold", DEFAULT_THRESHOLD))
        try:
            self.lex.describe_bot_locale(**self._scope())
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            self.lex.create_bot_locale(**self._params("CreateBotLocale", source,
                                                      **self._scope()))
            self._wait("bot_locale_created", **self._scope())
            self.prov.changed(f"Lex locale {self.locale}")
            return
        self.lex.update_bot_locale(**self._params("UpdateBotLocale", source, **self._scope()))

    def ensure_slot_types(self) -> dict[str, str]:
        ids = {}
        for slot_type in self.d["slotTypes"]:
            name = slot_type["name"]
            found = self._find("list_slot_types", "slotTypeSummaries", "slotTypeName",
                               "SlotTypeName", name, **self._scope())
            if found:
                ids[name] = found["slotTypeId"]
                self.lex.update_slot_type(**self._params(
                    "UpdateSlotType", slot_type, slotTypeId=ids[name], slotTypeName=name,
                    **self._scope()))
            else:
                ids[name] = self.lex.create_slot_type(**self._params(
                    "CreateSlotType", slot_type, slotTypeName=name,
                    **self._scope()))["slotTypeId"]
                self.prov.changed(f"Lex slot type {name}")
        return ids

    def ensure_intents(self, slot_type_ids: dict[str, str]) -> None:
        for entry in self.d["intents"]:
            intent = entry["intent"]
            name = intent["name"]
            if name in BUILT_IN_INTENTS:
                continue
            found = self._find("list_intents", "intentSummaries", "intentName",
                               "IntentName", name, **self._scope())
            if found:
                intent_id = found["intentId"]
            else:
                intent_id = self.lex.create_intent(**self._params(
                    "CreateIntent", intent, intentName=name, **self._scope()))["intentId"]
                self.prov.changed(f"Lex intent {name}")
            slot_ids = {slot["name"]: self._ensure_slot(intent_id, slot, slot_type_ids)
                        for slot in entry["slots"]}
            # UpdateIntent replaces the whole intent: it carries the utterances
            # too, and the slot priorities that can only name existing slots.
            priorities = [{"priority": p["priority"], "slotId": slot_ids[p["slotName"]]}
                          for p in intent.get("slotPriorities", []) if p["slotName"] in slot_ids]
            if not priorities:
                priorities = [{"priority": i, "slotId": sid}
                              for i, sid in enumerate(slot_ids.values(), 1)]
            params = self._params("UpdateIntent", intent, intentId=intent_id,
                                  intentName=name, **self._scope())
            params.pop("slotPriorities", None)
            if priorities:
                params["slotPriorities"] = priorities
            self.lex.update_intent(**params)

    def _ensure_slot(self, intent_id: str, slot: dict[str, Any],
                     slot_type_ids: dict[str, str]) -> str:
        name = slot["name"]
        type_name = slot.get("slotTypeName") or slot.get("slotTypeId", "")
        # Built-in types are addressed by their name (AMAZON.Number ...).
        type_id = slot_type_ids.get(type_name, type_name)
        scope = {**self._scope(), "intentId": intent_id}
        found = self._find("list_slots", "slotSummaries", "slotName", "SlotName", name,
                           **scope)
        if found:
            self.lex.update_slot(**self._params("UpdateSlot", slot, slotId=found["slotId"],
                                                slotName=name, slotTypeId=type_id, **scope))
            return found["slotId"]
        slot_id = self.lex.create_slot(**self._params("CreateSlot", slot, slotName=name,
                                                      slotTypeId=type_id, **scope))["slotId"]
        self.prov.changed(f"Lex slot {name}")
        return slot_id

    def build_and_publish(self) -> str:
        self.lex.build_bot_locale(**self._scope())
        self._wait("bot_locale_built", **self._scope())
        version = self.lex.create_bot_version(
            botId=self.bot_id,
            botVersionLocaleSpecification={self.locale: {"sourceBotVersion": DRAFT}},
        )["botVersion"]
        self._wait("bot_version_available", botId=self.bot_id, botVersion=version)
        self.prov.changed(f"Lex bot version {version} (built)")
        alias = self.find_alias()
        settings = {self.locale: {"enabled": True}}
        if alias is None:
            alias_id = self.lex.create_bot_alias(
                botAliasName=ALIAS_NAME, botId=self.bot_id, botVersion=version,
                botAliasLocaleSettings=settings)["botAliasId"]
        else:
            alias_id = alias["botAliasId"]
            self.lex.update_bot_alias(botAliasId=alias_id, botAliasName=ALIAS_NAME,
                                      botId=self.bot_id, botVersion=version,
                                      botAliasLocaleSettings=settings)
        self._wait("bot_alias_available", botId=self.bot_id, botAliasId=alias_id)
        self.prov.changed(f"Lex alias {ALIAS_NAME} -> version {version}")
        return alias_id


def ensure_role(prov: Any) -> str:
    """The bot's runtime role (Polly for spoken prompts, as Lex's own role has)."""
    return prov.ensure_role(prov.resource("role:lex").name, "lexv2.amazonaws.com", "polly", {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "polly:SynthesizeSpeech", "Resource": "*"}]})


def ensure(prov: Any, lex_dir: Path = LEX_DIR) -> dict[str, str]:
    """Bring the bot in line with ``lex/``; returns LEX_BOT_ID / LEX_BOT_ALIAS_ID."""
    locale = prov.env.get("LEX_LOCALE_ID") or "ko_KR"
    try:
        definition = load_definition(lex_dir, locale)
    except FileNotFoundError as exc:
        prov._progress(f"  ! {exc}: Lex 봇은 건너뜁니다.")
        return {}
    role_arn = ensure_role(prov)
    builder = BotBuilder(prov, definition)
    builder.ensure_bot(role_arn)
    wanted = fingerprint(definition, role_arn)
    alias = builder.find_alias()
    if alias is not None and builder.current_fingerprint() == wanted:
        alias_id = alias["botAliasId"]
    else:
        builder.ensure_locale()
        builder.ensure_intents(builder.ensure_slot_types())
        alias_id = builder.build_and_publish()
        builder.lex.tag_resource(resourceARN=builder.bot_arn(),
                                 tags={FINGERPRINT_TAG: wanted})
    env = {"LEX_BOT_ID": builder.bot_id, "LEX_BOT_ALIAS_ID": alias_id}
    prov.env.update(env)
    return env
