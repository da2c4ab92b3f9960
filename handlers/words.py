"""A question what one of the bot's words means, answered with the glossary's line for it
(`bot.observations.word_questions` recognises the question)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.common import Who


def word_explained(who: Who, word: str) -> str:
    """The glossary's line for `word` (as /uitleg shows it) and where the other words are."""
    term = who.t(f"glossary.term.{word}")
    line = who.t(
        "help.word_line", term=term[:1].upper() + term[1:], text=who.t(f"glossary.text.{word}")
    )
    return "\n".join((line, who.t("help.more_words")))
