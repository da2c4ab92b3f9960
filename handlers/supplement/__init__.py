"""The coach's "Wijkaanvulling maken": this year's supplement to the spiegel of one of their
wijken, as a DOCX file in the chat (bot/supplement/ builds and renders it).

Permissions are checked for the menu entry and every button (Action.VIEW_DIGEST in the wijk);
a wijk id in a button is only a wish.
"""

from __future__ import annotations

from handlers.supplement.make import open_supplement, supplement_pressed

__all__ = ["open_supplement", "supplement_pressed"]
