"""Words of a text as the grouping and the urgent check see them: lowercase, without accents or
apostrophes, and the function words and capitalised non-places that say nothing about a matter."""

from __future__ import annotations

import re
import unicodedata

_TOKEN_RE = re.compile(r"[^\W_]+")


def _word_set(text: str) -> frozenset[str]:
    """A set of words written as a block of text (easier to read and extend than a list)."""
    return frozenset(text.split())


# Function words of Dutch and English: never a named place, never a content word.
STOPWORDS = _word_set(
    """
    de het een en of maar want dus dat die dit deze daar hier er is zijn was waren wordt worden
    word werd ben bent heb hebt heeft hebben had kan kun kunnen kunt zou zouden moet moeten mag
    wil wilt willen ga gaat gaan komt komen kom doe doet doen te van in op aan met voor naar
    bij om uit tot door over onder tegen na als dan ook nog al wel niet geen nooit niets niks
    iets alle allemaal ieder iedereen elke elk veel weinig meer minder heel erg echt zo zeer
    even ik je jij u hij zij ze we wij jullie mij me mijn mn jouw jou zijn haar hun ons onze
    hen wat wie waar waarom wanneer hoe welke welk wat nu toen toch weer steeds gewoon
    eigenlijk s t avonds ochtends nachts mee zelf dag keer jaar week weken maand maanden uur
    the a an and or but so that this these those there here is are was were be been being have
    has had do does did can could would should will shall may might must i you he she it we
    they me my mine your our their them his her its of in on at to for from by with about into
    over under after before as than then too also still again just not no never nothing
    something all every each many much more less very really what who where why when how which
    now get got go going come make made one two
    """
)

# Capitalised words that are not places in a wijk: sharing them says nothing.
NOT_PLACES = _word_set(
    """
    amstelveen amsterdam nederland nederlands nederlandse dutch english engels gemeente maandag
    dinsdag woensdag donderdag vrijdag zaterdag zondag monday tuesday wednesday thursday friday
    saturday sunday januari februari maart april mei juni juli augustus september oktober
    november december jammer idee kans super top graag help hallo hoi
    """
)


def normalise(text: str) -> str:
    """Lowercase, strip accents and apostrophes ("auto's" -> "autos", "café" -> "cafe")."""
    if text.isascii():  # the common case, ten times faster (of the apostrophes, two are ASCII)
        return text.lower().replace("'", "").replace("`", "")
    return unicodedata.normalize("NFKD", text.casefold()).translate(_MARKS)


class _MarkTable(dict[int, int | None]):
    """For str.translate: drops accents (combining marks) and apostrophes, learns per character
    (a table of all of Unicode up front would take a while to build)."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        value = None if unicodedata.combining(char) or char in "'’`´" else code
        self[code] = value
        return value


_MARKS = _MarkTable()


def tokenize(text: str) -> list[str]:
    """Words and numbers of a text; emoji and punctuation fall away."""
    return _TOKEN_RE.findall(normalise(text))


TOKEN_CLASS = r"[^\W_]"  # what _TOKEN_RE takes as part of a word
