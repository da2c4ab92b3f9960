"""A spiegel wijk's CBS figures, from what is stored (`wijk_figures`); never asks CBS.

A spiegel wijk is made of CBS wijken and buurten (`[[wijken]]` cbs_wijk_codes, cbs_buurt_codes;
a wijk code is left out when one of its buurten is listed, so nothing counts twice). Counts are
added, shares weighed by their base (bot/figures/measures.py), and what cannot be combined is
given per CBS area. Per measure the newest configured year that has it for every area is used
(CBS leaves some columns empty in a new edition): compared with the municipality that year, and
with the configured year before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from bot.core.config import Config
from bot.figures.measures import BY_KEY, MEASURES, Measure, MeasureKind
from models import CbsFigure


@dataclass(frozen=True)
class MeasureFigures:
    measure: str
    kind: MeasureKind
    year: int
    dataset: str
    value: float | None  # the spiegel wijk's (None: only per area, see per_area)
    municipality: float | None
    previous: float | None  # the same, in previous_year
    previous_year: int | None
    per_area: dict[str, float] = field(default_factory=dict)  # PER_AREA: region → value


@dataclass(frozen=True)
class WijkFigures:
    wijk_slug: str
    year: int  # the newest year any measure came from
    areas: tuple[str, ...]
    municipality_code: str | None
    measures: dict[str, MeasureFigures]

    @property
    def years(self) -> list[int]:
        return sorted({m.year for m in self.measures.values()})


def areas_of(config: Config, wijk_slug: str) -> tuple[str, ...]:
    """The CBS areas a spiegel wijk is made of; () when it has no CBS mapping."""
    wijk = config.wijk(wijk_slug)
    if wijk is None:
        return ()
    buurten = [c.strip().upper() for c in wijk.cbs_buurt_codes]
    wijken = [
        c.strip().upper()
        for c in wijk.cbs_wijk_codes
        if not any(b[2:8] == c.strip().upper()[2:8] for b in buurten)
    ]
    return tuple(dict.fromkeys((*wijken, *buurten)))


def municipality_code(config: Config) -> str | None:
    code = config.municipality.gemeentecode.removeprefix("GM")
    return f"GM{code.zfill(4)}" if code else None


# (year → region → measure → value) and year → dataset
_Stored = dict[int, dict[str, dict[str, float]]]


def _load(session: Session, regions: Sequence[str]) -> tuple[_Stored, dict[int, str]]:
    stored: _Stored = {}
    datasets: dict[int, str] = {}
    rows = session.exec(select(CbsFigure).where(col(CbsFigure.region_code).in_(list(regions))))
    for row in rows:
        stored.setdefault(row.year, {}).setdefault(row.region_code, {})[row.measure] = row.value
        datasets[row.year] = row.dataset
    return stored, datasets


def _combined(
    measure: Measure, year_values: dict[str, dict[str, float]], areas: Sequence[str]
) -> float | None:
    """The measure over `areas` in one year, or None when an area lacks it (or its base)."""
    values = [year_values.get(a, {}).get(measure.key) for a in areas]
    if any(v is None for v in values):
        return None
    present = [v for v in values if v is not None]
    if measure.kind is MeasureKind.COUNT:
        return float(sum(present))
    if len(areas) == 1:
        return present[0]
    if measure.kind is MeasureKind.PER_AREA or measure.base is None:
        return None
    bases = [year_values.get(a, {}).get(measure.base) for a in areas]
    if any(b is None for b in bases):
        return None
    total = sum(b for b in bases if b is not None)
    if total <= 0:
        return None
    return sum(v * b for v, b in zip(present, bases, strict=True) if b is not None) / total


def _has(measure: Measure, year_values: dict[str, dict[str, float]], areas: Sequence[str]) -> bool:
    if measure.kind is MeasureKind.PER_AREA:
        return any(measure.key in year_values.get(a, {}) for a in areas)
    return _combined(measure, year_values, areas) is not None


def wijk_figures(
    session: Session, config: Config, wijk_slug: str, year: int | None = None
) -> WijkFigures | None:
    """Per measure the spiegel wijk's combined value, the municipality's, the previous year's,
    and per area what cannot be combined; None when the wijk has no CBS areas or nothing is
    stored for them (up to `year`, default: every stored year)."""
    areas = areas_of(config, wijk_slug)
    if not areas:
        return None
    gm = municipality_code(config)
    stored, datasets = _load(session, [*areas, *([gm] if gm else [])])
    years = sorted((y for y in stored if year is None or y <= year), reverse=True)
    measures: dict[str, MeasureFigures] = {}
    for measure in MEASURES:
        chosen = next((y for y in years if _has(measure, stored[y], areas)), None)
        if chosen is None:
            continue
        values = stored[chosen]
        previous_year = next(
            (y for y in years if y < chosen and _has(measure, stored[y], areas)), None
        )
        previous = (
            _combined(measure, stored[previous_year], areas) if previous_year is not None else None
        )
        per_area = (
            {a: values[a][measure.key] for a in areas if measure.key in values.get(a, {})}
            if measure.kind is MeasureKind.PER_AREA
            else {}
        )
        muni = values.get(gm, {}).get(measure.key) if gm else None
        measures[measure.key] = MeasureFigures(
            measure=measure.key,
            kind=measure.kind,
            year=chosen,
            dataset=datasets[chosen],
            value=_combined(measure, values, areas),
            municipality=muni,
            previous=previous,
            previous_year=previous_year,
            per_area=per_area,
        )
    if not measures:
        return None
    return WijkFigures(
        wijk_slug=wijk_slug,
        year=max(m.year for m in measures.values()),
        areas=areas,
        municipality_code=gm,
        measures=measures,
    )


def share(
    figures: WijkFigures, part: str, whole: str = "inhabitants"
) -> tuple[float, float | None] | None:
    """(the wijk's share, the municipality's) of `part` in `whole`, from the same year."""
    p, w = figures.measures.get(part), figures.measures.get(whole)
    if p is None or w is None or p.value is None or w.value is None or w.value <= 0:
        return None
    if p.year != w.year:
        return None
    muni = None
    if p.municipality is not None and w.municipality and w.municipality > 0:
        muni = p.municipality / w.municipality
    return p.value / w.value, muni


__all__ = ["BY_KEY", "MeasureFigures", "WijkFigures", "areas_of", "share", "wijk_figures"]
