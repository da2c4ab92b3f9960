"""The composition root: what the bot is made of, in the order it takes effect.

`wire(app)` (called by bot/app.py `build_application`) puts onto the Application, in this order:

1. every handler, in the order PTB tries them (in group 0: the first that matches wins):
   the one handler of every button press, then the commands feature by feature (onboarding,
   menu, privacy, observations, spiegel, coach, digest, polls), then the fallbacks for whatever
   no feature took; each kind of button to its handler (`presses`, feature by feature); around
   them, for every update, one before (group -1) and one after (group 1): a flow left halfway;
   before all of them (group -2), any text typed in a private chat: when it is urgent, the help
   numbers above whatever answers it;
2. the flows' steps for free text and for photos and locations, by flow name, and every flow's
   table (what a message no step takes, and leaving a run halfway, say);
3. what free text and media outside any flow do (offer to file them as an observation);
4. the main menu's entries, in the order they are shown;
5. the command menus (PRIVATE_COMMANDS, GROUP_COMMANDS below; set at start-up by bot/app.py);
6. the error handler;
7. the jobs: the digest schedule, the closing of polls, status notices, the refresh of stored
   grouping signatures at start-up;
8. the optional language-model narrative and embeddings grouping for the digest;
9. the coach's desk (web/), when `[desk] enabled`: its server starts and stops with the bot.

The buttons' handlers and 2-5 become `app.routes` (handlers/router.py), which handlers read as
`context.routes`.
CLI_COMMANDS, at the end, are the features' `wijkbot` sub-commands (bot/cli/wijkbot.py).

No module adds itself anywhere when imported (tests/test_architecture.py): to add a handler,
a flow step, a menu entry, a command, a job or a sub-command, add it here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.cli import blind_spots as blind_spots_cli
from bot.cli import digest as digest_cli
from bot.cli import figures as figures_cli
from bot.cli import grouping as grouping_cli
from bot.cli import person as person_cli
from bot.cli import roles as roles_cli
from bot.cli import signatures as signatures_cli
from bot.cli import spiegel as spiegel_cli
from bot.cli import supplement as supplement_cli

if TYPE_CHECKING:
    from bot.context import WijkApplication


def wire(app: WijkApplication) -> None:
    # Imported here, not at the top: bot/cli/wijkbot.py reads CLI_COMMANDS for every `wijkbot`
    # call, and python-telegram-bot and every feature would make `wijkbot --help` slow.
    from telegram import Update
    from telegram.ext import (
        CallbackQueryHandler,
        ChatMemberHandler,
        CommandHandler,
        MessageHandler,
        PollAnswerHandler,
        TypeHandler,
        filters,
    )

    from bot.digest import jobs as digest_jobs
    from bot.digest import llm
    from bot.figures import fetch as figures_fetch
    from bot.grouping import refresh as signature_refresh
    from bot.observations import notice_delivery
    from bot.polls import delivery as poll_delivery
    from bot.spiegel import news_delivery as wijk_news
    from bot.telegram import outage
    from bot.telegram.callbacks import Kind
    from bot.telegram.commands import accepted
    from handlers import (
        about_you,
        blind_spots,
        coach,
        common,
        desk,
        digest,
        errors,
        menu,
        observations,
        onboarding,
        polls,
        privacy,
        spiegel,
        supplement,
        urgent,
    )
    from handlers.coach import views as coach_views
    from handlers.main_menu import MenuEntry
    from handlers.polls import wizard as poll_wizard
    from handlers.router import Routes, pressed

    private = filters.ChatType.PRIVATE

    # 1. Handlers. Every button goes through the one CallbackQueryHandler, first: it hands the
    # press to the handler of its kind (`presses` below, in the routes: handlers/router.py).
    app.add_handlers(
        [
            CallbackQueryHandler(pressed),
            # Onboarding: /start (and invite links), /wijk.
            CommandHandler(accepted("start"), onboarding.start_command),
            CommandHandler(accepted("wijk"), onboarding.wijk_command),
            # The menu, /uitleg (/help), /taal and stopping.
            CommandHandler(accepted("menu"), menu.menu_command),
            CommandHandler(accepted("help"), menu.help_command),
            CommandHandler(accepted("taal"), menu.language_command),
            CommandHandler(accepted("cancel"), menu.cancel_command),
            # Privacy: one's own data, and forgetting it.
            CommandHandler(accepted("mijngegevens"), privacy.export_command),
            CommandHandler(accepted("vergeetmij"), privacy.forget_command),
            # Observations: sending one, and one's own.
            CommandHandler(accepted("melding"), observations.melding_command),
            CommandHandler(accepted("mijnmeldingen"), observations.mine_command),
            # The wijkspiegel: reading it.
            CommandHandler(accepted("spiegel"), spiegel.spiegel_command),
            # The coach: observations of their wijken.
            CommandHandler(accepted("meldingen"), coach.meldingen_command),
            # The coach's desk (web/): a one-time login link.
            CommandHandler(accepted("bureau"), desk.bureau_command),
            # The digest on request (/digest).
            CommandHandler(accepted("digest"), digest.digest_command),
            # Polls: the list, linking a group; answers to a Telegram poll; the bot added to or
            # removed from a group, and a group upgraded to a supergroup (its id changes).
            CommandHandler(accepted("peilingen"), polls.list_command),
            CommandHandler(accepted("koppel"), polls.koppel_command),
            PollAnswerHandler(polls.poll_answer),
            ChatMemberHandler(polls.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.StatusUpdate.MIGRATE, polls.group_upgraded),
            # A reply to the bot's message in a group (as if it were a vote): not read, it says.
            MessageHandler(
                filters.ChatType.GROUPS
                & filters.REPLY
                & ~filters.COMMAND
                & ~filters.StatusUpdate.ALL
                & ~filters.UpdateType.EDITED,
                polls.replied_in_group,
            ),
            # Fallbacks, after every feature: edits, forwards, then free text and media (to
            # the flow's step, see 2 and 3), what the bot does not take, unknown commands.
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, menu.edited_message),
            MessageHandler(private & filters.FORWARDED, menu.forwarded_message),
            MessageHandler(private & filters.TEXT & ~filters.COMMAND, menu.text_message),
            MessageHandler(private & (filters.PHOTO | filters.LOCATION), menu.media_message),
            MessageHandler(private & menu.UNSUPPORTED, menu.unsupported_message),
            MessageHandler(private & filters.COMMAND, menu.unknown_command),
        ]
    )
    # A flow left halfway (another flow starts, a command or a button ends it), for every
    # update: before any handler, the run it finds; the first reply says what leaving it left
    # unsent (handlers/common.py `reply`), and after the handler, if no reply did, a message.
    app.add_handler(TypeHandler(Update, common.update_arrived), group=-1)
    app.add_handler(TypeHandler(Update, common.unsent_said), group=1)
    # Someone blocks or unblocks the bot (my_chat_member in their private chat): unreachable,
    # or reachable again, for every feature that writes to them. Groups: polls, above.
    app.add_handler(
        ChatMemberHandler(common.blocked_or_unblocked, ChatMemberHandler.MY_CHAT_MEMBER), group=2
    )
    # An urgent text, typed anywhere (a step that takes only buttons, before Akkoord, while
    # choosing a wijk, a caption, an edit): the help numbers first, a message of their own that
    # no step edits away, then whichever handler answers it. They store nothing.
    typed = private & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    app.add_handler(MessageHandler(typed, urgent.typed), group=-2)

    app.routes = Routes(
        # 1. Buttons, by the kind in their callback data (bot/telegram/callbacks.py `Kind`).
        presses={
            # Onboarding: the privacy statement and consent, choosing a wijk.
            Kind.CONSENT: onboarding.consent_pressed,
            Kind.INVITE: onboarding.invite_pressed,
            Kind.WIJK: onboarding.wijk_pressed,
            # The menu, language and stopping.
            Kind.MENU: menu.menu_pressed,
            Kind.LANGUAGE: menu.language_pressed,
            Kind.CANCEL: menu.cancel_pressed,
            # Privacy: one's own data, and forgetting it.
            Kind.PRIVACY: privacy.privacy_pressed,
            # "Over jou": optional answers about yourself, asked once, changeable, erasable.
            Kind.ABOUT_YOU: about_you.about_you_pressed,
            # Observations: sending one, filing a loose message, one's own, a status notice.
            Kind.OBSERVATION: observations.observation_pressed,
            Kind.FILE_TEXT: observations.file_pressed,
            Kind.MY_OBSERVATIONS: observations.mine_pressed,
            Kind.STATUS_NOTICE: observations.reopen_pressed,
            # The wijkspiegel: reading and reacting (also to the statement a melding matched).
            Kind.SPIEGEL: spiegel.spiegel_pressed,
            Kind.REACT: spiegel.react_pressed,
            Kind.RECOGNISED: spiegel.recognised_pressed,
            # CBS figures about the wijk (residents' few, a coach's all with statements).
            Kind.FIGURES: spiegel.figures_pressed,
            # Coaches change the spiegel: add, reword, retire statements, a new edition.
            Kind.SPIEGEL_EDIT: spiegel.edit_pressed,
            # "Nieuws uit je wijk": yes or no, on the spiegel overview and in the menu.
            Kind.WIJK_NEWS: spiegel.news_pressed,
            # The coach: observations of their wijken, answering, hiding.
            Kind.COACH: coach.coach_pressed,
            # The coach: what the wijkspiegel does not know yet.
            Kind.BLIND_SPOTS: blind_spots.blind_spots_pressed,
            # The digest: on request, and its settings.
            Kind.DIGEST: digest.digest_pressed,
            Kind.DIGEST_SETTINGS: digest.settings_pressed,
            # The yearly supplement to the spiegel, as a file for the coach.
            Kind.SUPPLEMENT: supplement.supplement_pressed,
            # Polls: the wizard, voting, managing.
            Kind.POLL_WIZARD: poll_wizard.pressed,
            Kind.POLL_VOTE: polls.vote_pressed,
            Kind.POLL_MANAGE: polls.manage_pressed,
        },
        # Any button nobody recognised (an old version's, or forged).
        unknown_press=menu.stale_callback,
        # 2. Free text and media during a flow: the flow's step.
        text_steps={
            onboarding.FLOW: onboarding.postcode_typed,
            observations.FLOW: observations.text_in_flow,
            spiegel.FLOW: spiegel.comment_typed,
            spiegel.EDIT_FLOW: spiegel.edit_typed,
            coach.FLOW_ANSWER: coach.answer_typed,
            coach.FLOW_HIDE: coach.hide_reason_typed,
            coach.FLOW_REPLY: coach.reply_typed,
            poll_wizard.FLOW: poll_wizard.typed,
            # "Over jou": its questions are buttons, a text gets the question again (hours
            # later, the run ends and the text goes where it goes outside any flow).
            about_you.FLOW: about_you.typed,
        },
        # The text that stored a comment or a change to the spiegel and ended its flow,
        # delivered again: what it stored.
        text_again={spiegel.FLOW: spiegel.comment_again, spiegel.EDIT_FLOW: spiegel.edit_again},
        # Photos and locations: only these flows take them. In any other flow they are named
        # above its current step, shown again (its table's `not_taken`, below).
        media_steps={
            observations.FLOW: observations.media_in_flow,
            about_you.FLOW: about_you.typed,
        },
        # Every flow's table. A message no step takes (a sticker, a voice message, a forward,
        # an edit): its `not_taken` says so above the current step, shown again; the draft
        # stays. A run left halfway with something typed in it: its `unsent` says what is not
        # sent, above the reply that leaves it. A table not listed here gets neither.
        tables={
            table.name: table
            for table in (
                onboarding.TABLE,
                privacy.TABLE,
                observations.TABLE,
                spiegel.TABLE,
                spiegel.EDIT_TABLE,
                coach.ANSWER_TABLE,
                coach.HIDE_TABLE,
                coach.REPLY_TABLE,
                poll_wizard.TABLE,
            )
        },
        # "Over jou" has no table: such a message gets the same note above its question.
        shown_again={about_you.FLOW: about_you.shown_again},
        # 3. Outside any flow (for people with a wijk; without one: "not understood"). A text
        # sent with Telegram's Reply to a coach's answer is the reply to the coach.
        replied=coach.replied_to_answer,
        # An option of the poll on screen, typed instead of pressed: the poll again, not "als
        # melding?".
        option_typed=polls.option_typed,
        loose_text=observations.loose_text,
        loose_media=observations.loose_media,
        # Before Akkoord, whatever needs it: the privacy statement with Akkoord.
        not_joined=onboarding.not_joined,
        # 4. The main menu, top to bottom; each entry shows only to whom `visible` says.
        menu=(
            MenuEntry("spiegel", "spiegel.menu", spiegel.open_from_menu, spiegel.visible),
            MenuEntry("meldingen", "coach.menu", coach.open_meldingen, coach.is_coach),
            MenuEntry(
                "bureau",
                "desk.menu",
                desk.open_from_menu,
                desk.visible if app.services.config.desk.enabled else lambda who: False,
                web_app=desk.web_app_url,
            ),
            MenuEntry(
                "melding", "observations.menu_new", observations.melding_open, observations.may_send
            ),
            MenuEntry("digest_now", "digest.menu_now", digest.open_now, digest.is_coach),
            MenuEntry(
                "blind", "blind_spots.menu", blind_spots.open_from_menu, blind_spots.is_coach
            ),
            MenuEntry(
                "mijn", "observations.menu_mine", observations.mine_open, lambda who: who.known
            ),
            MenuEntry(
                "digest_settings", "digest.menu_settings", digest.open_settings, digest.is_coach
            ),
            MenuEntry("supplement", "supplement.menu", supplement.open_supplement, digest.is_coach),
            MenuEntry("polls", "polls.menu", polls.open_list, polls.visible),
            MenuEntry("newpoll", "polls.menu_new", poll_wizard.open_wizard, poll_wizard.can_create),
            MenuEntry("overjou", "about_you.menu", about_you.open_from_menu, lambda who: who.known),
            MenuEntry(
                "nieuws",
                "spiegel_editing.news_menu",
                spiegel.open_news_setting,
                spiegel.news_visible,
            ),
            MenuEntry("mijngegevens", "privacy.menu_label", privacy.send_export),
            MenuEntry("wijk", "menu.wijk", onboarding.wijk_open),
            MenuEntry("taal", "menu.language", menu.language_open),
            MenuEntry("help", "menu.help", menu.help_open),
        ),
        # 5. The command menus (below).
        private_commands=PRIVATE_COMMANDS,
        group_commands=GROUP_COMMANDS,
    )

    # 6. Errors: logged (never the token), and the person told something useful.
    app.add_error_handler(errors.on_error)

    # 7. Jobs: each runs once at start-up and then repeats; what is due comes from the database.
    digest_jobs.install(app)
    poll_delivery.install(app)
    # "Nieuws uit je wijk": a wijk's changed spiegel, at most once a day, to who said yes.
    wijk_news.install(app)
    # Status notices to senders and supporters: every few seconds, and when a change wakes it.
    # The desk's answers go out the same way, reading as the chat's (handlers/coach/views.py).
    notice_delivery.install(
        app,
        notice_delivery.AnswerViews(
            to_sender=coach_views.to_sender_answer, to_supporter=coach_views.to_supporter_answer
        ),
    )
    # Once at start-up: stored grouping signatures an older vocabulary made are made again.
    signature_refresh.install(app)
    # Once a month: the CBS figures of the wijken, stored (a failure keeps the stored ones).
    figures_fetch.install(app)
    # While the database is away: once it answers again, what could not be handled is.
    outage.install(app)

    # 8. The digest's language-model narrative and embeddings grouping, when the config has them.
    llm.install(app.services)

    # 9. The coach's desk (web/): its web server starts and stops with the bot, in its loop.
    if app.services.config.desk.enabled:
        from web import server as desk_server

        desk_server.install(app)


# 5. The command menus, in this order, by command id (bot/telegram/commands.py: one table of the
# names per language; handlers above answer to every name of a command, `accepted(id)`, and each
# language's menu shows that language's names, command_menu.menu_of). Private chats: everyone's
# commands, a person's chat those their roles let them use (a coach's /meldingen, /wijkoverzicht
# as well, a partner's no /stemmen: bot/telegram/command_menu.py NEEDS); groups: /verbind.
PRIVATE_COMMANDS = (
    "start",
    "menu",
    "mijngegevens",
    "vergeetmij",
    "melding",
    "mijnmeldingen",
    "spiegel",
    "meldingen",
    "digest",
    "bureau",
    "peilingen",
    "wijk",
    "taal",
    "help",
    "cancel",
)
GROUP_COMMANDS = ("koppel",)


def private_commands() -> list[str]:
    """The command menu in private chats, in this order, as a list (command ids)."""
    return list(PRIVATE_COMMANDS)


def group_commands() -> list[str]:
    """The command menu in groups, as a list (command ids)."""
    return list(GROUP_COMMANDS)


# --- the command line ------------------------------------------------------------------------

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

# (name, its line in `wijkbot --help`, configure its parser, run it); bot/cli/wijkbot.py adds
# them after its own.
CLI_COMMANDS: tuple[tuple[str, str, Configure, Run], ...] = (
    (
        "import-spiegel",
        "load (or update) one edition of a wijk's spiegel from a TOML file",
        spiegel_cli.configure,
        spiegel_cli.run,
    ),
    (
        "spiegel",
        "add, reword or retire statements, start next year's edition, show their history",
        spiegel_cli.configure_editing,
        spiegel_cli.run_editing,
    ),
    (
        "digest",
        "show a wijk's digest of one week, or send it to the wijk's coaches (--send)",
        digest_cli.configure,
        digest_cli.run,
    ),
    (
        "supplement",
        "draft a wijk's yearly supplement to its spiegel (DOCX, HTML or Markdown)",
        supplement_cli.configure,
        supplement_cli.run,
    ),
    (
        "blind-spots",
        "show what the spiegel does not know yet for a wijk",
        blind_spots_cli.configure,
        blind_spots_cli.run,
    ),
    (
        "roles",
        "list who holds a coach, admin, BIG or partner role",
        roles_cli.configure_roles,
        roles_cli.run_roles,
    ),
    ("revoke", "take a role back from a person", roles_cli.configure_revoke, roles_cli.run_revoke),
    (
        "person",
        "export or erase one person's data (an AVG request by letter, a lost phone)",
        person_cli.configure,
        person_cli.run,
    ),
    (
        "figures",
        "fetch CBS key figures, or write a wijk's stored figures to a file",
        figures_cli.configure,
        figures_cli.run,
    ),
    (
        "signatures",
        "refresh the observations' grouping signatures after a vocabulary change",
        signatures_cli.configure,
        signatures_cli.run,
    ),
    (
        "group",
        "group observations from a JSON-lines file, as the digest does",
        grouping_cli.configure,
        grouping_cli.run,
    ),
)
