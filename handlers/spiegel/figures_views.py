"""The texts and keyboards of the CBS figures: a resident's few in plain words, a coach's all.

(The spiegel's own views are in views.py; these are kept apart because they only format
numbers: Babel's Dutch or English format, "1 op de 4" or "4 op de 10" for a share of people or
households, bot/figures/words.py.)
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.core.text import utf16_len
from bot.figures.combine import MeasureFigures, WijkFigures, share
from bot.figures.measures import BY_KEY, MEASURES, MeasureKind
from bot.figures.words import PART_OF, change, number, parts, with_unit
from bot.figures.words import years_text as _years
from bot.spiegel.mirror import ReactionCounts
from bot.telegram.callbacks import FiguresView, SpiegelOverview
from handlers.common import Who, button, esc, keyboard, menu_button
from models import ItemKind, SpiegelItem

# Below Telegram's 4,096 characters (in UTF-16 code units: an emoji counts twice), with room
# for the HTML tags.
MESSAGE_LIMIT = 3800


def _buttons(
    who: Who, wijk_id: int, edition_id: int | None, *, coach_button: bool
) -> InlineKeyboardMarkup:
    rows = []
    if coach_button:
        rows.append([button(who.t("figures.coach_button"), FiguresView(wijk_id, coach=True))])
    if edition_id is not None:
        rows.append([button(who.t("spiegel.to_overview"), SpiegelOverview(edition_id))])
    rows.append([menu_button(who)])
    return keyboard(*rows)


def no_figures(
    who: Who, wijk_name: str, wijk_id: int, edition_id: int | None, *, mapped: bool
) -> tuple[str, InlineKeyboardMarkup]:
    key = "figures.none" if mapped else "figures.no_mapping"
    return who.t(key, wijk=esc(wijk_name)), _buttons(who, wijk_id, edition_id, coach_button=False)


def resident(
    who: Who,
    wijk_name: str,
    municipality: str,
    figures: WijkFigures,
    measures: Sequence[str],
    *,
    wijk_id: int,
    edition_id: int | None,
    coach_button: bool,
    example: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """ "In Elsrijk wonen 9.830 mensen. 1 op de 4 is 65 jaar of ouder. In heel Amstelveen is
    dat 1 op de 5.", with the year(s) and the source."""
    lang = who.lang
    lines = [who.t("figures.title", wijk=esc(wijk_name)), ""]
    years: list[int] = []
    for key in measures:
        shown = figures.measures.get(key)
        if shown is None or key not in BY_KEY:
            continue
        sentence = _resident_sentence(who, wijk_name, municipality, figures, shown)
        if sentence is None:
            continue
        if shown.year != figures.year:
            sentence += " " + who.t("figures.year_of", year=shown.year)
        lines.append(sentence)
        years.append(shown.year)
    lines += ["", who.t("figures.source", years=_years(years or [figures.year], lang))]
    if example:
        lines.append(who.t("figures.example"))
    return "\n".join(lines), _buttons(who, wijk_id, edition_id, coach_button=coach_button)


def _resident_sentence(
    who: Who, wijk_name: str, municipality: str, figures: WijkFigures, shown: MeasureFigures
) -> str | None:
    key, lang = shown.measure, who.lang
    if key in PART_OF:
        found = share(figures, key, PART_OF[key])
        if found is None:
            return None
        # One scale for both, so close shares read close ("4 op de 10" both).
        wijk_part, muni_part = parts(*found)
        if wijk_part is None:
            return None
        sentence = who.t(f"figures.part.{key}", n=wijk_part.n, of=wijk_part.of)
        if muni_part is not None:
            sentence += " " + who.t(
                "figures.compare_part",
                municipality=esc(municipality),
                n=muni_part.n,
                of=muni_part.of,
            )
        return sentence
    if shown.value is None:
        return None  # several CBS areas that cannot be combined: the coach sees them per area
    value = number(key, shown.value, lang)
    sentence = who.t(f"figures.value.{key}", wijk=esc(wijk_name), value=value)
    if shown.kind is not MeasureKind.COUNT and shown.municipality is not None:
        muni = number(key, shown.municipality, lang)
        sentence += " " + who.t("figures.compare_value", municipality=esc(municipality), value=muni)
    return sentence


