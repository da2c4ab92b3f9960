"""Texts of urgent signals: the help block for the resident, the line after filing, the coaches'
message. From data and the catalogue; no updates here."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.core.i18n import t
from bot.telegram.callbacks import CoachAction, CoachVerb
from bot.urgent.alerts import Alert
from bot.urgent.contacts import Contacts
from handlers.common import button, esc, keyboard

View = tuple[str, InlineKeyboardMarkup]
SNIPPET = 300  # characters of the text in the coaches' message


def _numbers(lang: str, numbers: tuple[str, ...]) -> str:
    return t(lang, "urgent.or").join(numbers)


# Beside 112, who else fits which kind of emergency (bot/urgent/detect.py KINDS).
POLICE_KINDS = frozenset({"danger", "home_violence", "neighbour"})


def help_block(lang: str, contacts: Contacts, kinds: frozenset[str] = frozenset()) -> str:
    """Who to call, first of all 112, and whoever else fits the kinds found: 113 for thoughts of
    suicide, Veilig Thuis for violence at home, out of the house for fire or gas, the
    municipality for a neighbour. No kinds (a guess): every number. And that nobody reads the
    bot day and night."""
    every = not kinds
    lines = [t(lang, "urgent.help_emergency", number=esc(contacts.emergency))]
    if "fire_gas" in kinds:
        lines.append(t(lang, "urgent.help_fire_gas", number=esc(contacts.emergency)))
    if every or kinds & POLICE_KINDS:
        lines.append(t(lang, "urgent.help_police", number=esc(contacts.police)))
    if every or "suicide" in kinds:
        numbers = _numbers(lang, contacts.suicide_prevention)
        lines.append(t(lang, "urgent.help_suicide", number=esc(numbers)))
    if every or "home_violence" in kinds:
        lines.append(t(lang, "urgent.help_home", number=esc(contacts.veilig_thuis)))
    if contacts.municipality_line and (every or "neighbour" in kinds):
        lines.append(
            t(
                lang,
                "urgent.help_municipality",
                municipality=esc(contacts.municipality),
                number=esc(contacts.municipality_line),
            )
        )
    lines.append(t(lang, "urgent.help_not_watched"))
    return "\n".join(lines)


def filed_note(lang: str, contacts: Contacts, *, coach_told: bool) -> str:
    """Above the confirmation of an urgent observation."""
    key = "urgent.filed_coach_told" if coach_told else "urgent.filed_no_coach"
    return t(lang, key, number=esc(contacts.emergency))


def kind_label(lang: str, kind: str) -> str:
    return t(lang, f"urgent.kind.{kind}")


def coach_alert(lang: str, alert: Alert) -> View:
    text = alert.text.strip()
    if len(text) > SNIPPET:
        text = text[:SNIPPET].rstrip() + "…"
    message = t(
        lang,
        "urgent.coach_alert",
        reference=esc(alert.reference),
        wijk=esc(alert.wijk_name),
        text=esc(text),
        kind=kind_label(lang, alert.kind),
        author=esc(alert.author or t(lang, "coach.erased_author")),
    )
    markup = keyboard(
        [button(t(lang, "coach.btn_open"), CoachAction(alert.observation_id, CoachVerb.OPEN))]
    )
    return message, markup


def mark(lang: str) -> str:
    """Beside an urgent observation where coaches see it listed."""
    return t(lang, "urgent.mark")
