"""Does a text need help now? Rules for Dutch and English, with guards against figures of speech.

`check(text, lang)` answers with a `Signal` (the kind, the rule that fired, the words it saw,
every kind the rules found: the help shown fits them) or None. Pure, deterministic and offline:
regular expressions over the text's words, in the grouping's normal form (lowercase, no accents
or apostrophes: "m'n" is "mn"), with one typing error forgiven in the long key words
("zelfmoort", "gaslucth"). A rule fires on a sentence unless a guard of its kind, or of the rule
itself, holds in that sentence: a negation just before it ("geen gaslucht"), a time long past
("vorig jaar was er brand"), a figure of speech ("oversteken is hier zelfmoord"), an everyday
expression ("ik verga van de kou"), something that may happen one day ("als iemand een
hartaanval krijgt"), an animal ("een gewonde zwaan"), the news on tv, a general worry
("brandgevaar", "in geval van brand"). `explain` lists every rule that fired and every guard
that stopped one (for the benchmark and for tuning).

Both languages' rules run on every text (people write in the language they write in, whatever
their setting); `lang` only decides which language's rules are tried first.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.grouping.words import normalise
from bot.urgent import model as _model

# In this order: when a sentence has two, the first names the kind.
KINDS = ("suicide", "home_violence", "fire_gas", "danger", "neighbour")


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str  # one of KINDS
    rule: str  # "<lang>.<kind>.<name>": which rule fired
    words: str  # the words it saw (normalised)
    # Every kind a rule found in the text, `kind` among them ("gaslucht, en de buurvrouw doet niet
    # open": fire_gas and neighbour). Empty when only the cues or the learned net found it: then
    # the kind is a guess.
    kinds: frozenset[str] = frozenset()

    @property
    def sure(self) -> bool:
        """Whether rules named the kind (else the help for every kind fits)."""
        return bool(self.kinds)


@dataclass(frozen=True, slots=True)
class _Rule:
    lang: str
    kind: str
    name: str
    pattern: _Either
    unless: _Either | None

    @property
    def id(self) -> str:
        return f"{self.lang}.{self.kind}.{self.name}"


RULES_PATH = Path(__file__).with_name("rules.toml")
_NAME = re.compile(r"<([A-Z_]+)>")


def _expand(pattern: str, words: dict[str, str]) -> str:
    for _ in range(5):  # a word may name another word
        if "<" not in pattern:
            break
        pattern = _NAME.sub(lambda m: words[m.group(1)], pattern)
    return pattern


class _Either:
    """Several patterns, any of which may match, searched fast.

    Most begin at a word (`\\b`); in " word word " a word begins after a space, so those are
    joined behind one literal space, which lets the regular expression engine skip straight from
    space to space instead of trying every pattern at every letter (five times fewer tries). The
    few others (a lookahead over the sentence, its start) are searched as they are."""

    __slots__ = ("fast", "pattern", "patterns", "slow")

    def __init__(self, patterns: list[str]) -> None:
        at_word = [p[2:] for p in patterns if p.startswith("\\b")]
        others = [p for p in patterns if not p.startswith("\\b")]
        self.fast = re.compile(" (?:" + "|".join(at_word) + ")") if at_word else None
        self.slow = re.compile("|".join(f"(?:{p})" for p in others)) if others else None
        self.patterns = patterns
        self.pattern = "|".join(f"(?:{p})" for p in patterns)

    def search(self, text: str) -> re.Match[str] | None:
        if self.fast is not None and (found := self.fast.search(text)) is not None:
            return found
        return self.slow.search(text) if self.slow is not None else None


def _either(patterns: list[str], words: dict[str, str]) -> _Either:
    return _Either([_expand(p, words) for p in patterns])


def load_rules(
    path: Path = RULES_PATH,
) -> tuple[tuple[_Rule, ...], dict[str, _Either], dict[str, _Either], dict[str, _Either]]:
    """The rules, the guards of each kind, the guards over the whole text and the learned net's
    guards, compiled."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    words: dict[str, str] = data["words"]
    rules = []
    for raw in data["rule"]:
        lang, kind, name = raw["id"].split(".")
        if lang not in ("nl", "en") or kind not in KINDS:
            raise ValueError(f"{path}: rule {raw['id']!r}: unknown language or kind")
        unless = _either(raw["unless"], words) if raw.get("unless") else None
        rules.append(_Rule(lang, kind, name, _either(raw["any"], words), unless))
    guards = {kind: _either(p, words) for kind, p in data["guards"].items()}
    text_guards = {kind: _either(p, words) for kind, p in data["text_guards"].items()}
    model_guards = {kind: _either(p, words) for kind, p in data["model_guards"].items()}
    return tuple(rules), guards, text_guards, model_guards


