"""The bot's commands: one table of names, per language.

Every command has an id (its description in the catalogue is `commands.<id>`), one name per
language and perhaps older names. The name in a person's language is the one their command menu,
/uitleg and the catalogue's texts show; every name in every language is always accepted, from
everyone, so an English-speaking person who types /mijngegevens (or a Dutch one who types /mydata)
is understood too. Older names (`also`) keep working and are shown nowhere.

Handlers register `accepted(id)`; the command menus (bot/telegram/command_menu.py) use `name`.
"""

from __future__ import annotations

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
    Command("peilingen", "stemmen", "polls", also=("peilingen",)),
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
