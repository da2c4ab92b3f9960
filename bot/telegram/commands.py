"""The bot's commands: one table of names, per language.

Every command has an id (its description in the catalogue is `commands.<id>`), one name per
language and perhaps older names. The name in a person's language is the one their command menu,
/uitleg and the catalogue's texts show; every name in every language is always accepted, from
everyone, so an English-speaking person who types /mijngegevens (or a Dutch one who types /mydata)
is understood too. Older names (`also`) keep working and are shown nowhere.

Handlers register `accepted(id)`; the command menus (bot/telegram/command_menu.py) use `name`.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass

from bot.core.i18n import DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Command:
    id: str
    nl: str
    en: str
    also: tuple[str, ...] = ()  # older names: accepted, never shown

    def name(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl

    def names(self) -> list[str]:
        return list(dict.fromkeys([self.nl, self.en, *self.also]))


TABLE: tuple[Command, ...] = (
    Command("start", "start", "start"),
    Command("menu", "menu", "menu"),
    Command("spiegel", "spiegel", "mirror"),
    Command("melding", "melding", "report"),
    Command("mijnmeldingen", "mijnmeldingen", "myreports"),
    Command("peilingen", "stemmen", "polls", also=("peilingen", "vote")),
    Command("mijngegevens", "mijngegevens", "mydata"),
    Command("vergeetmij", "vergeetmij", "forgetme"),
    Command("meldingen", "meldingen", "reports"),
    Command("digest", "wijkoverzicht", "summary", also=("digest",)),
    Command("bureau", "bureau", "desk"),
    Command("wijk", "wijk", "district"),
    Command("taal", "taal", "language"),
    Command("help", "uitleg", "explain", also=("help",)),
    Command("cancel", "stop", "cancel"),
    Command("koppel", "verbind", "link", also=("koppel",)),
)
COMMANDS: dict[str, Command] = {command.id: command for command in TABLE}


def name(command_id: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The name a person who speaks `lang` sees (in the menu, in /uitleg, in texts)."""
    return COMMANDS[command_id].name(lang)


def accepted(command_id: str) -> list[str]:
    """Every name the command answers to, for a CommandHandler."""
    return COMMANDS[command_id].names()


def meant(typed: str, ids: Collection[str], lang: str = DEFAULT_LANGUAGE) -> str | None:
    """The name of one of the commands `ids` that `typed` (a command nobody knows, without its
    slash) looks like a typo of ("meldng": "melding", "reprot": "report"); an older name
    gives the name shown in `lang`. None when none is close."""
    names = {n: c for c in TABLE if c.id in ids for n in c.names()}
    close = difflib.get_close_matches(typed.lower(), list(names), n=1, cutoff=0.8)
    if not close:
        return None
    command = names[close[0]]
    return close[0] if close[0] in (command.nl, command.en) else command.name(lang)
