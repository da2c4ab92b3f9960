"""A new matter in the digest: observations about no concept of the vocabulary, grouped by
their words, are shown as "nieuw onderwerp: <telling words>" with their count."""

from __future__ import annotations

from bot.context import Services
from bot.digest import render
from tests.digest.test_digest import build, observe

CARBID = [
    "Carbidschieten op oudejaarsdag, de knallen zijn niet normaal",
    "al dat carbid schieten bij de boerderij, mijn hond is doodsbang van de knallen",
    "Carbid schieten tot diep in de nacht, de knallen gaan door merg en been",
]


def test_a_new_matter_is_shown_with_its_telling_words(services: Services) -> None:
    for text in CARBID:
        observe(services, text)
    data = build(services)
    weakness = next(s for s in data.sections if s.swot == "weakness")
    assert [(g.count, bool(g.words)) for g in weakness.groups] == [(3, True)]
    words = ", ".join(weakness.groups[0].words)
    assert weakness.groups[0].label == words
    nl = "\n".join(render.render_html(data, "nl", services.config).messages)
    assert f"<b>nieuw onderwerp: {words}</b>: 3 meldingen die op elkaar lijken" in nl
    en = "\n".join(render.render_html(data, "en", services.config).messages)
    assert f"<b>new topic: {words}</b>: 3 similar reports" in en
    sections = {s["swot"]: s for s in data.to_json()["sections"]}
    assert sections["weakness"]["groups"][0]["words"] == list(weakness.groups[0].words)
