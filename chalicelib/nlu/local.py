"""A local intent classifier built at start-up from the bot in ``lex/``.

Korean chat text is short, loosely spaced and often misspelt, so words are a
poor unit. Each message becomes character n-grams of its syllables (spaces
removed, so ``예약변경`` and ``예약 변경`` look alike) plus n-grams of its
jamo (so ``번경`` still shares most of its features with ``변경``), weighted by
TF-IDF over the bot's sample utterances. A message is scored against each
intent by the mean cosine similarity of its nearest samples of that intent;
below the threshold it is ``FallbackIntent``, as Lex does with
``nluConfidenceThreshold``. The reservation number (and ``{ReservationNumber}``
in the samples) becomes one placeholder, so the number itself never sways the
intent.

Pure Python with an inverted index: classifying one message costs well under
a millisecond for a bot of this size. Runs only where ``lex/`` exists (the
local stage); the folder is not part of the Lambda package.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict

from chalicelib import reservations, settings
from chalicelib.nlu import bot
from chalicelib.nlu.base import FALLBACK, Backend

PLACEHOLDER = "#"
_SLOT_REFERENCE = re.compile(r"\{[A-Za-z][A-Za-z0-9_]*\}")
_NOT_TEXT = re.compile(r"[^0-9a-z가-힣ㄱ-ㅎㅏ-ㅣ#]+")

SYLLABLE_SIZES = (1, 2, 3)
JAMO_SIZES = (3, 4)
# How strongly a feature shared by several intents is weighed down (0 = not at all).
SHARED_FEATURE_POWER = 2
# An intent's score is the mean similarity of its nearest samples.
NEIGHBOURS = 5
# The fallback threshold is not a hand-picked number: each sample is scored
# with itself left out (an unseen paraphrase of the bot's own intent), and the
# threshold is set where this share of those still pass.
ACCEPT_SHARE = 0.9

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_JONGSEONG = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ",
              "ㄿ", "ㅀ", "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")


def normalise(text: str) -> str:
    """Lower case, the number and slot references as one placeholder, no spaces
    or punctuation."""
    text = _SLOT_REFERENCE.sub(PLACEHOLDER, text)
    text = reservations.NUMBER_IN_TEXT.sub(PLACEHOLDER, text)
    return _NOT_TEXT.sub("", text.lower())


def jamo(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_CHOSEONG[code // 588])
            out.append(_JUNGSEONG[(code % 588) // 28])
            out.append(_JONGSEONG[code % 28])
        else:
            out.append(ch)
    return "".join(out)


def _ngrams(text: str, sizes: tuple[int, ...], prefix: str) -> list[str]:
    padded = f"<{text}>"
    return [prefix + padded[i:i + n] for n in sizes for i in range(len(padded) - n + 1)]


def features(text: str) -> Counter:
    norm = normalise(text)
    return Counter(_ngrams(norm, SYLLABLE_SIZES, "s:") + _ngrams(jamo(norm), JAMO_SIZES, "j:"))


class Model:
    """TF-IDF vectors of the samples, an inverted index over them, and the
    intent of each."""

    def __init__(self, samples: dict[str, list[str]]) -> None:
        self.labels: list[str] = []
        self._samples: list[str] = []
        counts: list[Counter] = []
        for intent, utterances in samples.items():
            for utterance in utterances:
                self.labels.append(intent)
                self._samples.append(utterance)
                counts.append(features(utterance))
        if not counts:
            raise ValueError("the bot has no sample utterances")
        df: Counter = Counter()
        spread: dict[str, set[str]] = defaultdict(set)
        for label, c in zip(self.labels, counts, strict=True):
            df.update(c.keys())
            for f in c:
                spread[f].add(label)
        total, kinds = len(counts), len(samples)
        # A feature every intent uses ("하고 싶어요", "합니다") says nothing about
        # which intent it is: weigh it down by how many intents share it.
        self.idf = {f: (math.log((1 + total) / (1 + d)) + 1)
                    * math.log(1 + kinds / len(spread[f])) ** SHARED_FEATURE_POWER
                    for f, d in df.items()}
        # A feature no sample has is as rare as it gets: it still counts in the
        # message's length, so a message made mostly of unknown words scores low.
        self.unknown_weight = ((math.log(1 + total) + 1)
                               * math.log(1 + kinds) ** SHARED_FEATURE_POWER)
        self.index: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, c in enumerate(counts):
            for f, w in self._vector(c).items():
                self.index[f].append((i, w))
        self.intents = list(samples)
        self.threshold = self._calibrate()

    def _calibrate(self) -> float:
        passed = []
        for i, label in enumerate(self.labels):
            scores = self.scores_of(self._samples[i], exclude=i)
            if max(scores, key=scores.get) == label:
                passed.append(scores[label])
        passed.sort()
        return passed[int(len(passed) * (1 - ACCEPT_SHARE))] if passed else 0.0

    def _vector(self, counts: Counter) -> dict[str, float]:
        vec = {f: (1 + math.log(n)) * self.idf.get(f, self.unknown_weight)
               for f, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values()))
        return {f: w / norm for f, w in vec.items()} if norm else {}

    def scores_of(self, text: str, exclude: int | None = None) -> dict[str, float]:
        """Per intent: mean cosine similarity of the text's nearest samples."""
        sims: dict[int, float] = defaultdict(float)
        for f, w in self._vector(features(text)).items():
            for i, sw in self.index.get(f, ()):
                sims[i] += w * sw
        per_intent: dict[str, list[float]] = {intent: [] for intent in self.intents}
        for i, s in sims.items():
            if i != exclude:
                per_intent[self.labels[i]].append(s)
        out = {}
        for intent, values in per_intent.items():
            top = sorted(values, reverse=True)[:NEIGHBOURS]
            out[intent] = sum(top) / NEIGHBOURS
        return out

    def predict(self, text: str) -> tuple[str, float]:
        """-> (intent or FallbackIntent, confidence 0..1).

        The confidence is rescaled so that the threshold reads 0.4, as with Lex;
        only the decision matters.
        """
        scores = self.scores_of(text)
        intent = max(scores, key=scores.get)
        score = scores[intent]
        confidence = _confidence(score, self.threshold)
        return (intent if score >= self.threshold else FALLBACK), confidence


def _confidence(score: float, threshold: float) -> float:
    """Linear, with the threshold at 0.4 (Lex's default nluConfidenceThreshold)."""
    if threshold <= 0:
        return min(1.0, score)
    return min(1.0, 0.4 * score / threshold)


_model: Model | None = None
_lock = threading.Lock()


def model() -> Model:
    """Built once per process from ``lex/`` (about a tenth of a second)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                _model = Model(bot.load(settings.current().lex_locale_id).samples)
    return _model


def reset() -> None:
    global _model
    _model = None


class LocalBackend(Backend):
    name = "local"

    def __init__(self) -> None:
        model()  # fail at start-up, not on a customer's message

    def interpret(self, text: str, session_id: str) -> tuple[str, str | None, float]:
        intent, score = model().predict(text)
        return intent, None, score
