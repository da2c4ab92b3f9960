"""The same update twice: Telegram delivers an update again when the bot did not confirm it (it
died first, or the answer to the webhook's request was lost), with the same `update_id`.

What an update stores is guarded by its own keys (ARCHITECTURE.md, "Exactly once"). This is for
what the bot says of its own accord and no stored row guards, such as its hello in a group it was
just added to: `first_delivery` remembers the update's id in the chat's data, written to the
database before the bot acts, so the update again, also after a restart, finds it there. Another
update about the same (the bot removed and added again) has another id and counts. Risk: a kill
between the record and the message loses the message, never doubles it.
"""

from __future__ import annotations

import copy
from typing import Any

from telegram import Update
from telegram.ext import CallbackContext

# Update ids seen, per chat and purpose: enough for a run of updates delivered again together
# (Telegram sends every update from the first one not confirmed). Ids are not always rising
# (after a week without updates Telegram starts anywhere), so they are compared, never ordered.
KEEP = 20


async def first_delivery(
    update: Update, context: CallbackContext[Any, Any, Any, Any], purpose: str
) -> bool:
    """True the first time this update comes for `purpose` in its chat, and records it (written
    through); False when it came before."""
    chat, chat_data = update.effective_chat, context.chat_data
    if chat is None or chat_data is None:
        return True
    key = f"delivered:{purpose}"
    seen = [i for i in chat_data.get(key, ()) if isinstance(i, int)]
    if update.update_id in seen:
        return False
    chat_data[key] = [*seen, update.update_id][-KEEP:]
    persistence = context.application.persistence
    if persistence is not None:
        await persistence.update_chat_data(chat.id, copy.deepcopy(chat_data))
    return True
