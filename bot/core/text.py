"""Text helpers: user text on the way in (`clean_input`), into Telegram HTML messages (`esc`) and
into documents (`xml_text`); a text's length as Telegram may count it (`utf16_len`, `utf16_cut`,
`utf16_split`)."""

import html
import re
import unicodedata

# Direction controls: embeddings and overrides (U+202A-202E), isolates (U+2066-2069), the
# left-to-right, right-to-left and Arabic letter marks. One right-to-left override in a name
# turns the rest of the coach's list line around; the text reads the same without them.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Control characters (C0 with DEL, and C1). NUL can never be stored by PostgreSQL. Newlines and
# tabs are kept where a text may have lines; carriage returns become newlines.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)))
_MULTILINE_DROP = str.maketrans("", "", "".join(c for c in _CONTROLS + _BIDI if c not in "\n\t"))
_SINGLE_LINE = str.maketrans({"\n": " ", "\t": " "})
_NEWLINES = re.compile(r"\r\n?")
# Noncharacters (U+FDD0-FDEF and the last two code points of every plane) and lone surrogate
# halves: no font shows them, and XML 1.0 forbids U+FFFE, U+FFFF and the surrogates, so one of
# them in a stored text breaks every document made from it (DOCX, XLSX).
_NONCHARACTERS = re.compile(
    "[\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
    + "]"
)
# What XML 1.0 does not allow (outside tab, newline, carriage return and the ranges below).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Characters that show nothing on their own: zero-width space, joiners, word joiner, byte order
# mark, and the blank letters people use for "empty" names (Hangul fillers, braille blank).
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u115f\u1160\u3164\uffa0\u2800")


def _blank(char: str) -> bool:
    return char.isspace() or char in _INVISIBLE


def clean_input(text: str | None, *, multiline: bool = True) -> str:
    """Every text a person types passes through here before it is checked, stored or shown.

    Control characters, direction controls and noncharacters are removed (newlines and tabs are
    kept when `multiline`; otherwise they become spaces), and the ends are trimmed of whitespace
    and invisible characters. Text in which nothing is visible becomes "", so each caller refuses
    a zero-width-only message exactly as it refuses one of only spaces.
    Zero-width joiners inside the text stay: emoji sequences (a family, a flag) need them.
    """
    if not text:
        return ""
    text = _NONCHARACTERS.sub("", _NEWLINES.sub("\n", text).translate(_MULTILINE_DROP))
    if not multiline:
        text = text.translate(_SINGLE_LINE)
    start, end = 0, len(text)
    while start < end and _blank(text[start]):
        start += 1
    while end > start and _blank(text[end - 1]):
        end -= 1
    text = text[start:end]
    # Other format characters (Unicode's Cf: tags, invisible operators) alone show nothing
    # either; inside a text they may belong to it (the tags of a flag at its end).
    if all(unicodedata.category(c) == "Cf" for c in text):
        return ""
    return text


def has_words(text: str | None) -> bool:
    """Whether a text has a letter or a figure in it. Emoji or punctuation alone ("👍👍", "?!")
    tell a reader nothing: where a text must say something (an observation, a comment) such a
    text is refused as an empty one is, asking for words. Call it on `clean_input`'s result."""
    return any(unicodedata.category(char)[0] in "LN" for char in text or "")


def esc(text: str | None) -> str:
    """Every piece of user text that goes into an HTML message passes through here."""
    return html.escape(text or "", quote=False)


def xml_text(text: str) -> str:
    """Text for a document (DOCX, XLSX): what XML 1.0 cannot hold removed. Stored text passed
    `clean_input`, but what was stored before a rule was added, or came in another way (a
    spiegel file, open data), must not make the whole document fail."""
    return _NOT_XML.sub("", text)


# Telegram's longest message text. The Bot API documents 4,096 "characters"; some write-ups say
# it counts UTF-16 code units (as it does for entity offsets), where a character outside the Basic
# Multilingual Plane (most emoji) counts twice, while the one public measurement counted code
# points. Wherever we cut or split a text to fit, we measure in UTF-16 units: safe under both.
TELEGRAM_TEXT_LIMIT = 4096


def utf16_len(text: str) -> int:
    """The length in UTF-16 code units: a character outside the BMP (an emoji) counts twice."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def utf16_cut(text: str, units: int) -> str:
    """The longest start of `text` of at most `units` UTF-16 code units. Never half a character:
    a surrogate pair (an emoji) stays whole or goes whole."""
    data = text.encode("utf-16-le", "surrogatepass")
    if len(data) <= 2 * max(units, 0):
        return text
    cut = data[: 2 * max(units, 0)]
    if cut and 0xD800 <= int.from_bytes(cut[-2:], "little") <= 0xDBFF:
        cut = cut[:-2]  # the high half of a pair whose low half would be cut off
    return cut.decode("utf-16-le", "surrogatepass")


def utf16_split(text: str, units: int) -> list[str]:
    """`text` in pieces of at most `units` UTF-16 code units each (at least one piece): each cut
    after the last newline or space in the piece's second half, else between two characters
    (never inside a surrogate pair)."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > units:
        piece = utf16_cut(rest, units)
        if not piece:  # units < 2 and an emoji first: it cannot fit; never loop forever
            piece = rest[:1]
        half = len(piece) // 2
        at = max(piece.rfind("\n", half), piece.rfind(" ", half))
        if at > 0:
            piece = piece[: at + 1]
        pieces.append(piece)
        rest = rest[len(piece) :]
    pieces.append(rest)
    return pieces
