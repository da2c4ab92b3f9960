"""A loose message that is only a thank-you, a greeting or an "ok": no observation.

People answer the bot as they would a person ("Bedankt!", "Hoi", "ok 👍") after a confirmation or
a coach's answer. Asking "Wil je dit als melding naar de wijkcoach sturen?" about that is odd; the
bot answers in kind and shows the menu. Both languages are recognised whatever the person's
setting. A message counts only when every word in it is one of these (at most a few words):
"Bedankt, maar de lamp is nog kapot" is an observation to offer.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.text import has_words


class SmallTalk(StrEnum):
    THANKS = "thanks"
    GREETING = "greeting"
    NOTHING = "nothing"  # emoji, punctuation, "ok": nothing to report in it


def _words(line: str) -> frozenset[str]:
    return frozenset(line.split())


_THANKS = _words("bedankt dank dankjewel dankuwel merci thanks thank thx ty cheers top super fijn")
_GREETING = _words(
    "hoi hallo hey hee hi hello goedemorgen goedemiddag goedenavond goedendag "
    "morning afternoon evening"
)
_OK = _words("ok oke oké okay okee okido goed prima alright fine great")
# Words that only go with the others ("dank je wel", "thank you very much", "good morning").
_WITH = _words("je jij u wel you very much so heel erg good hartelijk")
_MOST_WORDS = 5
_WORD = re.compile(r"[^\W\d_]+")


def kind_of(text: str) -> SmallTalk | None:
    """What a loose message (after `clean_input`) is, when it is small talk; None otherwise."""
    if not has_words(text):
        return SmallTalk.NOTHING
    if any(char.isdigit() for char in text):
        return None
    words = _WORD.findall(text.lower())
    if not words or len(words) > _MOST_WORDS:
        return None
    if any(w not in _THANKS | _GREETING | _OK | _WITH for w in words):
        return None
    if any(w in _THANKS for w in words):
        return SmallTalk.THANKS
    if any(w in _GREETING for w in words):
        return SmallTalk.GREETING
    if any(w in _OK for w in words):
        return SmallTalk.NOTHING
    return None
