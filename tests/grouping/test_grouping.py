"""Behaviour of the digest's grouping (bot/grouping/groups.py). Timing is the bench's job."""

from __future__ import annotations

import dataclasses
import io
import json
import random
from pathlib import Path

import pytest

from bot.grouping.group_file import main_group
from bot.grouping.groups import Group, Item, group_items
from bot.grouping.vocabulary import load_vocabulary

HOLDOUT = Path(__file__).resolve().parents[1] / "data" / "grouping_holdout.jsonl"


def item(
    id_: str, text: str, wijk: str = "Elsrijk", swot: str | None = "weakness", lang: str = "nl"
) -> Item:
    return Item(id=id_, text=text, lang=lang, wijk=wijk, swot=swot)


def group_of(groups: list[Group]) -> dict[str, str]:
    return {member: g.key for g in groups for member in g.member_ids}


def holdout_rows() -> list[dict[str, str]]:
    with HOLDOUT.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def holdout_items() -> list[Item]:
    return [
        Item(r["id"], r["text"], r["lang"], r["wijk"], r["swot"], r["theme"])
        for r in holdout_rows()
    ]


MIXED = [
    item("a1", "Geen parkeerplek te vinden in onze straat na zessen"),
    item("a2", "geen parkeerplk meer te vindn, elke avond rondjes rijden 😤"),
    item("a3", "Can never find a parking spot near my house", lang="en"),
    item("a4", "De fietsenrekken bij de supermarkt zijn altijd vol"),
    item("a5", "Te weinig plekken om je fiets te parkeren bij het station"),
    item("b1", "Geen parkeerplek te vinden in onze straat na zessen", wijk="Westwijk"),
    item("b2", "De speeltuin is prachtig opgeknapt!", wijk="Westwijk", swot="strength"),
    item("b3", "De speeltuin ligt vol glas en de schommel is kapot", wijk="Westwijk"),
]


def test_every_item_is_in_exactly_one_group() -> None:
    items = MIXED + holdout_items()
    members = [m for g in group_items(items) for m in g.member_ids]
    assert sorted(members) == sorted(i.id for i in items)


def test_groups_never_cross_wijken() -> None:
    items = MIXED + holdout_items()
    wijk = {i.id: i.wijk for i in items}
    for g in group_items(items):
        assert {wijk[m] for m in g.member_ids} == {g.key.rsplit(":", 1)[0]}
    # The same text in two wijken lands in two groups.
    groups = group_of(group_items(MIXED))
    assert groups["a1"] != groups["b1"]


def test_deterministic_across_runs_and_input_order() -> None:
    items = MIXED + holdout_items()
    expected = group_items(items)
    assert group_items(items) == expected
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert group_items(shuffled) == expected


def test_one_wijk_deterministic_with_unique_and_repeated_ids() -> None:
    # One wijk with unique ids is put in order by id alone (a digest's case); a repeated id
    # falls back to (wijk, id, text). Either way the input order does not matter.
    rows = holdout_rows()
    unique = [
        Item(r["id"], r["text"], r["lang"], "Elsrijk", r["swot"], r["theme"])
        for r in rows
        if r["wijk"] == rows[0]["wijk"]
    ]
    repeated = [
        *unique,
        # One id twice, about no known matter, linked by their words: the text decides which
        # comes first, and so the group's label.
        Item("x1", "Zwarte gieter gevonden naast poortje", "nl", "Elsrijk", "weakness"),
        Item("x1", "Zwarte gieter gevonden achter poortje", "nl", "Elsrijk", "weakness"),
    ]
    for items in (unique, repeated):
        expected = group_items(items)
        for seed in range(3):
            shuffled = items[:]
            random.Random(seed).shuffle(shuffled)
            assert group_items(shuffled) == expected


def test_order_is_largest_first_and_keys_are_per_wijk() -> None:
    groups = group_items(MIXED + holdout_items())
    sizes = [len(g.member_ids) for g in groups]
    assert sizes == sorted(sizes, reverse=True)
    for g in groups:
        _, number = g.key.rsplit(":", 1)
        assert number.isdigit() and int(number) >= 1
        assert g.representative_id in g.member_ids
        assert g.label


def test_typo_and_english_variant_join_the_dutch_one() -> None:
    groups = group_of(group_items(MIXED))
    assert groups["a1"] == groups["a2"] == groups["a3"]


def test_car_parking_and_bike_parking_are_different_matters() -> None:
    groups = group_of(group_items(MIXED))
    assert groups["a4"] == groups["a5"]
    assert groups["a1"] != groups["a4"]


def test_praise_and_complaint_about_the_same_matter_together() -> None:
    # One matter, whoever praises or worries (the digest shows each category apart anyway).
    result = group_items(MIXED)
    groups = group_of(result)
    assert groups["b2"] == groups["b3"]
    assert {g.key: g.label for g in result}[groups["b2"]] == "speeltuinen"