RULES, _GUARDS, _TEXT_GUARDS, _MODEL_GUARDS = load_rules()


@dataclass(frozen=True)
class _Cues:
    """The cues of one language (rules.toml [cues]): each a pattern that names what it found."""

    harm: dict[str, re.Pattern[str]]  # by kind
    strong: re.Pattern[str]  # the harm cues marked "!"
    person: re.Pattern[str]
    now: re.Pattern[str]
    calm: re.Pattern[str]


def _cue_pattern(cues: list[str]) -> re.Pattern[str]:
    """Word starts ("bloed" is also "bloedt"); "=word", and words under 4 letters: whole words."""
    parts = []
    for cue in sorted(cues, key=len, reverse=True):
        cue = cue.lstrip("!")
        exact = cue.startswith("=") or len(cue) < 4
        words = re.escape(cue.lstrip("="))
        parts.append(words + (r"\b" if exact else r"\w*"))
    return re.compile(" (?:" + "|".join(parts) + ")")  # a word starts after a space


def load_cues(
    path: Path = RULES_PATH,
) -> tuple[dict[str, _Cues], dict[str, int], re.Pattern[str]]:
    """The cues of each language, their weights, and the laughing emoji (one calm cue)."""
    with path.open("rb") as file:
        data = tomllib.load(file)["cues"]
    by_lang = {
        lang: _Cues(
            harm={kind: _cue_pattern(data["harm"][kind][lang]) for kind in KINDS},
            strong=_cue_pattern(
                [c for kind in KINDS for c in data["harm"][kind][lang] if c.startswith("!")]
            ),
            person=_cue_pattern(data["person"][lang]),
            now=_cue_pattern(data["now"][lang]),
            calm=_cue_pattern(data["calm"][lang]),
        )
        for lang in ("nl", "en")
    }
    keys = ("threshold", "harm_weight", "strong_weight", "calm_weight")
    weights = {k: int(data[k]) for k in keys}
    laughing = re.compile("|".join(re.escape(e) for e in data["laughing"]))
    return by_lang, weights, laughing


_CUES, _WEIGHTS, _LAUGHING = load_cues()


# Despair and violence at home are mostly written about oneself: "ik"/"I" counts as someone.
_SELF_KINDS = frozenset({"suicide", "home_violence"})
_SELF = re.compile(r" (?:ik|me|mij|mijn|mn|i|me|my|im|myself|mezelf) ")


def _by_cues(whole: str, lang: str, laughing: bool = False) -> Finding | None:
    """Many small signs together: harm, and someone vulnerable or "now", and little calm.
    `laughing`: the text as typed has a laughing emoji (one calm cue; normalising drops it)."""
    cues = _CUES[lang]
    harm: dict[str, str] = {}
    first: tuple[int, str] | None = None
    for kind in KINDS:
        for match in cues.harm[kind].finditer(whole):
            harm.setdefault(match.group(0).strip(), kind)
            if first is None or match.start() < first[0]:
                first = (match.start(), kind)
    if first is None:
        return None
    person = {m.group(0).strip() for m in cues.person.finditer(whole)}
    if set(harm.values()) & _SELF_KINDS and _SELF.search(whole):
        person.add("ik")  # about oneself: the one at risk is the writer
    now = {m.group(0).strip() for m in cues.now.finditer(whole)}
    calm = {m.group(0).strip() for m in cues.calm.finditer(whole)}
    if laughing:
        calm.add("(emoji)")
    strong = {m.group(0).strip() for m in cues.strong.finditer(whole)}
    score = (
        _WEIGHTS["harm_weight"] * min(len(harm), 3)
        + (_WEIGHTS["strong_weight"] - _WEIGHTS["harm_weight"]) * min(len(strong), 1)
        + min(len(person), 2)
        + min(len(now), 2)
        - _WEIGHTS["calm_weight"] * len(calm)
    )
    kind = first[1]
    words = " ".join(sorted(harm)) + (
        f" | {' '.join(sorted(person | now))}" if person or now else ""
    )
    signal = Signal(kind, f"{lang}.{kind}.cues", words)
    if score >= _WEIGHTS["threshold"]:
        return Finding(signal, None)
    return Finding(signal, f"cues: score {score} (calm: {' '.join(sorted(calm)) or '-'})")


