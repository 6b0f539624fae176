"""Reading the bot from ``lex/``, the Lex V2 import/export layout:

    lex/manifest.json
    lex/<BotName>/Bot.json
    lex/<BotName>/BotLocales/<locale>/BotLocale.json
    lex/<BotName>/BotLocales/<locale>/Intents/<Intent>/Intent.json
    lex/<BotName>/BotLocales/<locale>/Intents/<Intent>/Slots/<Slot>/Slot.json
    lex/<BotName>/BotLocales/<locale>/SlotTypes/<Type>/SlotType.json

That folder is the one place intents and sample utterances are written; the
local classifier is built from what is read here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
FALLBACK_SIGNATURE = "AMAZON.FallbackIntent"


@dataclass
class BotLocale:
    bot_name: str
    locale_id: str
    # intent name -> sample utterances (slot references such as {ReservationNumber} kept)
    samples: dict[str, list[str]] = field(default_factory=dict)
    fallback_intent: str | None = None
    slots: dict[str, dict[str, Any]] = field(default_factory=dict)  # intent -> slot -> Slot.json
    slot_types: dict[str, dict[str, Any]] = field(default_factory=dict)
    confidence_threshold: float | None = None


def bot_dir() -> Path:
    return Path(os.environ.get("LEX_BOT_DIR") or PROJECT_DIR / "lex")


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load(locale_id: str = "ko_KR", root: Path | None = None) -> BotLocale:
    root = root or bot_dir()
    if not (root / "manifest.json").is_file():
        raise FileNotFoundError(f"no Lex export at {root} (manifest.json missing)")
    bots = sorted(p.parent for p in root.glob("*/Bot.json"))
    if len(bots) != 1:
        raise ValueError(f"expected exactly one bot under {root}, found {len(bots)}")
    bot = bots[0]
    locale_dir = bot / "BotLocales" / locale_id
    locale = _read(locale_dir / "BotLocale.json")
    out = BotLocale(bot_name=_read(bot / "Bot.json")["name"], locale_id=locale_id,
                    confidence_threshold=locale.get("nluConfidenceThreshold"))
    for intent_file in sorted(locale_dir.glob("Intents/*/Intent.json")):
        intent = _read(intent_file)
        name = intent["name"]
        if intent.get("parentIntentSignature") == FALLBACK_SIGNATURE:
            out.fallback_intent = name
            continue
        out.samples[name] = [u["utterance"] for u in intent.get("sampleUtterances") or []]
        out.slots[name] = {
            _read(f)["name"]: _read(f) for f in sorted(intent_file.parent.glob("Slots/*/Slot.json"))
        }
    for type_file in sorted(locale_dir.glob("SlotTypes/*/SlotType.json")):
        slot_type = _read(type_file)
        out.slot_types[slot_type["name"]] = slot_type
    return out
