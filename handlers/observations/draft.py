"""The observation flow's states and its draft: what the person told so far (pure data)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.telegram.flows import JsonDraft
from models import Swot

FLOW = "observation"
FILE_ASK = "file_ask"  # a loose text, photo or location: "file it as an observation?"
WIJK = "wijk"  # only when the person may send for more than one wijk
TEXT = "text"
SWOT = "swot"
THEME = "theme"
LOCATION = "location"
NAME = "name"
SUMMARY = "summary"
CHANGE = "change"  # which part to change; answering it returns to the summary
SAME = "same"  # at Versturen: "Dit is al gemeld: ... Gaat jouw melding hierover?"
PARTS = (WIJK, TEXT, SWOT, THEME, LOCATION, NAME)  # asked in this order, each until answered
STATES = (FILE_ASK, *PARTS, SUMMARY, CHANGE, SAME)

SWOT_CODES = {"s": Swot.STRENGTH, "w": Swot.WEAKNESS, "o": Swot.OPPORTUNITY, "t": Swot.THREAT}
NO_THEME = "_"  # the "Weet ik niet" button; never a theme slug (slugs start with a letter/digit)
# The change menu's buttons (ob:<nonce>:e:<part>) and the state each goes to.
CHANGE_PARTS = {
    "text": TEXT,
    "swot": SWOT,
    "theme": THEME,
    "loc": LOCATION,
    "name": NAME,
    "wijk": WIJK,
}


@dataclass(frozen=True)
class ObservationDraft(JsonDraft):
    wijk_id: int | None = None
    text: str | None = None
    photo: str | None = None  # Telegram's file id of the largest size
    swot: str | None = None  # a Swot value
    theme: str | None = None  # a theme slug; None is "Weet ik niet" once theme_chosen
    theme_chosen: bool = False
    location: tuple[float, float] | None = None  # latitude, longitude
    location_asked: bool = False  # a location came, or they skipped it
    share_name: bool | None = None  # their first name with it, or only their pseudonym
    several_wijken: bool = False  # they may send for more than one wijk: ask, and show which
    # At Versturen: whether an open observation about the same matter was looked for (asked at
    # most once per draft), and the one shown to them (None: none found).
    same_asked: bool = False
    same_id: int | None = None
    # While "als melding?" is asked about loose messages: when the last one came (a POSIX
    # time), and whether the draft holds more than one of them (the question shows them).
    loose_at: float | None = None
    joined: bool = False
    # The ids of the person's messages it holds (the last few): one of them delivered again
    # (Telegram, when the bot did not confirm it) is no new message to add.
    loose_ids: tuple[int, ...] = ()

    @classmethod
    def upgrade(cls, data: dict[str, Any]) -> dict[str, Any]:
        # Drafts stored before the draft was typed (a flow can outlive a restart).
        renamed = {"theme_done": "theme_chosen", "loc_done": "location_asked"}
        renamed |= {"share": "share_name", "multi": "several_wijken"}
        data = {renamed.get(key, key): value for key, value in data.items()}
        lat, lon = data.pop("lat", None), data.pop("lon", None)
        if lat is not None and lon is not None:
            data["location"] = [lat, lon]
        return data

    def missing(self) -> str:
        """The first part not answered yet, or SUMMARY: where the flow goes next."""
        answered = {
            WIJK: self.wijk_id is not None,
            TEXT: bool(self.text),
            SWOT: self.swot is not None,
            THEME: self.theme_chosen,
            LOCATION: self.location_asked,
            NAME: self.share_name is not None,
        }
        return next((part for part in PARTS if not answered[part]), SUMMARY)

    @property
    def complete(self) -> bool:
        return self.missing() == SUMMARY
