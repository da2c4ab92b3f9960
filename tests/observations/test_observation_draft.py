"""The observation flow's typed draft: what comes next, and drafts stored by older versions
(a flow outlives a restart) still load."""

from __future__ import annotations

from handlers.observations.draft import LOCATION, NAME, SUMMARY, SWOT, TEXT, ObservationDraft


def test_the_next_part_is_the_first_one_missing() -> None:
    draft = ObservationDraft(wijk_id=1)
    assert draft.missing() == TEXT
    draft = ObservationDraft(wijk_id=1, text="Losse tegel", swot="weakness", theme_chosen=True)
    assert draft.missing() == LOCATION
    located = ObservationDraft(
        wijk_id=1, text="x", swot="threat", theme_chosen=True, location=(52.3, 4.8)
    )
    assert located.missing() == LOCATION  # a location alone is not the answer: asked is
    asked = ObservationDraft(
        wijk_id=1, text="x", swot="threat", theme_chosen=True, location_asked=True
    )
    assert asked.missing() == NAME
    assert ObservationDraft(wijk_id=1, text="x").missing() == SWOT


def test_a_draft_round_trips_through_json() -> None:
    draft = ObservationDraft(
        wijk_id=2, text="t", swot="strength", location=(52.3, 4.8), location_asked=True
    )
    assert ObservationDraft.from_json(draft.to_json()) == draft
    assert draft.to_json()["location"] == [52.3, 4.8]


def test_a_draft_from_before_the_typed_draft_loads() -> None:
    old = {
        "wijk_id": 3,
        "text": "Kapotte lantaarn",
        "photo": None,
        "swot": "weakness",
        "theme": None,
        "theme_done": True,
        "lat": 52.33,
        "lon": 4.87,
        "loc_done": True,
        "share": False,
        "multi": True,
    }
    draft = ObservationDraft.from_json(old)
    assert draft == ObservationDraft(
        wijk_id=3,
        text="Kapotte lantaarn",
        swot="weakness",
        theme_chosen=True,
        location=(52.33, 4.87),
        location_asked=True,
        share_name=False,
        several_wijken=True,
    )
    assert draft.missing() == SUMMARY