# Just before a rule's words (the last few words): a negation stops it ("geen gaslucht meer").
NEGATION = re.compile(
    r"\b(?:geen|niet|nooit|niemand|no|not|never|nobody|without|zonder|isnt|arent|wasnt|dont|"
    r"doesnt|didnt)\b(?: \w+){0,2} ?$"
)
NEGATED_KINDS = frozenset({"fire_gas", "danger"})

# Long key words forgiven one typing error (shorter words collide with everyday ones).
FUZZY_WORDS = (
    "zelfmoord",
    "zelfmoordgedachten",
    "zelfdoding",
    "suicide",
    "suicidaal",
    "suicidal",
    "gaslucht",
    "gasgeur",
    "gaslekkage",
    "rookmelder",
    "brandmelder",
    "brandalarm",
    "brandlucht",
    "koolmonoxide",
    "schroeilucht",
    "rookontwikkeling",
    "mishandeld",
    "mishandelt",
    "mishandeling",
    "huiselijk",
    "verkracht",
    "aangerand",
    "brievenbus",
    "bewusteloos",
    "aanspreekbaar",
    "levensmoe",
    "gordijnen",
    "vechtpartij",
    "steekpartij",
    "schietpartij",
    "ingebroken",
    "inbreker",
    "dementie",
    "dementerend",
    "verwaarloosd",
    "verwaarloost",
    "gedesorienteerd",
    "neighbour",
    "neighbours",
    "neighbor",
    "neighbors",
    "unconscious",
    "threatening",
    "threatened",
    "domestic",
    "strangled",
    "bleeding",
    "monoxide",
    "overdose",
    "myself",
    "killing",
    "buurvrouw",
    "buurman",
    "afscheidsbrief",
    "geschreeuw",
)
FUZZY_MIN = 6
# Real words one letter away from a key word: never "corrected".
NOT_TYPOS = frozenset(
    {
        "mishandelen",
        "brandmeester",
        "inbreken",
        "myselfs",
        "buurmans",
        "verkrachten",
        "threatens",
        "bleeding",
        "killings",
        "rookmelders",
        "gordijntjes",
        "dementia",
    }
)

_SENTENCES = re.compile(r"[.!?;\n\r]+|\s-\s|\s—\s")
_WORDS = re.compile(r"[^\W_]+")


_BY_LANG = {lang: tuple(r for r in RULES if r.lang == lang) for lang in ("nl", "en")}
# One pattern per language and kind: a sentence is tried against each rule only when its
# language's and kind's pattern found something.
_ANY = {
    (lang, kind): _Either([p for r in rules for p in r.pattern.patterns])
    for lang in ("nl", "en")
    for kind in KINDS
    if (rules := [r for r in _BY_LANG[lang] if r.kind == kind])
}


def _fuzzy_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for word in FUZZY_WORDS:
        index.setdefault(word, word)
        for i in range(len(word)):
            index.setdefault(word[:i] + word[i + 1 :], word)
    return index


_FUZZY = _fuzzy_index()
_KNOWN = frozenset(FUZZY_WORDS) | NOT_TYPOS


def _within_one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance at most 1."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) <= 1:
            return True
        i, j = diffs[0], diffs[-1]
        return len(diffs) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _corrected(word: str) -> str:
    if len(word) < FUZZY_MIN or word in _KNOWN:
        return word
    found = _FUZZY.get(word)
    if found is not None and _within_one_edit(word, found):
        return found
    for i in range(len(word)):
        found = _FUZZY.get(word[:i] + word[i + 1 :])
        if found is not None and _within_one_edit(word, found):
            return found
    return word