def test_praise_and_complaint_apart_when_the_vocabulary_says_so(tmp_path: Path) -> None:
    own = tmp_path / "vocabulary.toml"
    own.write_text("[polarity]\nsplit = true\n", encoding="utf-8")
    vocabulary = load_vocabulary(own)
    assert vocabulary.split_polarity
    result = group_items(MIXED, vocabulary)
    groups = group_of(result)
    assert groups["b2"] != groups["b3"]
    labels = {g.key: g.label for g in result}
    assert labels[groups["b2"]] == labels[groups["b3"]] == "speeltuinen"


def test_weakness_and_threat_mix() -> None:
    items = [
        item("t1", "Er wordt keihard gereden door de straat", swot="weakness"),
        item(
            "t2",
            "Ik ben bang dat er een keer een kind wordt aangereden, ze scheuren hier",
            swot="threat",
        ),
    ]
    assert len(group_items(items)) == 1


def test_shared_named_place_joins_unknown_matter() -> None:
    items = [
        item("p1", "Wat een fijne sfeer bij de Olmen", swot="strength"),
        item("p2", "Ik kom graag in de Olmen voor een praatje", swot="strength"),
        item("p3", "Wat een fijne sfeer bij de Bolder", swot="strength"),
    ]
    groups = group_of(group_items(items))
    assert groups["p1"] == groups["p2"] != groups["p3"]


@pytest.mark.parametrize("text", ["", "   ", "😤😤🙄", "!!!", "👍 🌳"])
def test_empty_and_emoji_only_text_do_not_crash(text: str) -> None:
    groups = group_items([item("e1", text), item("e2", "Overal hondenpoep op straat")])
    assert sorted(m for g in groups for m in g.member_ids) == ["e1", "e2"]
    assert all(g.label for g in groups)


def test_missing_swot_falls_back_to_words() -> None:
    # Where praise and complaints are kept apart, the words tell which is which.
    split = dataclasses.replace(load_vocabulary(), split_polarity=True, _matcher=None)
    items = [
        item("s1", "De speeltuin is echt top, super blij mee", swot=None),
        item("s2", "De schommel in de speeltuin is al maanden kapot", swot=None),
    ]
    groups = group_of(group_items(items, split))
    assert groups["s1"] != groups["s2"]
    assert len(set(group_of(group_items(items)).values())) == 1


def test_ten_thousand_items_of_one_wijk_complete() -> None:
    texts = [r["text"] for r in holdout_rows()]
    items = [
        item(f"x{n:05d}", f"{texts[n % len(texts)]} nr{n}", wijk="Stadshart") for n in range(10_000)
    ]
    groups = group_items(items)
    assert sum(len(g.member_ids) for g in groups) == 10_000
    assert len(groups) < 100  # repeated texts do group


def test_municipality_vocabulary_adds_a_concept(tmp_path: Path) -> None:
    extra = tmp_path / "ours.toml"
    extra.write_text(
        '[concepts.kermis]\nlabel_nl = "kermis"\nlabel_en = "funfair"\n'
        'terms = ["kermis", "=draaimolen", "funfair"]\n',
        encoding="utf-8",
    )
    vocabulary = load_vocabulary(extra)
    assert any(c.id == "kermis" for c in vocabulary.concepts)
    assert any(c.id == "parkeerdruk" for c in vocabulary.concepts)  # the shipped ones stay
    items = [
        item("k1", "De kermis blokkeert weer het hele plein", swot="weakness"),
        item("k2", "Die draaimolen staat veel te dicht bij de huizen"),
        item("k3", "The funfair takes up the whole square again", lang="en"),
    ]
    result = group_items(items, vocabulary)
    assert [g.label for g in result] == ["kermis"]


def test_holdout_quality_floor() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rows = holdout_rows()
    groups = group_of(group_items(holdout_items()))
    gold = [f"{r['wijk']}|{r['topic']}" for r in rows]
    ari = sklearn_metrics.adjusted_rand_score(gold, [groups[r["id"]] for r in rows])
    assert ari >= 0.5


def test_cli_prints_one_line_per_observation(tmp_path: Path) -> None:
    source = tmp_path / "obs.jsonl"
    source.write_text(
        "\n".join(
            json.dumps(
                {
                    "id": i.id,
                    "text": i.text,
                    "lang": i.lang,
                    "wijk": i.wijk,
                    "swot": i.swot,
                    "extra": 1,
                }
            )
            for i in MIXED
        )
        + "\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert main_group(source, out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["id"] for line in lines] == [i.id for i in MIXED]
    assert lines[0]["group"] == lines[1]["group"]
    assert lines[0]["group"].startswith("Elsrijk:")


@pytest.mark.parametrize(
    "bad_line",
    [
        "{not json",
        '["a list"]',
        '{"id": "x", "text": "t", "lang": "nl"}',
        '{"id": "x", "text": 5, "lang": "nl", "wijk": "W"}',
    ],
)
def test_cli_names_the_malformed_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], bad_line: str
) -> None:
    source = tmp_path / "obs.jsonl"
    good = json.dumps({"id": "1", "text": "hoi", "lang": "nl", "wijk": "W"})
    source.write_text(f"{good}\n{bad_line}\n", encoding="utf-8")
    out = io.StringIO()
    assert main_group(source, out) == 2
    assert "line 2" in capsys.readouterr().err
    assert out.getvalue() == ""