def coach(
    who: Who,
    wijk_name: str,
    municipality: str,
    figures: WijkFigures,
    statements: Sequence[tuple[SpiegelItem, ReactionCounts]],
    *,
    wijk_id: int,
    edition_id: int | None,
    example: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """Every stored measure with its trend and the municipality's; per CBS area what cannot be
    combined; then the spiegel's statements that name figures, with how residents reacted."""
    lang = who.lang
    lines = [who.t("figures.coach_title", wijk=esc(wijk_name))]
    for measure in MEASURES:
        shown = figures.measures.get(measure.key)
        if shown is None:
            continue
        label = who.t(f"figures.label.{measure.key}")
        lines.append("")
        if shown.value is not None:
            value = with_unit(measure.key, shown.value, lang)
            lines.append(who.t("figures.coach_value", label=label, value=value, year=shown.year))
            if shown.previous is not None and shown.previous_year is not None:
                lines.append(
                    who.t(
                        "figures.coach_previous",
                        year=shown.previous_year,
                        value=with_unit(measure.key, shown.previous, lang),
                        change=change(measure.key, shown.value, shown.previous, lang),
                    )
                )
        else:
            lines.append(f"<b>{label}</b>")
            lines.append(who.t("figures.coach_areas"))
            for area, area_value in shown.per_area.items():
                lines.append(
                    who.t(
                        "figures.coach_area",
                        area=area,
                        value=with_unit(measure.key, area_value, lang),
                        year=shown.year,
                    )
                )
        if shown.municipality is not None:
            muni = with_unit(measure.key, shown.municipality, lang)
            lines.append(
                who.t("figures.coach_municipality", municipality=esc(municipality), value=muni)
            )
    lines += ["", who.t("figures.statements_title")]
    if not statements:
        lines.append(who.t("figures.no_statements"))
    tail = ["", who.t("figures.source", years=_years(figures.years, lang))]
    if example:
        tail.append(who.t("figures.example"))
    for item, counts in statements:
        block = ["", who.t("figures.statement", text=esc(item.text))]
        block += with_reactions(who, item, statement_figures(who, figures, item), counts)
        if utf16_len("\n".join([*lines, *block, *tail])) > MESSAGE_LIMIT:
            lines += ["", "…"]  # Telegram's limit; the rest are in the wijkspiegel itself
            break
        lines += block
    lines += tail
    return "\n".join(lines), _buttons(who, wijk_id, edition_id, coach_button=False)


def with_reactions(
    who: Who, item: SpiegelItem, lines: list[str], counts: ReactionCounts
) -> list[str]:
    """A statement's figure lines and, last, how residents reacted to it: a recommendation in
    the words of its buttons ("Eens", "Niet eens")."""
    advice = item.kind == ItemKind.RECOMMENDATION.value
    key = "figures.advice_reactions" if advice else "figures.statement_reactions"
    return [*lines, who.t(key, yes=counts.recognise, no=counts.not_recognise)]


def statement_figures(who: Who, figures: WijkFigures | None, item: SpiegelItem) -> list[str]:
    """The trend of each figure a statement names, one line each."""
    lines = []
    for key in (item.figures or "").split(","):
        if key not in BY_KEY:
            continue
        label = who.t(f"figures.label.{key}")
        shown = figures.measures.get(key) if figures is not None else None
        if shown is None or shown.value is None:
            lines.append(who.t("figures.statement_figure_none", label=label))
        elif shown.previous is None:
            value = with_unit(key, shown.value, who.lang)
            lines.append(
                who.t("figures.statement_figure_new", label=label, value=value, year=shown.year)
            )
        else:
            lines.append(
                who.t(
                    "figures.statement_figure",
                    label=label,
                    value=with_unit(key, shown.value, who.lang),
                    year=shown.year,
                    previous=with_unit(key, shown.previous, who.lang),
                )
            )
    return lines
