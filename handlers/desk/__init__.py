"""The coach's desk from the chat: /bureau (/desk) and the menu's "Bureau openen" send a
one-time login link (bot/desk/login_links.py); with the desk on https the menu entry opens the
desk as a Mini App instead. bot/wiring.py puts what is named here on the Application."""

from __future__ import annotations

from handlers.desk.link import bureau_command, open_from_menu, visible, web_app_url

__all__ = ["bureau_command", "open_from_menu", "visible", "web_app_url"]
