"""Onboarding's texts and keyboards, built from data and the catalogue (no Telegram updates)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import t
from bot.telegram.callbacks import Consent, InviteAnswer, Language, WijkStep
from handlers.common import Who, button, cancel_button, columns, esc, keyboard, menu_button
from models import Wijk

# What a postcode lookup said (onboarding.postcode_<lookup>), by the state it leads to.
RETRY_LOOKUPS = ("malformed", "not_found", "outside")  # type another postcode
# Confirm the wijk, or pick one: "found" and "number_unknown_found" name one wijk (the address's,
# or the postcode's when the house number is unknown), the others offer several.
CONFIRM_LOOKUPS = (
    "found",
    "number_unknown_found",
    "needs_number",
    "ambiguous",
    "shared",
    "number_unknown",
)
# … and otherwise ("unreachable", "unmapped", "off") the list of all wijken.


def privacy_text(who: Who, municipality: str, *, more: bool = False) -> str:
    """The greeting and the short privacy statement; `more`: its details below it."""
    greeting = who.t(
        "onboarding.greeting", name=esc(who.first_name), municipality=esc(municipality)
    )
    text = f"{greeting}\n\n{who.t('onboarding.privacy')}"
    if more:
        text += f"\n\n{who.t('onboarding.privacy_more')}"
    return text


def agreed_text(who: Who, municipality: str) -> str:
    """What the privacy message becomes after Akkoord: the statement they agreed to, then the
    welcome (what the wijkspiegel, a melding and a BIG are; details: /uitleg)."""
    return f"{privacy_text(who, municipality)}\n\n{who.t('onboarding.welcome')}"


def privacy(
    who: Who, municipality: str, code: str | None, *, more: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The greeting and the short privacy statement, its details one button away (`more`: shown,
    and the button gone); the buttons carry the invite code (or the group's poll link,
    poll_<id>, said above: it is shown after joining), nothing is stored."""
    text = privacy_text(who, municipality, more=more)
    if code is not None and code.startswith("poll_"):
        text = f"{who.t('onboarding.poll_after_joining')}\n\n{text}"
    return text, _privacy_keyboard(who.lang, code, more)


# Every newcomer's /start shows the same buttons (PTB's keyboards are immutable, so one can be
# shared); an invite code makes its own, and few are kept.
@functools.lru_cache(maxsize=64)
def _privacy_keyboard(lang: str, code: str | None, more: bool) -> InlineKeyboardMarkup:
    other = "en" if lang == "nl" else "nl"
    details: list[InlineKeyboardButton] = []
    if not more:
        details = [button(t(lang, "onboarding.more"), Consent(lang, False, code, more=True))]
    return keyboard(
        [button(t(lang, "onboarding.accept"), Consent(lang, True, code))],
        # "Liever niet" keeps the code too: its "Beginnen" shows the statement with it again.
        [button(t(lang, "onboarding.decline"), Consent(lang, False, code))],
        details,
        [button(t(lang, "onboarding.other_language"), Language(other, code))],
    )


def invite_question(
    who: Who, code: str, role: str, wijken: str, home: Wijk | None
) -> tuple[str, InlineKeyboardMarkup]:
    """To someone known who opened an invite link: the role and its wijken (`wijken`, rendered),
    their own wijk when the role is for another (`home`), and Akkoord / Liever niet."""
    lines = [who.t("invite.ask", role=role, wijken=wijken)]
    if home is not None:
        lines.append(who.t("invite.ask_elsewhere", home=esc(home.name), wijken=wijken))
    lines.append(who.t("invite.ask_take"))
    return "\n".join(lines), keyboard(
        [button(who.t("invite.accept"), InviteAnswer(code, True))],
        [button(who.t("invite.decline"), InviteAnswer(code, False))],
    )


def declined(who: Who, code: str | None) -> tuple[str, InlineKeyboardMarkup]:
    # Its "Beginnen" shows the privacy statement again in the language chosen on it, with the
    # invite it carried: nothing is stored about them yet to remember either.
    return who.t("onboarding.declined"), keyboard(
        [button(who.t("menu.start"), Language(who.lang, code))]
    )


def declined_joined(who: Who) -> tuple[str, InlineKeyboardMarkup]:
    """ "Liever niet" on an older privacy statement, from someone who joined since: they take
    part, and how to stop (/vergeetmij) or see what is stored (/mijngegevens)."""
    return who.t("onboarding.declined_joined"), keyboard([menu_button(who)])


def choosing_wijk(who: Who, *, lookup: str | None, place: str) -> str:
    """Above the list of wijken (handlers.common.wijk_list): asked for, or after a postcode that
    did not lead to one."""
    if lookup is None:
        return who.t("onboarding.choose_wijk")
    return who.t(f"onboarding.postcode_{lookup}", municipality=esc(place))


def typing_postcode(
    who: Who, nonce: int, *, lookup: str | None, place: str
) -> tuple[str, InlineKeyboardMarkup]:
    """The postcode prompt, or what was wrong with the last one (they may type another)."""
    text = who.t("onboarding.postcode_prompt")
    if lookup is not None:
        text = who.t(f"onboarding.postcode_{lookup}", municipality=esc(place))
    return text, keyboard(
        [button(who.t("onboarding.to_list"), WijkStep(nonce, "list"))],
        [cancel_button(who, nonce)],
    )


def confirming_wijk(
    who: Who, candidates: Sequence[Wijk], nonce: int, *, lookup: str, address: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    """The wijk a postcode is in ("Klopt dat?"), or the few it may be in."""
    to_list = [button(who.t("onboarding.to_list"), WijkStep(nonce, "list"))]
    if lookup in ("found", "number_unknown_found") and candidates:
        wijk = candidates[0]
        if lookup == "number_unknown_found":
            text = who.t("onboarding.postcode_number_unknown_found", wijk=esc(wijk.name))
        elif address:
            text = who.t("onboarding.postcode_found", address=esc(address), wijk=esc(wijk.name))
        else:
            text = who.t("onboarding.postcode_found_no_address", wijk=esc(wijk.name))
        confirm = WijkStep(nonce, WijkStep.PICK, wijk.id or 0)
        return text, keyboard(
            [button(who.t("onboarding.postcode_confirm"), confirm)],
            to_list,
            [cancel_button(who, nonce)],
        )
    rows = columns([button(w.name, WijkStep(nonce, WijkStep.PICK, w.id or 0)) for w in candidates])
    if lookup != "shared":
        text = who.t(f"onboarding.postcode_{lookup}")
    elif address:
        text = who.t("onboarding.postcode_shared", address=esc(address))
    else:
        text = who.t("onboarding.postcode_shared_no_address")
    return text, keyboard(*rows, to_list, [cancel_button(who, nonce)])
