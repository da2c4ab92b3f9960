"""A loose message that is only small talk: no observation.

People answer the bot as they would a person ("Bedankt!", "Hoi", "ok 👍", "Doei", "Fijne avond
nog", "Is dit een echt persoon?") after a confirmation or a coach's answer. Asking "Wil je dit
als melding naar de wijkcoach sturen?" about that is odd; the bot answers in kind and shows the
menu. Both languages are recognised whatever the person's setting.

The rule, in full: a message of at most a few words counts only when EVERY word in it is one of
the words below, and at least one of them says what kind of small talk it is (a thanks, a
greeting, a goodbye, a wish, a yes or no or laugh, a question whether the bot is a person).
The rest may only go with those: words of address ("wijkcoach", "meneer", "allemaal"), praise
("top", "super") and what a thanks is for when that is the bot's or the coach's answer or help
("voor het snelle antwoord"). A single word about anything else ("lamp", "park", "kapot") makes
it a message to offer: "Bedankt, maar de lamp is nog kapot" and "Dankjewel voor de nieuwe
prullenbakken in het park!" are observations. So a real observation is never swallowed by
this list; a small-talk sentence with a word it lacks is only offered as a melding.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.text import has_words


class SmallTalk(StrEnum):
    THANKS = "thanks"
    GREETING = "greeting"
    GOODBYE = "goodbye"
    WISH = "wish"  # "Fijne avond", "Prettige feestdagen": wished back
    BOT = "bot"  # "Is dit een echt persoon?": what the bot is, and who reads the meldingen
    NOTHING = "nothing"  # emoji, punctuation, "ok", "ja", "haha": nothing to report in it


def _words(line: str) -> frozenset[str]:
    return frozenset(line.split())


# The words that say what kind of small talk a message is ("kinds"), by kind.
_THANKS = _words(
    "bedankt dank dankjewel dankje dankuwel danku merci thanks thank thx tnx ty cheers "
    # praise of an answer or a confirmation: thanked for in return ("Top!" "Graag gedaan!")
    "top super fijn geweldig perfect prima fantastisch gaaf great awesome"
)
_GREETING = _words(
    "hoi hallo hey hee hi hello hai moi moin goedemorgen goedemiddag goedenavond goedendag "
    "morning afternoon evening"
)
_GOODBYE = _words(
    "doei doeg dag daag houdoe ajuus ciao ziens later bye goodbye welterusten goodnight"
)
# A wish is a wishing word and a time to wish it for ("fijne avond", "have a nice weekend").
_WISHING = _words("fijne prettige prettig gezellige goede fijn gelukkig nice happy merry")
_TIMES = _words(
    "dag avond middag ochtend nacht weekend week feestdagen kerst kerstdagen nieuwjaar vakantie "
    "zondag day evening night holidays christmas year"
)
_NOTHING = _words(
    "ok oke oké okay okee okido oki goed alright fine ja jawel jazeker jep nee neen nope "
    "yes yeah yep yup no nah klopt precies hmm oh ah aha oja lol"
)
_LAUGH = re.compile(r"(?:[hg][aeiou]){2,}h?")  # haha, hihi, hehe
# Is it a person? The question, and the words it takes.
_BOT = _words("bot robot chatbot computer mens persoon human person ai")
_BEING = _words("is ben bent are am praat spreek talking speaking")
# Fixed phrases that greet or say goodbye with words that alone say nothing.
_PHRASES = {
    "hoe gaat het": "greeting",
    "hoe is het": "greeting",
    "alles goed": "greeting",
    "how are you": "greeting",
    "see you": "goodbye",
    "good night": "goodbye",
}

# Words that only go with the others. Of address: who is thanked or greeted.
_ADDRESS = _words(
    "wijkbot bot wijkcoach coach meneer mevrouw allemaal iedereen jullie jij je u jou "
    "you all everyone there team dear sir madam"
)
# What a thanks is for, when that is the conversation itself: an answer, help, taking it up.
_FOR = _words(
    "antwoord antwoorden reactie hulp uitleg info informatie moeite snelle snel vlotte vlot "
    "oppakken opgepakt reply answer response help quick fast"
)
# Small words that join the others ("dank je wel", "heel erg bedankt", "voor het snelle
# antwoord", "en tot ziens", "thank you so much", "hoe gaat het met je").
_WITH = _words(
    "wel heel erg hartelijk hoor nog en ook alvast voor het de een dat zo echt echte even "
    "weer nogmaals van harte tot hoe gaat met alles dit of ik "
    "very much so and too for the a your real this or i have new to with it again good"
)

_KINDS = _THANKS | _GREETING | _GOODBYE | _NOTHING | _BOT | _BEING
_ALL = _KINDS | _WISHING | _TIMES | _ADDRESS | _FOR | _WITH
_MOST_WORDS = 10
_WORD = re.compile(r"[^\W\d_]+")
_LONG_RUN = re.compile(r"(\w)\1{2,}")  # "hoiii", "bedanktt", "neee"


def _known(word: str) -> str | None:
    """The word as the lists spell it ("hoiii" is "hoi", "neee" is "nee"), or None."""
    if _LAUGH.fullmatch(word):
        return "haha"
    for form in (word, _LONG_RUN.sub(r"\1", word), _LONG_RUN.sub(r"\1\1", word)):
        if form in _ALL:
            return form
    return None


def kind_of(text: str) -> SmallTalk | None:
    """What a loose message (after `clean_input`) is, when it is small talk; None otherwise."""
    if not has_words(text):
        return SmallTalk.NOTHING
    if any(char.isdigit() for char in text):
        return None
    found = [_known(w) for w in _WORD.findall(text.lower())]
    if not found or len(found) > _MOST_WORDS:
        return None
    words = [w for w in found if w is not None]
    if len(words) < len(found):
        return None  # a word about something else: an observation to offer
    said = set(words)
    joined = f" {' '.join(words)} "
    phrases = {kind for phrase, kind in _PHRASES.items() if f" {phrase} " in joined}
    question = "?" in text or words[0] in _BEING
    if said & _BOT and said & _BEING and question:
        return SmallTalk.BOT
    if said & _WISHING and said & _TIMES:
        return SmallTalk.WISH
    if said & _THANKS:
        return SmallTalk.THANKS
    if said & _GREETING or "greeting" in phrases:
        return SmallTalk.GREETING
    if said & _GOODBYE or "goodbye" in phrases:
        return SmallTalk.GOODBYE
    if said & _NOTHING or "haha" in said:
        return SmallTalk.NOTHING
    return None
