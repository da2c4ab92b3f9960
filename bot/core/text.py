"""Text helpers for Telegram HTML messages."""

import html


def esc(text: str | None) -> str:
    """Every piece of user text that goes into an HTML message passes through here."""
    return html.escape(text or "", quote=False)
