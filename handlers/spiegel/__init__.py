"""/spiegel: the wijk's mirror, one category at a time, and reacting to its statements.

`reading` shows editions and statements, `react` takes reactions, `recognised` asks about the
statement a melding matched (under its confirmation) and takes the answer, `comment` is the
`spiegel_comment` flow (its table draws the diagram in docs/flows.md), `editing` a coach's
changes (the `spiegel_edit` flow) and `edition` their next year's spiegel, `views` builds the
texts and keyboards. bot/wiring.py puts the handlers named here on the Application.
"""

from __future__ import annotations

from handlers.spiegel.comment import FLOW, TABLE, comment_again, comment_typed
from handlers.spiegel.editing import FLOW as EDIT_FLOW
from handlers.spiegel.editing import TABLE as EDIT_TABLE
from handlers.spiegel.editing import edit_again, edit_pressed, edit_typed
from handlers.spiegel.figures import figures_pressed
from handlers.spiegel.news import news_pressed, news_visible, open_news_setting
from handlers.spiegel.react import react_pressed
from handlers.spiegel.reading import (
    open_from_menu,
    show_current,
    show_overview,
    spiegel_command,
    spiegel_pressed,
    visible,
)
from handlers.spiegel.recognised import recognised_pressed

__all__ = [
    "EDIT_FLOW",
    "EDIT_TABLE",
    "FLOW",
    "TABLE",
    "comment_again",
    "comment_typed",
    "edit_again",
    "edit_pressed",
    "edit_typed",
    "figures_pressed",
    "news_pressed",
    "news_visible",
    "open_from_menu",
    "open_news_setting",
    "react_pressed",
    "recognised_pressed",
    "show_current",
    "show_overview",
    "spiegel_command",
    "spiegel_pressed",
    "visible",
]
