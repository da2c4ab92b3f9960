"""The text of "Wat weten we nog niet?" (bot/spiegel/blind_spots.py) from the catalogue, for the
coach in the bot (handlers/blind_spots/) and for `wijkbot blind-spots`. Phone-friendly: per
question the topics with little input, then the counts; reactions to recommendations in a line
of their own after the four questions (`bs.ADVICE`), which the intro says. Every count of
people goes through `count` (the small-number rule: below 5 it says "minder dan 5", never the
number)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.config import ThemeConfig
from bot.core.text import esc
from bot.grouping.groups import label_in
from bot.spiegel import blind_spots as bs

Translate = Callable[..., str]


def count(t: Translate, n: int) -> str:
    shown = bs.shown(n)
    return t("blind_spots.fewer_than", n=bs.SMALL) if shown is None else str(shown)


def period_label(t: Translate, key: str) -> str:
    if "-Q" in key:
        year, quarter = key.split("-Q")
        return t("blind_spots.quarter", quarter=quarter, year=year)
    return t("blind_spots.year", year=key)


def theme_label(t: Translate, lang: str, themes: Sequence[ThemeConfig], slug: str) -> str:
    found = next((th for th in themes if th.slug == slug), None)
    return found.label(lang) if found is not None else t("blind_spots.no_theme")


def render(t: Translate, lang: str, themes: Sequence[ThemeConfig], spots: bs.BlindSpots) -> str:
    grid = spots.grid
    lines = [
        t("blind_spots.title"),
        t(
            "blind_spots.subtitle",
            wijk=esc(spots.wijk.name),
            period=period_label(t, spots.period.key),
        ),
        "",
        t("blind_spots.little_title"),
        t("blind_spots.little_intro", n=grid.threshold),
    ]
    # Reactions to recommendations: a line of their own, said in the intro.
    if bs.ADVICE in grid.columns:
        lines.append(t("blind_spots.advice_intro", question=t(f"blind_spots.q_{bs.ADVICE}")))
    for question in grid.columns:
        little = grid.little(question)
        names = "; ".join(theme_label(t, lang, themes, c.theme) for c in little)
        lines.append(
            t("blind_spots.question_line", question=t(f"blind_spots.q_{question}"), topics=names)
            if little
            else t("blind_spots.question_none", question=t(f"blind_spots.q_{question}"))
        )
    lines += ["", t("blind_spots.counts_title")]
    for question in grid.columns:
        said = [grid.cell(th, question) for th in grid.themes if grid.cell(th, question).people]
        parts = [f"{theme_label(t, lang, themes, c.theme)}: {count(t, c.people)}" for c in said]
        lines.append(
            t(
                "blind_spots.question_line",
                question=t(f"blind_spots.q_{question}"),
                topics="; ".join(parts) if parts else t("blind_spots.nobody"),
            )
        )
    lines += [
        "",
        *voices(t, spots.representation),
        "",
        *disagreements(t, lang, spots.disagreements),
    ]
    return "\n".join(lines)


def voices(t: Translate, rep: bs.Representation) -> list[str]:
    lines = [t("blind_spots.voices_title")]
    lines.append(t("blind_spots.voices_told", people=count(t, rep.answered)))
    if not rep.makeup_known:
        lines.append(t("blind_spots.no_cbs"))
    elif rep.makeup_partial:
        lines.append(t("blind_spots.makeup_partial"))
    if rep.age_known:
        lines.append(t("blind_spots.age_base"))
    for dimension in ("age", "household"):
        for group in (g for g in rep.groups if g.dimension == dimension):
            line = t(
                "blind_spots.group_line",
                group=t(f"blind_spots.g_{group.group}"),
                people=count(t, group.people),
            )
            if group.wijk_share is not None:
                line += t("blind_spots.group_wijk", share=round(100 * group.wijk_share))
            elif rep.makeup_known:
                line += t("blind_spots.group_wijk_unknown")
            if group.under:
                line += t("blind_spots.group_under")
            lines.append(line)
    return lines


def disagreements(t: Translate, lang: str, found: bs.Disagreements) -> list[str]:
    # The rule in words, as the supplement says it: "nothing" beside a statement six of six
    # did not recognise is untrue when the rule asks for more reactions.
    lines = [t("blind_spots.disagree_title")]
    # A recommendation in its own words ("niet eens"), as its buttons say.
    if found.contested:
        suffix = bs.intro_suffix(c.recommendation for c in found.contested)
        lines.append(t(f"blind_spots.contested_intro{suffix}", n=found.minimum))
    else:
        lines.append(t("blind_spots.contested_none", n=found.minimum))
    for c in found.contested:
        lines.append(
            t(
                "blind_spots.contested_advice_line"
                if c.recommendation
                else "blind_spots.contested_line",
                text=esc(c.text),
                against=c.not_recognised,
                total=c.reactions,
            )
        )
    for u in found.uncovered:
        lines.append(
            t(
                "blind_spots.uncovered_line",
                label=esc(label_in(u.label, u.labels, lang)),
                now=count(t, u.count),
                before=count(t, u.previous),
            )
        )
    return lines
