"""The bot's life in a BIG's Telegram group, from Telegram's own updates about it.

- Added (`my_chat_member`: it was not in the group, now it is): one short message in the group,
  saying how to link the group (/verbind) and who may do that, in the language of whoever added
  the bot and, when that is another, the municipality's below it (the group has no language
  until it is linked: then it is its linker's, docs/architecture/roles-and-groups.md);
  not for a group that is linked already (the supergroup a link has followed to), and not
  again for the same update delivered again (`first_delivery`); added again after a removal, it
  says hello again.
- Removed, or it left (`my_chat_member`: kicked or left): the group's link goes
  (`delivery.group_left`), so the wizard no longer offers a group the bot cannot post in.
- Upgraded to a supergroup (the service messages `migrate_to_chat_id` in the old group and
  `migrate_from_chat_id` in the new one): the link and the polls follow the new chat id
  (`delivery.group_moved`). A call that meets the old id later does the same
  (`delivery.to_group`, on Telegram's ChatMigrated).
- A reply to one of the bot's messages there (someone answering a poll's message, as if that
  were a vote): the bot reads no messages in a group, and says so and where to go, in the
  replier's language. Other talk in the group it leaves alone.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.context import WijkContext
from bot.core.i18n import t
from bot.core.logs import pseudonym
from bot.polls import delivery, groups
from bot.telegram.redelivery import first_delivery
from handlers.common import who_is

_log = logging.getLogger(__name__)

_IN = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


def _in_group(member: ChatMember) -> bool:
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _IN


async def membership_changed(update: Update, context: WijkContext) -> None:
    """my_chat_member in a group: the bot added, or removed."""
    change = update.my_chat_member
    if change is None or change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return  # a person's private chat (blocked or unblocked): common.blocked_or_unblocked
    chat_id = change.chat.id
    was_in, is_in = _in_group(change.old_chat_member), _in_group(change.new_chat_member)
    services = context.services
    if was_in and not is_in:
        delivery.group_left(services, chat_id)
        return
    if is_in and not was_in:
        with services.db.session() as session:
            if groups.link_of(session, chat_id) is not None:
                return
        if not await first_delivery(update, context, "hello"):
            return  # the same update again: hello was said
        text = _hello(update, context)
        try:
            await context.bot.send_message(chat_id, text)
        except TelegramError as exc:  # added without the right to write
            _log.info("could not say hello in group %s: %s", pseudonym(chat_id), exc)


def _hello(update: Update, context: WijkContext) -> str:
    """In the language of whoever added the bot (theirs with the bot, else their Telegram's),
    then in the municipality's when that is another."""
    default = context.services.config.general.default_language
    adder = who_is(update, context.services)
    lang = adder.lang if adder is not None else default
    hello = t(lang, "polls.group_hello")
    return hello if lang == default else f"{hello}\n\n{t(default, 'polls.group_hello')}"


async def group_upgraded(update: Update, context: WijkContext) -> None:
    """migrate_to_chat_id (in the old group) or migrate_from_chat_id (in the supergroup)."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id is not None:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    delivery.group_moved(context.services, old, new)


async def replied_in_group(update: Update, context: WijkContext) -> None:
    """A message in a group that replies to one of the bot's: it is not read, and it says so."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return
    replied_to = message.reply_to_message.from_user
    if replied_to is None or replied_to.id != context.bot.id:
        return
    services = context.services
    who = who_is(update, services)
    lang = who.lang if who is not None else services.config.general.default_language
    try:
        await message.reply_text(t(lang, "polls.group_not_read", bot=services.bot_username))
    except TelegramError as exc:  # no longer allowed to write there
        _log.info("could not answer a reply in group %s: %s", pseudonym(message.chat_id), exc)
