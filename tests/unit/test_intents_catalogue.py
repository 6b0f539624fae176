"""The one table of intents (chalicelib/nlu/catalogue.py): every intent has
every field, the bot and the table name the same intents, the chat's examples
are understood as their intent, the pages' generated copy is up to date, and
no other file spells an intent's name or label again."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from types import MappingProxyType

import pytest

from chalicelib.nlu import bot, catalogue, local
from chalicelib.nlu.base import NOT_REQUESTS
from chalicelib.nlu.catalogue import ACCEPT, DECISIONS, PROPOSE, REJECT
from scripts import generate_intents

ROOT = Path(__file__).resolve().parents[2]
NAMES = [intent.name for intent in catalogue.INTENTS]


@pytest.mark.parametrize("intent", catalogue.INTENTS, ids=NAMES)
def test_every_intent_has_every_field(intent):
    assert catalogue.missing(intent) == []
    assert [c.decision for c in intent.choices] == [ACCEPT, REJECT, PROPOSE]
    assert set(intent.outcomes) == set(DECISIONS)
    assert intent.examples


def test_a_missing_field_is_found():
    """The check above is not vacuous: an entry that lacks a word, a choice or
    a decision's notification is named."""
    whole = catalogue.get("ReportTrouble")
    no_label = dataclasses.replace(whole, label="")
    assert catalogue.missing(no_label) == ["label"]
    two_choices = dataclasses.replace(whole, choices=whole.choices[:2])
    assert "choices: accept, reject, propose" in catalogue.missing(two_choices)
    no_step = dict(whole.outcomes)
    no_step[REJECT] = dataclasses.replace(no_step[REJECT], step="")
    assert catalogue.missing(dataclasses.replace(
        whole, outcomes=MappingProxyType(no_step))) == ["outcomes.reject.step"]
    no_propose = {d: o for d, o in whole.outcomes.items() if d != PROPOSE}
    assert catalogue.missing(dataclasses.replace(
        whole, outcomes=MappingProxyType(no_propose))) == ["outcomes.propose"]
    untimed = dict(whole.outcomes)
    untimed[PROPOSE] = dataclasses.replace(untimed[PROPOSE], untimed="")
    assert catalogue.missing(dataclasses.replace(
        whole, outcomes=MappingProxyType(untimed))) == ["outcomes.propose.untimed"]
    no_examples = dataclasses.replace(whole, examples=())
    assert catalogue.missing(no_examples) == ["examples"]


def test_the_bot_and_the_table_name_the_same_intents():
    """lex/ stays the one source of utterances; an intent added there and not
    here (or here and not there) fails."""
    locale = bot.load()
    # The bot's other intents are not requests (small talk, "상담원 연결"):
    # they teach the classifier what to answer with the fallback.
    assert set(locale.samples) - set(NOT_REQUESTS) == set(catalogue.NAMES)
    assert locale.fallback_intent == catalogue.FALLBACK


def test_each_kind_speaks_in_its_own_words():
    """Distinct per kind; a trouble report is never "accepted" or "rejected"."""
    for decision in DECISIONS:
        messages = [i.outcomes[decision].message for i in catalogue.INTENTS]
        steps = [i.outcomes[decision].step for i in catalogue.INTENTS]
        assert len(set(messages)) == len(messages), decision
        assert len(set(steps)) == len(steps) or decision == PROPOSE
    for name in ("ReportTrouble", "RequestAddOnService"):
        intent = catalogue.get(name)
        words = [c.button for c in intent.choices] + [
            o.step + o.message + o.hint for o in intent.outcomes.values()]
        assert not [w for w in words if re.search("수락|거절|받아들이기 어렵", w)], name


def test_a_proposal_asks_for_the_one_tap_answer_never_to_write_again():
    for intent in (*catalogue.INTENTS, catalogue.OTHER):
        proposal = intent.outcomes[PROPOSE]
        assert "{when" in proposal.message and proposal.message.endswith(
            "이 시간이 괜찮은지 알려 주세요."), intent.name
        assert "다시 문의" not in proposal.message
        assert "{when" not in proposal.untimed  # an unreadable time is never echoed


