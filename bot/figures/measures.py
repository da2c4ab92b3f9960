"""The one table of the CBS figures we keep: our stable key, how to find its column, how it adds up.

CBS renames the columns of "Kerncijfers wijken en buurten" between editions (the number after the
last `_` changes: `Koopwoningen_41` in 2023, `Koopwoningen_47` in 2024). So a column is found in the
table's metadata (DataProperties: Key and Title per topic): first by the Key without its number,
then by the Title. A column no measure claims is skipped (and logged by the fetcher).

Kinds:
- COUNT: people, households, dwellings: a spiegel wijk's value is the sum of its CBS areas'.
- SHARE: a percentage or average of a base (`base`): weighed by the base's count per area.
- PER_AREA: cannot be combined (an average income, a density): shown per CBS area.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MeasureKind(StrEnum):
    COUNT = "count"
    SHARE = "share"
    PER_AREA = "per_area"


@dataclass(frozen=True)
class Measure:
    key: str
    kind: MeasureKind
    stems: tuple[str, ...]  # the CBS Key without its `_<number>` suffix
    title: re.Pattern[str]  # the CBS Title, when the Key was renamed
    base: str | None = None  # SHARE: the count it is a share of
    scale: float = 1.0  # CBS unit × scale = the value shown (income: × 1,000 euro)
    decimals: int = 0


def _m(
    key: str,
    kind: MeasureKind,
    stems: tuple[str, ...],
    title: str,
    *,
    base: str | None = None,
    scale: float = 1.0,
    decimals: int = 0,
) -> Measure:
    return Measure(key, kind, stems, re.compile(title, re.IGNORECASE), base, scale, decimals)


C, S, P = MeasureKind.COUNT, MeasureKind.SHARE, MeasureKind.PER_AREA

MEASURES: tuple[Measure, ...] = (
    _m("inhabitants", C, ("AantalInwoners",), r"aantal inwoners"),
    _m("men", C, ("Mannen",), r"mannen"),
    _m("women", C, ("Vrouwen",), r"vrouwen"),
    _m("age_0_14", C, ("k_0Tot15Jaar",), r"0 tot 15 jaar"),
    _m("age_15_24", C, ("k_15Tot25Jaar",), r"15 tot 25 jaar"),
    _m("age_25_44", C, ("k_25Tot45Jaar",), r"25 tot 45 jaar"),
    _m("age_45_64", C, ("k_45Tot65Jaar",), r"45 tot 65 jaar"),
    _m("age_65_plus", C, ("k_65JaarOfOuder",), r"65 jaar of ouder"),
    _m("households", C, ("HuishoudensTotaal",), r"huishoudens,? totaal|totaal huishoudens"),
    _m("households_single", C, ("Eenpersoonshuishoudens",), r"eenpersoonshuishoudens"),
    _m(
        "households_without_children",
        C,
        ("HuishoudensZonderKinderen",),
        r"huishoudens zonder kinderen",
    ),
    _m("households_with_children", C, ("HuishoudensMetKinderen",), r"huishoudens met kinderen"),
    _m(
        "avg_household_size",
        S,
        ("GemiddeldeHuishoudensgrootte",),
        r"gemiddelde huishoudensgrootte",
        base="households",
        decimals=1,
    ),
    _m("dwellings", C, ("Woningvoorraad",), r"woningvoorraad"),
    _m("owner_occupied_pct", S, ("Koopwoningen",), r"koopwoningen", base="dwellings"),
    _m("rented_pct", S, ("HuurwoningenTotaal",), r"huurwoningen,? totaal", base="dwellings"),
    _m(
        "avg_income_per_inhabitant",
        P,
        ("GemiddeldInkomenPerInwoner",),
        r"gemiddeld (besteedbaar )?inkomen per inwoner",
        scale=1000.0,
    ),
    _m("density_per_km2", P, ("Bevolkingsdichtheid",), r"bevolkingsdichtheid"),
)
BY_KEY: dict[str, Measure] = {m.key: m for m in MEASURES}

_SUFFIX = re.compile(r"_\d+$")


def stem(cbs_key: str) -> str:
    """ "Koopwoningen_47" → "Koopwoningen"."""
    return _SUFFIX.sub("", cbs_key.strip())


def column_map(properties: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """From the metadata's topics (Key, Title), {our measure: CBS Key} and the Keys no measure
    claims. A Key's stem wins over a Title; of two Keys for one measure the first wins."""
    found: dict[str, str] = {}
    claimed: set[str] = set()
    for measure in MEASURES:
        for key, _title in properties:
            if key not in claimed and stem(key) in measure.stems:
                found[measure.key] = key
                claimed.add(key)
                break
    for measure in MEASURES:
        if measure.key in found:
            continue
        for key, title in properties:
            if key not in claimed and measure.title.fullmatch(title.strip()):
                found[measure.key] = key
                claimed.add(key)
                break
    unknown = [key for key, _ in properties if key not in claimed]
    return found, unknown
