"""The bot's words (the glossary, locales/<lang>/glossary.toml) and a question what one means.

No Telegram: the handlers answer with `handlers.words.word_explained`.

A newcomer types "wat is een wijkspiegel?", "Wat betekent BIG?" or "what is a district coach?":
that is no melding, it is the question /uitleg answers. `asked_word` recognises it only when the
whole message is that question about one word (in either language, whatever the person's
setting): "wat is de wijkcoach traag zeg" says more and is offered as a melding as before."""

from __future__ import annotations

import re

from bot.core.i18n import LANGUAGES, t

# /uitleg: the glossary in this order (handlers/menu.py); coaches also get theirs.
GLOSSARY = (
    "wijk",
    "mirror",
    "reaction",
    "comment",
    "report",
    "kind",
    "topic",
    "coach",
    "nickname",
    "big",
    "partner",
    "poll",
)
COACH_GLOSSARY = ("summary",)

# Words people use for a glossary word that the glossary does not spell that way.
_ALIASES = {"spiegel": "mirror", "coach": "coach", "buurt": "wijk", "neighbourhood": "wijk"}
_PLURALS = ("", "s", "en", "es")
_ASKING = re.compile(
    r"(?:wat (?:is|zijn|betekent|betekend|bedoel je met|bedoelen jullie met)"
    r"|what(?: is|'s| are| do you mean by| does)|whats)"
    r"(?: (?:een|de|het|a|an|the))? (?P<word>.+?)"
    r"(?: (?:eigenlijk|precies|exactly|actually|mean))?"
)


def _terms() -> dict[str, str]:
    """Every spelling of every glossary word, in every language, lower case: its key."""
    found = dict(_ALIASES)
    for lang in LANGUAGES:
        for word in GLOSSARY + COACH_GLOSSARY:
            term = t(lang, f"glossary.term.{word}").lower()
            for ending in _PLURALS:
                found.setdefault(term + ending, word)
    return found


def asked_word(text: str) -> str | None:
    """The glossary word (its key) a message asks the meaning of, or None."""
    flat = " ".join(text.lower().replace("’", "'").split()).rstrip("?!. ")
    asked = _ASKING.fullmatch(flat)
    if asked is None:
        return None
    return _terms().get(asked.group("word").strip(" ?!.,'\""))