SETTLING = [
    item(f"c{n}", text, wijk="Bovenkerk")
    for n, text in enumerate(
        [
            "Hondenpoep op de stoep",
            "Overal hondenpoep in het gras",
            "Weer hondenpoep voor de deur",
            "hondenpoep en zwerfafval overal",  # a tie: settled as hondenpoep here
            "auto op de stoep",  # a weak hint: joins parkeerdruk here
            "Geen parkeerplek te vinden na zessen",
            "Het is heel donker bij de Olmen",
            "ook rond de olmen is het 's avonds eng",  # names the Olmen in lowercase
        ]
    )
]


@pytest.mark.parametrize("stored", [False, True], ids=["texts", "stored-signatures"])
def test_group_observations_finds_what_group_items_finds(stored: bool) -> None:
    """The digest groups a wijk's observations without an Item each (group_observations): the
    same groups, labels, keys and representatives as group_items, per wijk, and its members'
    concepts and places as their own signatures say (the digest compares them with last week)."""
    from bot.grouping.groups import group_observations, settled_concepts
    from bot.grouping.signatures import SignatureReader, signature

    vocabulary = load_vocabulary()
    reader = SignatureReader(vocabulary)
    # SETTLING: a tie and a weak hint settled by the wijk, and a place named once in lowercase
    # (so a member's places in its group differ from its own text's).
    items = MIXED + SETTLING + holdout_items()
    # Ids of different lengths: their order as text is not their order as numbers.
    items = [
        Item(str(n * 7 + 3), i.text, i.lang, i.wijk, i.swot, i.theme, None)
        for n, i in enumerate(items)
    ]
    if stored:
        items = [
            Item(i.id, i.text, i.lang, i.wijk, i.swot, i.theme, signature(i.text, vocabulary))
            for i in items
        ]
    for wijk in sorted({i.wijk for i in items}):
        mine = [i for i in items if i.wijk == wijk]
        random.Random(wijk).shuffle(mine)
        expected = group_items(mine, vocabulary)
        found = group_observations(
            [(i.id, i.text, i.wijk, i.swot, i.signature, i) for i in mine], vocabulary
        )
        assert [(f.key, f.label, tuple(m.id for m in f.members)) for f in found] == [
            (g.key, g.label, g.member_ids) for g in expected
        ]
        assert [f.representative.id for f in found] == [g.representative_id for g in expected]
        for f in found:
            assert f.places == [reader.matter(m.signature, m.text, wijk).places for m in f.members]
            if wijk == "Bovenkerk" and f.label == "straatverlichting":
                assert f.places == [frozenset({"olmen"}), frozenset()]  # its own text's only
        # The concepts: settled among all the wijk's observations, as grouped.
        for block in [sorted(mine, key=lambda i: i.id)]:
            matters = [reader.matter(i.signature, i.text, wijk) for i in block]
            settled = dict(zip([i.id for i in block], settled_concepts(matters), strict=True))
            for f in found:
                for member, concept in zip(f.members, f.concepts, strict=True):
                    if member.id in settled:
                        assert concept == settled[member.id]
    bovenkerk = group_observations(
        [(i.id, i.text, i.wijk, i.swot, i.signature, i) for i in items if i.wijk == "Bovenkerk"]
    )
    concept_of = {
        m.text: load_vocabulary().concepts[c].id if c is not None else None
        for f in bovenkerk
        for m, c in zip(f.members, f.concepts, strict=True)
    }
    assert concept_of["hondenpoep en zwerfafval overal"] == "hondenpoep"
    assert concept_of["auto op de stoep"] == "parkeerdruk"


@pytest.mark.parametrize("with_separator", [False, True], ids=["plain", "text-with-nul"])
def test_a_place_capitalised_once_counts_where_it_is_typed_in_lowercase(
    with_separator: bool,
) -> None:
    """A place is recognised by its capital; once one text names it, texts that type it in
    lowercase name it too (also next to an accented word, and in a text holding the character
    the texts are joined with), but a longer word starting the same does not."""
    texts = [
        "Vreemde situatie bij de Lindenhof",
        "rond de lindenhof is het stil",
        "Café naast de lindenhof",
        "De lindenboom is mooi",
    ]
    if with_separator:
        texts.append("lindenhof\x00 en verder niks")
    items = [item(str(n), text, wijk="Westwijk") for n, text in enumerate(texts, start=1)]
    groups = group_items(items, load_vocabulary())
    # Each of the lowercase texts shares one word with the others (linde-): alone, not enough
    # to link them; the place they name is.
    assert [(g.label, g.member_ids) for g in groups] == [
        ("Lindenhof", ("1", "2", "3", "5") if with_separator else ("1", "2", "3")),
        ("De lindenboom is mooi", ("4",)),
    ]