def sentences(text: str) -> list[str]:
    """The text's sentences as " word word ... " (normalised, typing errors in key words fixed)."""
    out = []
    for part in _SENTENCES.split(normalise(text)):
        words = _WORDS.findall(part)
        if words:
            out.append(" " + " ".join(_corrected(w) for w in words) + " ")
    return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired in one sentence, and the guard that stopped it (None: it counts)."""

    signal: Signal
    stopped_by: str | None


_NL_WORDS = frozenset(
    [
        "de",
        "het",
        "een",
        "ik",
        "je",
        "jij",
        "hij",
        "zij",
        "ze",
        "we",
        "wij",
        "mijn",
        "mn",
        "zijn",
        "haar",
        "en",
        "niet",
        "geen",
        "is",
        "ben",
        "er",
        "al",
        "nog",
        "maar",
        "dat",
        "die",
        "dit",
        "wat",
        "met",
        "van",
        "op",
        "voor",
        "naar",
        "bij",
        "uit",
        "heb",
        "heeft",
        "hebben",
        "wordt",
        "word",
    ]
)
_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "i",
        "you",
        "he",
        "she",
        "they",
        "we",
        "my",
        "his",
        "her",
        "and",
        "not",
        "no",
        "is",
        "am",
        "are",
        "there",
        "already",
        "still",
        "but",
        "that",
        "this",
        "what",
        "with",
        "of",
        "on",
        "for",
        "to",
        "at",
        "from",
        "have",
        "has",
        "been",
        "was",
        "were",
        "its",
        "im",
        "dont",
        "cant",
    ]
)


def _small_words(parts: list[str]) -> dict[str, int]:
    """How many of each language's small words the text has."""
    words = " ".join(parts).split()
    return {"nl": sum(w in _NL_WORDS for w in words), "en": sum(w in _EN_WORDS for w in words)}


def _languages(parts: list[str], lang: str) -> tuple[str, ...]:
    """Which languages' rules to try: the text's own by its small words; both when unsure."""
    counts = _small_words(parts)
    nl, en = counts["nl"], counts["en"]
    if nl >= 2 and nl >= 3 * en:
        return ("nl",)
    if en >= 2 and en >= 3 * nl:
        return ("en",)
    return ("nl", "en") if lang != "en" else ("en", "nl")


def _cue_languages(parts: list[str], order: tuple[str, ...]) -> tuple[str, ...]:
    """Which languages' cues to read: as the rules, but not a language with none of its small
    words when the other has some. The cues are single words, and a short Dutch text's "die"
    ("Vet man, die nieuwe skatebaan") is no English "die"."""
    if len(order) == 1:
        return order
    counts = _small_words(parts)
    return tuple(
        lang for lang in order if counts[lang] or not counts["en" if lang == "nl" else "nl"]
    )


def _findings(
    text: str, lang: str, parts: list[str] | None = None, done: set[str] | None = None
) -> Iterable[Finding]:
    """Every rule that fired and what stopped it, sentence by sentence; the cues when none
    fired. `done`: kinds already found (the caller adds to it), not looked for again."""
    parts = sentences(text) if parts is None else parts
    order = _languages(parts, lang)
    whole: str | None = None
    fired = False
    for sentence in parts:
        for rule_lang in order:
            for kind in KINDS:
                if done is not None and kind in done:
                    continue
                combined = _ANY.get((rule_lang, kind))
                if combined is None or combined.search(sentence) is None:
                    continue
                for finding in _kind_findings(sentence, rule_lang, kind):
                    fired = True
                    if finding.stopped_by is None:
                        whole = whole if whole is not None else " ".join(parts)
                        finding = _text_guarded(finding, whole)
                    yield finding
    if fired:
        return
    whole = whole if whole is not None else " ".join(parts)
    laughing = not text.isascii() and _LAUGHING.search(text) is not None
    for cue_lang in _cue_languages(parts, order):
        found = _by_cues(whole, cue_lang, laughing)
        if found is not None:
            if found.stopped_by is None:
                found = _text_guarded(found, whole)
            yield found


def _text_guarded(finding: Finding, whole: str) -> Finding:
    # "It is fine now" ends a story of the past, but in a farewell it is one more sign.
    names = (
        (finding.signal.kind,) if finding.signal.kind == "suicide" else ("*", finding.signal.kind)
    )
    for name in names:
        guard = _TEXT_GUARDS.get(name)
        if guard is not None and (hit := guard.search(whole)) is not None:
            return Finding(finding.signal, f"text.{name}: {hit.group(0).strip()}")
    return finding


def _kind_findings(sentence: str, lang: str, kind: str) -> Iterable[Finding]:
    for rule in _BY_LANG[lang]:
        if rule.kind != kind:
            continue
        match = rule.pattern.search(sentence)
        if match is None:
            continue
        signal = Signal(kind, rule.id, match.group(0).strip())
        yield Finding(signal, _stopped(sentence, rule, match))


