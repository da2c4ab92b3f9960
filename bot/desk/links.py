"""Where the desk is reached, from the config: the Mini App's address (only over https, which
Telegram requires) and login links. No Telegram, no web."""

from __future__ import annotations

from bot.core.config import Config


def web_app_url(config: Config) -> str | None:
    """The address a Telegram Mini App button opens, or None (desk off, or not on https)."""
    desk = config.desk
    if not desk.enabled or not desk.https:
        return None
    return desk.base_url + "/"


def login_url(config: Config, token: str) -> str:
    return f"{config.desk.base_url}/login/{token}"
