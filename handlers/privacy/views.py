"""Texts and keyboards of /mijngegevens and /vergeetmij, from data and the catalogue."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.privacy.personal_data import Contributions
from bot.telegram.callbacks import PrivacyStep
from handlers.common import Who, button, keyboard, menu_button, start_keyboard

View = tuple[str, InlineKeyboardMarkup]
# pv:<nonce>:<action>. ASK needs no nonce (nonce 0): it only starts the flow.
ASK, DELETE_ALL, KEEP, ERASE, NO = "ask", "del", "keep", "go", "no"


def export_explained(who: Who, observations: int, reactions: int, votes: int) -> View:
    text = who.t(
        "privacy.export_explained", observations=observations, reactions=reactions, votes=votes
    )
    markup = keyboard(
        [button(who.t("privacy.erase_button"), PrivacyStep(0, ASK))], [menu_button(who)]
    )
    return text, markup


def erase_choice(who: Who, counts: Contributions, nonce: int) -> View:
    """Delete one's contributions too, or keep them without a name?"""
    text = "\n\n".join(
        [
            who.t("privacy.erase_intro"),
            who.t(
                "privacy.erase_contributions",
                observations=counts.observations,
                reactions=counts.reactions,
                votes=counts.votes,
            ),
        ]
    )
    markup = keyboard(
        [button(who.t("privacy.choice_delete"), PrivacyStep(nonce, DELETE_ALL))],
        [button(who.t("privacy.choice_keep"), PrivacyStep(nonce, KEEP))],
        [button(who.t("privacy.no_button"), PrivacyStep(nonce, NO))],
    )
    return text, markup


def confirm(who: Who, *, keep: bool, contributions: bool, polls: bool, nonce: int) -> View:
    """ "Weet je het zeker?": what goes and what stays, where they decide. `polls`: they created
    polls, which stay without their name whatever they chose."""
    parts = [who.t("privacy.confirm_title"), who.t("privacy.confirm_profile")]
    if contributions:
        parts.append(who.t("privacy.confirm_keep" if keep else "privacy.confirm_delete"))
    if polls:
        parts.append(who.t("privacy.confirm_polls_kept"))
    parts.append(who.t("privacy.confirm_final"))
    markup = keyboard(
        [button(who.t("privacy.erase_confirm_button"), PrivacyStep(nonce, ERASE))],
        [button(who.t("privacy.no_button"), PrivacyStep(nonce, NO))],
    )
    return "\n\n".join(parts), markup


def erase_failed(who: Who, nonce: int) -> View:
    retry = keyboard(
        [button(who.t("privacy.retry_button"), PrivacyStep(nonce, ERASE))], [menu_button(who)]
    )
    return who.t("privacy.erase_failed"), retry


def erased(
    who: Who,
    *,
    kept: bool,
    open_votes_withdrawn: bool = False,
    polls_kept: bool = False,
    supported_kept: bool = False,
) -> View:
    """Said to someone who is no longer known: the only way on is /start. `polls_kept`: they
    created polls, which stay without their name (even when all they sent is erased).
    `supported_kept`: their "ik ook" words stay under someone else's observation, without a
    name (not a melding of their own)."""
    parts = [who.t("privacy.erased")]
    if kept:
        parts.append(who.t("privacy.erased_kept"))
        if supported_kept:
            parts.append(who.t("privacy.erased_supported_kept"))
        if open_votes_withdrawn:
            parts.append(who.t("privacy.erased_open_votes"))
    else:
        parts.append(who.t("privacy.erased_deleted"))
    if polls_kept:
        parts.append(who.t("privacy.erased_polls_kept"))
    parts.append(who.t("privacy.erased_restart"))
    gone = Who(who.telegram_id, who.lang, None, who.first_name)
    return "\n\n".join(parts), start_keyboard(gone)