def _stopped(sentence: str, rule: _Rule, match: re.Match[str]) -> str | None:
    for name in ("*", rule.kind):
        guard = _GUARDS.get(name)
        if guard is not None and (hit := guard.search(sentence)) is not None:
            return f"guard.{name}: {hit.group(0).strip()}"
    if rule.unless is not None and (hit := rule.unless.search(sentence)) is not None:
        return f"unless: {hit.group(0).strip()}"
    if rule.kind in NEGATED_KINDS and (hit := NEGATION.search(sentence[: match.start() + 1])):
        return f"negation: {hit.group(0).strip()}"
    return None


def rule_signal(text: str, lang: str = "nl") -> Signal | None:
    """The first rule (or the cues) that fires on `text` and is not stopped by a guard, or None:
    the rules alone, without the learned net."""
    if not text:
        return None
    for finding in _findings(text, lang):
        if finding.stopped_by is None:
            return finding.signal
    return None


MODEL = _model.load()


def _model_guarded(kind: str, parts: list[str], rules_spoke: bool = False) -> str | None:
    """What stops the learned net's signal of `kind` in the text: its own guards (rules.toml
    [model_guards]: it weighs words, not what they are about; "buren kennen elkaar niet meer" is no
    "ik wil niet meer"; those under "alone" only when no rule fired at all: a joke, whereas "haha,
    I just took all my pills" has a rule that the joke stopped, and the net is what is left), the
    guard of every rule (`[guards]` "*": a film, the news on tv) and the guards over the whole text
    that stop the rules too ([text_guards]: it is over, it has been repaired)."""
    whole = " ".join(parts)
    for name in ("*", kind) if rules_spoke else ("*", "alone", kind):
        guard = _MODEL_GUARDS.get(name)
        if guard is not None and (hit := guard.search(whole)) is not None:
            return f"model_guard.{name}: {hit.group(0).strip()}"
    # A film, the news: what stops every rule stops the net.
    if (hit := _GUARDS["*"].search(whole)) is not None:
        return f"guard.*: {hit.group(0).strip()}"
    # What the whole text says stops the net as it stops the rules ("het lek is al gerepareerd").
    return _text_guarded(Finding(Signal(kind, "", ""), None), whole).stopped_by


def _model_signal(parts: list[str], lang: str, rules_spoke: bool) -> Signal | None:
    if not _model.enough_words(parts):
        return None
    found = _model.features(parts)
    if MODEL.score(found) < MODEL.threshold:
        return None
    kind = MODEL.kind(found)
    if _model_guarded(kind, parts, rules_spoke) is not None:
        return None
    return Signal(kind, f"{lang}.{kind}.model", ", ".join(MODEL.strongest(parts)) or "-")


@functools.lru_cache(maxsize=512)
def check(text: str, lang: str = "nl") -> Signal | None:
    """The first rule that fires on `text` and is not stopped by a guard, with the kinds of every
    such rule; else the learned net's signal when its score reaches the threshold
    (bot/urgent/model.py); or None."""
    if not text:
        return None
    parts = sentences(text)
    first: Signal | None = None
    kinds: set[str] = set()
    rules_spoke = False  # a rule fired, stopped by a guard (the cues are no rule)
    for finding in _findings(text, lang, parts, kinds):
        rules_spoke = rules_spoke or not finding.signal.rule.endswith(".cues")
        if finding.stopped_by is None:
            if finding.signal.rule.endswith(".cues"):
                return finding.signal  # many small signs: the kind of the first, a guess
            first = first or finding.signal
            kinds.add(finding.signal.kind)
    if first is not None:
        return Signal(first.kind, first.rule, first.words, frozenset(kinds))
    return _model_signal(parts, lang, rules_spoke) if parts else None


def explain(text: str, lang: str = "nl") -> list[Finding]:
    """Every rule that fired, and what stopped it; then the learned net's verdict (for tuning
    and the benchmark's report)."""
    parts = sentences(text)
    out = list(_findings(text, lang, parts))
    found = _model.features(parts)
    score = MODEL.score(found)
    kind = MODEL.kind(found)
    signal = Signal(kind, f"{lang}.{kind}.model", ", ".join(MODEL.strongest(parts)) or "-")
    below = f"model: score {score:.3f} below {MODEL.threshold}"
    rules_spoke = any(not f.signal.rule.endswith(".cues") for f in out)
    stopped = below if score < MODEL.threshold else _model_guarded(kind, parts, rules_spoke)
    if not _model.enough_words(parts):
        stopped = f"model: fewer than {_model.MIN_WORDS} words"
    out.append(Finding(signal, stopped))
    return out
