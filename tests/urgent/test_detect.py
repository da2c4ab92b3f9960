"""The urgent detector on a handful of our own texts: what fires, which rule, and what must not."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from bot.urgent import detect
from bot.urgent.detect import check, explain

URGENT = [
    ("nl", "ik wil niet meer leven", "suicide"),
    ("nl", "Ik trek het niet meer, niemand zou me missen", "suicide"),
    ("nl", "Ik denk aan zelfmoort", "suicide"),  # one typing error
    ("nl", "m'n vriend slaat me als hij gedronken heeft", "home_violence"),
    ("nl", "Ik ruik een sterke gaslucht in het portiek", "fire_gas"),
    ("nl", "De rookmelder bij de buren gaat al een kwartier af", "fire_gas"),
    ("nl", "Buurvrouw al dagen niet gezien, haar brievenbus puilt uit", "neighbour"),
    ("nl", "Er loopt een verwarde oude man op straat in zijn pyjama", "neighbour"),
    ("nl", "Er staat een man met een mes voor de deur van nummer 4", "danger"),
    ("en", "I don't want to live anymore", "suicide"),
    ("en", "my boyfriend hits me and I'm scared to go home", "home_violence"),
    ("en", "There's a strong smell of gas in the stairwell", "fire_gas"),
    ("en", "Haven't seen the old lady next door for days, her mail is piling up", "neighbour"),
    ("en", "Someone is lying unconscious on the pavement", "danger"),
    # Said without the obvious words: cues together (harm, someone, now).
    ("nl", "help mijn moeder ligt op de grond en zegt niks", "danger"),
    ("nl", "niemand merkt het als ik er niet meer ben", "suicide"),
    ("nl", "Er loopt rook uit het stopcontact in de keuken", "fire_gas"),
    ("en", "pls come quick he's hitting her again", "home_violence"),
    (
        "en",
        "I think my neighbour has died, there's a horrible smell coming from her flat",
        "neighbour",
    ),
    # Whatever the verb's form: "zichzelf iets aandoet", "er een eind aan wil maken".
    ("nl", "Ik ben bang dat mijn buurman zichzelf iets aandoet", "suicide"),
    ("nl", "Mijn vriendin zegt dat ze er een eind aan wil maken", "suicide"),
    # Afraid of a person at home, and a pet that whines while its owner does not open.
    ("nl", "Ik ben doodsbang voor mijn stiefvader", "home_violence"),
    ("nl", "De hond van de buurvrouw jankt al dagen en ze doet niet open", "neighbour"),
    # A farewell in English; a fire that goes on after the lid; someone close called, and gas.
    ("en", "this is my final goodbye to everyone here", "suicide"),
    (
        "en",
        "The pan caught fire, I put the lid on but the cupboard above is burning now",
        "fire_gas",
    ),
    ("nl", "Schat, ik ruik gas in de gang", "fire_gas"),
    # Curtains not opened for days, told after calm words (tests/data/urgent_dev_4.jsonl).
    (
        "en",
        "Lovely sunny day, but the man at number 7 hasn't opened his curtains since Monday",
        "neighbour",
    ),
    ("nl", "De gordijnen van de buurvrouw zijn al sinds zondag niet open geweest", "neighbour"),
]

NOT_URGENT = [
    ("nl", "de verkeersveiligheid is een gevaar voor kinderen"),
    ("nl", "Dat kruispunt bij de school is levensgevaarlijk"),
    ("nl", "Oversteken bij de rotonde is pure zelfmoord"),
    ("nl", "Ik ga dood van het lachen om die nieuwe bankjes"),
    ("nl", "Vorig jaar was er brand in de flat, nu is alles gelukkig weer netjes"),
    ("nl", "Veel ouderen in de wijk zijn eenzaam, kunnen we iets organiseren?"),
    ("nl", "Zaterdag is er een open dag bij de brandweer, leuk voor kinderen"),
    ("nl", "Geen gaslucht meer sinds de monteur is geweest, dank je"),
    ("nl", "De speeltuin is helemaal verwaarloosd"),
    ("nl", "De auto's geven veel te veel gas in onze straat"),
    ("en", "That junction is dangerous for kids on bikes"),
    ("en", "Crossing here is suicide, we need a zebra crossing"),
    ("en", "The fire station open day was great fun"),
    ("en", "The new signs on the square are very confusing"),
    ("nl", "Wat is het telefoonnummer van Veilig Thuis? Ik wil het in de nieuwsbrief zetten"),
    ("nl", "Er was vorige week een steekpartij in het centrum, ik maak me zorgen"),
    ("nl", "Ik heb mijn buurman al een tijd niet gezien maar hij is verhuisd denk ik"),
    ("en", "The neighbourhood app exploded yesterday with messages about parking"),
    ("en", "The bridge railing is loose, someone could fall"),
    ("en", "The smoke alarm beeps because the battery is low, who replaces it?"),
    # Worries about how people live together: "niet meer" here is no "ik wil niet meer".
    ("nl", "Buren kennen elkaar niet meer."),
    ("nl", "Mensen groeten elkaar niet meer."),
    ("nl", "Mensen in de flat groeten elkaar niet meer."),
    ("nl", "Ik ken mijn buren niet meer."),
    ("en", "Neighbours do not know each other anymore"),
    # An everyday expression, a scratch.
    ("nl", "De kinderen fietsen kris kras over het schoolplein"),
    ("nl", "Er zit een diepe kras op mijn auto"),
    ("nl", "Ik verga van de dorst na het sporten"),
    ("nl", "Ik heb zo'n honger, waar is hier een snackbar?"),
    # Afraid of an animal, an animal hurt or dead, a dog that barks (a nuisance).
    ("nl", "Ik ben doodsbang voor wespen in de tuin"),
    ("en", "I'm terrified of the rats near the bins"),
    ("nl", "Er zit een gewonde eend bij de vijver in het park"),
    ("nl", "Er ligt een dode meeuw op de stoep bij de bakker"),
    ("nl", "De hond van de overburen blaft de hele avond, we worden er gek van"),
    ("en", "The dog next door barks for hours every day and we cannot sleep"),
    # Things lying about, bins overflowing.
    ("nl", "Waarom zijn er geen afvalbakken op het plein? Nu ligt alles vol met troep"),
    ("nl", "De vuilnisbakken worden op maandag geleegd en op zondag puilen ze al uit"),
    # The news on tv; a fire that was meant to burn; a joke.
    ("nl", "Op tv zagen we een grote brand in een fabriek"),
    ("en", "I saw on TV that a building exploded in Rotterdam"),
    ("nl", "Gezellige barbecue bij de buren, het vuur ging pas om twaalf uur uit haha"),
    # Over, repaired, put out, arrested.
    ("nl", "Ik rook gas in de gang, maar de monteur heeft het lek al gerepareerd"),
    ("nl", "De brand in de container is snel geblust"),
    ("en", "The fire in the bin was put out quickly and nobody was hurt"),
    ("nl", "Goed dat de politie de inbreker met het mes heeft opgepakt"),
    # What might happen one day; an idea.
    ("nl", "Wat als iemand een beroerte krijgt in de flat? Er is geen AED"),
    ("en", "What if someone has a heart attack here? The nearest defibrillator is far away"),
    ("nl", "Straks gebeurt er nog een ongeluk met die hardrijders bij de school"),
    # A help service praised, "veilig thuis" as everyday words.
    ("nl", "Heel blij dat Veilig Thuis een inloopuur in het wijkcentrum heeft"),
    ("en", "Great that Veilig Thuis now has a drop-in hour at the library"),
    ("nl", "Fijn dat iedereen weer veilig thuis is"),
    # A question about one's own report; a word or two.
    ("nl", "Krijg ik nog een reactie op mijn melding van vorige week?"),
    ("en", "When will someone answer my report about the broken bench?"),
    ("nl", "En nu?"),
    ("en", "and?"),
    # A question about the bot; figures of speech.
    ("nl", "Ben je een robot of een echt mens"),
    ("en", "Are you a real person or a bot"),
    ("en", "The bins are bleeding money, the council should rethink collection"),
    ("en", "We're all drowning in the leaves on the footpath, when will they be swept"),
    ("en", "I'm so fed up with these roadworks, I could scream"),
    ("nl", "De jeugdclub bloedt leeg, er komen geen vrijwilligers meer"),
    ("nl", "Het buurthuis ligt op sterven na dood, er is geld nodig"),
    # What turned out to be nothing; a neighbour who said they would be away.
    ("en", "Smelled something burning, turned out to be the bakery's oven"),
    ("nl", "Gisteren gaslucht geroken, de monteur is geweest en het was niks ernstigs"),
    ("nl", "Ik heb de buurvrouw al dagen niet gezien, maar ze zei dat ze naar haar zus ging"),
    # "Help" before a question to the neighbours; "man" as a word of praise; graffiti on a
    # bridge; a tree blown over; a lost cat; a band or a dj "on fire" (tests/data/urgent_dev_4).
    ("en", "help, does anyone have a ladder I can borrow"),
    ("nl", "help, wie heeft er een ladder te leen"),
    ("en", "help, anyone know a good plumber?"),
    ("nl", "help, weet iemand wanneer het grofvuil wordt opgehaald"),
    ("nl", "Mooi man, die muurschildering bij het station"),
    # An errand with "pls": milk is a sign only where it is left on a doorstep.
    ("en", "grab some milk on the way home pls"),
    ("nl", "neem je melk mee aub"),
    ("nl", "Vet man, die nieuwe skatebaan"),
    ("nl", "Iemand heeft de brug weer beklad met graffiti"),
    ("en", "someone graffitied the bridge again"),
    ("en", "a tree fell over in the park in the storm last week, still not cleared"),
    ("en", "A big branch fell on the cycle path in the storm, it's still there"),
    ("nl", "Er is een boom omgevallen op het fietspad, hij ligt er nog steeds"),
    ("en", "we lost our cat, grey tabby, please keep an eye out"),
    ("nl", "die band op de braderie ging echt los, vuur in de tent!"),
    ("en", "The DJ at the summer party was on fire last night"),
    # "Help me even", "help me understand"; a sunset "on fire"; a neighbour praised; a smell of
    # sewage: the same kinds of strong words, not taken from any labelled set.
    ("nl", "help me even, wanneer is de bibliotheek open?"),
    ("en", "help me understand why the bins weren't collected"),
    ("nl", "De lucht stond in vuur en vlam bij zonsondergang, prachtig"),
    ("nl", "Het meer leek wel in brand te staan bij zonsondergang, zo mooi"),
    ("en", "the lake looked like it was on fire at sunset, gorgeous"),
    ("nl", "mijn buurvrouw is een engel, ze heeft onze kat eten gegeven"),
    ("en", "the smell of the sewage works is unbearable tonight"),
]


@pytest.mark.parametrize(("lang", "text", "kind"), URGENT)
def test_urgent_texts_fire_with_their_kind(lang: str, text: str, kind: str) -> None:
    signal = check(text, lang)
    assert signal is not None, explain(text, lang)
    assert signal.kind == kind
    assert signal.rule.split(".")[1] == kind  # the rule that fired is named
    assert signal.words


# Emergencies told beside the words of a guard added for tests/data/urgent_dev_3.jsonl (what it
# turned out to be, a neighbour who said where they went, a question about the bot, a fire put
# out, nothing serious): something new after it, or more than the guard's words.
STILL_URGENT = [
    ("nl", "Buurvrouw zei dat ze naar bed ging en nu reageert ze al twee dagen niet"),
    ("nl", "De buurvrouw zei dat ze naar de supermarkt ging en ze is niet teruggekomen"),
    ("nl", "De buurman ligt op straat na de aanrijding, hij bloedt dood"),
    ("nl", "Hopelijk niets ernstigs, maar de buurvrouw doet al drie dagen niet open"),
    ("nl", "Sinds vorige week puilt de brievenbus van de oude meneer op nummer 3 uit"),
    (
        "en",
        "Our elderly neighbour said he was going to bed early last week, and since then nobody"
        " has seen him",
    ),
    (
        "nl",
        "Ben je een echt persoon? Ik heb al mijn spullen weggegeven en iedereen gedag gezegd,"
        " morgen ben ik er niet meer",
    ),
    ("en", "A child is drowning in front of me at the canal"),
    ("nl", "Ik rook gas, het bleek de meterkast te zijn, de hele gang stinkt"),
    ("nl", "Ik heb de vlam uitgemaakt maar het vuur is overgeslagen naar de gordijnen"),
    ("nl", "niks ernstigs dacht ik, maar nu ademt hij niet meer"),
    ("nl", "Hij sloeg me gisteren weer, we hebben het uitgepraat maar ik ben bang"),
    # Beside the words of what was added for tests/data/urgent_dev_4.jsonl.
    ("en", "help, does anyone have a defibrillator, a man collapsed at the bus stop"),
    ("nl", "help, wie heeft er een AED, mijn buurman is in elkaar gezakt"),
    ("en", "A tree fell on a cyclist in the park, she is trapped under it"),
    ("nl", "Er is een boom op een fietser gevallen, hij zit vast"),
    ("en", "There's graffiti all over the bridge and a boy is standing on the railing"),
    ("en", "We lost our cat, and now our neighbour is lying in the garden and not moving"),
    ("nl", "Vet man, die nieuwe skatebaan, maar er ligt een jongen op de grond die niet reageert"),
    ("nl", "Wat een feest, maar nu staat de tent echt in brand"),
    ("nl", "Bij zonsondergang zag ik ineens rook uit het dak van de school komen"),
    ("en", "At sunset I saw smoke coming out of the school roof"),
    (
        "nl",
        "Mijn buurvrouw is een schat, maar ik heb haar al een week niet gezien en haar post"
        " puilt uit",
    ),
    ("en", "It stinks of sewage and gas in our street right now"),
    ("en", "help, anyone know what to do, my dad is lying on the floor and not responding"),
]


@pytest.mark.parametrize(("lang", "text"), STILL_URGENT)
def test_a_guard_does_not_stop_an_emergency_told_beside_it(lang: str, text: str) -> None:
    assert check(text, lang) is not None, explain(text, lang)


@pytest.mark.parametrize(("lang", "text"), NOT_URGENT)
def test_hard_negatives_do_not_fire(lang: str, text: str) -> None:
    assert check(text, lang) is None, explain(text, lang)


def test_a_model_guard_says_what_stopped_the_learned_net() -> None:
    """The net alone would call it urgent (its score is above the threshold): the guard says
    which of its words stopped it."""
    (*_, model) = explain("De buren in onze straat kennen elkaar niet meer.", "nl")
    assert model.signal.rule == "nl.suicide.model"
    assert model.stopped_by == "model_guard.*: kennen elkaar niet meer"


def test_what_the_whole_text_says_stops_the_learned_net_too() -> None:
    """ "Het lek is gerepareerd" stops the rule of the gas and the net that weighs "gas"."""
    text = "Ik rook gas bij de meterkast maar de monteur is al geweest en heeft het gerepareerd"
    (*rules, model) = explain(text, "nl")
    assert rules and all(f.stopped_by for f in rules)
    assert (model.stopped_by or "").startswith(("text.", "model: score"))
    assert check(text, "nl") is None


def test_the_kinds_a_rule_found() -> None:
    """Each kind of emergency gets its own help: every kind the rules found is named."""
    signal = check("Ik ruik een sterke gaslucht bij de buurvrouw, ze doet niet open", "nl")
    assert signal is not None and signal.sure
    assert signal.kind == "fire_gas" and signal.kinds == {"fire_gas", "neighbour"}
    signal = check("ik wil niet meer leven", "nl")
    assert signal is not None and signal.kinds == {"suicide"}
    # Found by the learned net (or by many small signs): the kind is a guess.
    signal = check("Er zit een kind alleen op het randje van het dak van de flat", "nl")
    assert signal is not None and not signal.sure and signal.kinds == frozenset()


def test_a_guard_says_what_stopped_a_rule() -> None:
    findings = explain("Oversteken bij de rotonde is pure zelfmoord", "nl")
    assert findings and all(f.stopped_by for f in findings)
    assert any((f.stopped_by or "").startswith("unless: ") for f in findings)


def test_the_other_language_is_checked_too() -> None:
    # A resident whose bot speaks Dutch may write in English, and the other way round.
    assert check("I smell gas in the hallway", "nl") is not None
    assert check("Ik ruik gas in de gang", "en") is not None


def test_every_rule_has_a_known_kind_and_language() -> None:
    assert detect.RULES
    for rule in detect.RULES:
        assert rule.lang in ("nl", "en") and rule.kind in detect.KINDS
    assert len({rule.id for rule in detect.RULES}) == len(detect.RULES)


def test_empty_and_plain_texts() -> None:
    assert check("", "nl") is None
    assert check("De stoep is kapot bij de bakker", "nl") is None


def test_fast_enough_for_a_confirmation() -> None:
    """Generous bound (shared machines); bench/urgent.py measures it properly."""
    text = "De lantaarnpaal bij de speeltuin is al weken kapot en het is er 's avonds donker. " * 3
    start = time.perf_counter()
    for i in range(50):
        detect.check.__wrapped__(text + str(i), "nl")
    assert (time.perf_counter() - start) / 50 < 0.005


def test_our_own_examples_stay_found() -> None:
    """tests/data/urgent_own.jsonl: urgent texts and everyday ones with the same words, written
    with the rules. A change to the rules keeps these (the benchmark measures the blind sets)."""
    rows = _labelled("urgent_own.jsonl")
    missed = [r["text"] for r in rows if r["urgent"] and check(r["text"], r["lang"]) is None]
    wrong = [r["text"] for r in rows if not r["urgent"] and check(r["text"], r["lang"])]
    urgent = sum(r["urgent"] for r in rows)
    assert len(missed) <= 0.03 * urgent, missed
    assert len(wrong) <= 0.03 * (len(rows) - urgent), wrong


def test_the_second_development_set() -> None:
    """tests/data/urgent_dev_2.jsonl, written before the rules were read: 110 calm texts that sound
    alarming (figures of speech, what is over, news, jokes, strong words, questions about safety)
    and 50 emergencies in everyday words. Every emergency is found; the false alarms may not grow
    beyond what they are now (0 of 110; on the rules of before, 23)."""
    rows = _labelled("urgent_dev_2.jsonl")
    assert len(rows) == 160 and sum(r["urgent"] for r in rows) == 50
    missed, alarms = _missed_and_alarms(rows)
    assert missed == []
    assert len(alarms) <= 0, alarms


def test_the_third_development_set() -> None:
    """tests/data/urgent_dev_3.jsonl, written before the rules were read (160 texts, 60 %
    English): 110 calm texts that sound alarming (a figure of speech, a sports match, a cooking
    mishap, what turned out to be nothing, a neighbour who said they would be away) and 50
    emergencies. Every emergency is found; no calm text gets help numbers (on the rules of before:
    one farewell missed, 20 false alarms, 12 of them English)."""
    rows = _labelled("urgent_dev_3.jsonl")
    assert len(rows) == 160 and sum(r["urgent"] for r in rows) == 50
    missed, alarms = _missed_and_alarms(rows)
    assert missed == []
    assert len(alarms) <= 0, alarms


def test_our_second_batch_of_examples_stays_as_it_is() -> None:
    """tests/data/urgent_own_2.jsonl: 376 calm texts that sound alarming and 185 emergencies,
    many told indirectly, written while mending false alarms (so not a measure: a regression
    set). Every emergency is found; the false alarms may not grow beyond the 34 left (on the
    rules of before: 91, and 15 emergencies missed)."""
    rows = _labelled("urgent_own_2.jsonl")
    missed = [r["text"] for r in rows if r["urgent"] and check(r["text"], r["lang"]) is None]
    alarms = [r["text"] for r in rows if not r["urgent"] and check(r["text"], r["lang"])]
    assert missed == []
    assert len(alarms) <= 34, alarms


def test_the_fourth_development_set() -> None:
    """tests/data/urgent_dev_4.jsonl, written before the rules were read (160 texts, half
    English, as typed on a phone): 100 calm texts with strong words ("die bankjes zijn echt
    killing", "help, wie heeft er een ladder te leen", "burning question") and 60 emergencies,
    many after calm or friendly words ("Nice weather but the old lady next door hasn't opened her
    curtains for three days"). Every emergency is found; no calm text gets help numbers (on the
    rules of before: one missed, 7 false alarms)."""
    rows = _labelled("urgent_dev_4.jsonl")
    assert len(rows) == 160 and sum(r["urgent"] for r in rows) == 60
    assert sum(r["lang"] == "en" for r in rows) == 80
    missed, alarms = _missed_and_alarms(rows)
    assert missed == []
    assert len(alarms) <= 0, alarms


def _labelled(name: str) -> list[dict[str, Any]]:
    """The rows of a labelled set in tests/data (JSON lines)."""
    path = Path(__file__).resolve().parents[1] / "data" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _missed_and_alarms(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]]]:
    """The emergencies the check misses, and the calm texts it gives help numbers (with the
    rule that fired)."""
    missed = [r["text"] for r in rows if r["urgent"] and check(r["text"], r["lang"]) is None]
    alarms = [
        (r["text"], signal.rule)
        for r in rows
        if not r["urgent"] and (signal := check(r["text"], r["lang"])) is not None
    ]
    return missed, alarms