@pytest.fixture(scope="module")
def classifier():
    local.reset()
    return local.LocalBackend()


def test_the_chats_examples_are_understood_as_their_intent(classifier):
    for intent in catalogue.INTENTS:
        for text in intent.examples:
            found = classifier.classify(f"{catalogue.EXAMPLE_NUMBER} {text}", "s")
            assert found.intent == intent.name, text
            assert found.reservation_number == "RS2025110301"


def test_the_pages_copy_is_generated_from_the_table_and_up_to_date():
    """Fails when the table changed and `python -m scripts.generate_intents`
    was not run, or intents.js was edited by hand."""
    assert generate_intents.stale() == []
    text = generate_intents.JS_PATH.read_text(encoding="utf-8")
    data = json.loads(text[text.index("{"):text.rindex("}") + 1])
    assert data == catalogue.for_pages()
    assert set(data["intents"]) == set(catalogue.NAMES)
    for entry in data["intents"].values():
        assert list(entry["choices"]) == list(DECISIONS)
        assert list(entry["steps"]) == list(DECISIONS) and all(entry["steps"].values())


def test_a_change_to_the_table_makes_the_generated_file_stale(monkeypatch, tmp_path):
    target = tmp_path / "intents.js"
    monkeypatch.setattr(generate_intents, "JS_PATH", target)
    assert generate_intents.stale() == [target]            # missing
    target.write_text(generate_intents.render(), encoding="utf-8")
    assert generate_intents.stale() == []
    monkeypatch.setattr(generate_intents, "PROJECT_DIR", tmp_path)
    first = catalogue.INTENTS[0]
    monkeypatch.setattr(catalogue, "INTENTS", (
        dataclasses.replace(first, label="예약 바꾸기"), *catalogue.INTENTS[1:]))
    assert generate_intents.stale() == [target]
    assert generate_intents.main(["--check"]) == 1
    assert generate_intents.main([]) == 0
    assert "예약 바꾸기" in target.read_text(encoding="utf-8")
    assert generate_intents.main(["--check"]) == 0


def test_the_pages_load_the_generated_table_before_their_scripts():
    for page in ("web/index.html", "web/admin.html"):
        html = (ROOT / page).read_text(encoding="utf-8")
        assert html.index('src="assets/intents.js"') < html.index('src="assets/common.js"'), page


def test_the_chats_first_greeting_names_every_kind():
    """The static greeting in index.html is the one place a label is written
    by hand (it shows before any script runs): it must follow the table."""
    html = (ROOT / "web/index.html").read_text(encoding="utf-8")
    assert catalogue.labels_sentence() in html


def _spelled_elsewhere() -> list[tuple[str, str]]:
    """Every app file that writes an intent's name or Korean label as a string
    of its own, outside the table and the file generated from it."""
    words = set(catalogue.NAMES)
    words |= {i.label for i in catalogue.INTENTS} | {i.long_label for i in catalogue.INTENTS}
    words |= {c.button for i in catalogue.INTENTS for c in i.choices}
    words |= {o.step for i in catalogue.INTENTS for o in i.outcomes.values()}
    words |= set(catalogue.DECISION_LABELS.values())
    files = [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py")),
             *sorted((ROOT / "web/assets").glob("*.js"))]
    skip = {ROOT / "chalicelib/nlu/catalogue.py", generate_intents.JS_PATH}
    found = []
    for path in files:
        if path in skip:
            continue
        source = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                            if not line.strip().startswith(("//", "#")))
        for literal in re.findall(r'"((?:[^"\\\n]|\\.)*)"', source):
            found += [(str(path.relative_to(ROOT)), w) for w in words if w == literal.strip()]
    return found


def test_no_other_file_spells_an_intent_again():
    assert _spelled_elsewhere() == []
