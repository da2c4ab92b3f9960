"""The coach's digest in the bot: "Digest nu" and `/digest [wijk]` (`now`), the settings
(`settings`), their texts and keyboards (`views`). The digest itself is built and sent by
bot/digest/; bot/wiring.py puts the handlers named here on the Application.

Permissions are checked for every command and button (Action.VIEW_DIGEST in the wijk asked
for); a wijk id in a button is only a wish.
"""

from __future__ import annotations

from handlers.digest.now import digest_command, digest_pressed, is_coach, open_now
from handlers.digest.settings import open_settings, settings_pressed

__all__ = [
    "digest_command",
    "digest_pressed",
    "is_coach",
    "open_now",
    "open_settings",
    "settings_pressed",
]
