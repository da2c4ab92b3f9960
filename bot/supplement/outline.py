"""The supplement as blocks in one language, from the catalogue (locales/*/supplement.toml).

Every section has a heading and at least one line under it: an optional part that is None says
it is not known yet; an empty list says what was looked for and not found. The renderers
(bot/supplement/render.py) only lay these blocks out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.i18n import format_number, format_percent, t, tn
from bot.figures import words
from bot.figures.measures import MEASURES
from bot.grouping.groups import label_in
from bot.spiegel.blind_spots import ADVICE, QUESTIONS, SMALL, intro_suffix, shown
from bot.supplement.builder import (
    FigureLine,
    Growing,
    LittleInput,
    MissingVoices,
    ObservationGroup,
    PollOutcome,
    StatementLine,
    SupplementData,
    Totals,
)
from models import ItemKind, PollKind

Tr = Callable[..., str]
Num = Callable[[float], str]


@dataclass(frozen=True)
class Block:
    kind: str  # "title", "h1", "h2", "p", "bullet", "quote", "note"
    text: str


def outline(data: SupplementData, lang: str) -> list[Block]:
    def tr(key: str, **values: object) -> str:
        return t(lang, f"supplement.{key}", **values)

    def num(value: float) -> str:
        return format_number(value, lang)

    out: list[Block] = [
        Block("title", tr("title", year=data.year, wijk=data.wijk_name)),
        Block("note", tr("draft_note")),
    ]
    if data.edition_years:
        out.append(Block("note", tr("based_on", years=", ".join(map(str, data.edition_years)))))
    else:
        out.append(Block("note", tr("no_mirror")))
    out.append(Block("note", tr("privacy_note")))

    out.append(Block("h1", tr("h_figures")))
    if data.figures is None:
        out.append(Block("p", tr("figures_unknown")))
    else:
        out.extend(_figures(data.figures, data.municipality, lang, tr))

    out.append(Block("h1", tr("h_voices")))
    out.extend(_totals(data.totals, data.previous, tr, num))
    out.extend(
        Block(
            "p",
            tr(
                "reactions_elsewhere",
                year=data.year,
                count=num(e.reactions),
                edition=e.edition_year,
            ),
        )
        for e in data.elsewhere
    )

    for part in data.questions:
        out.append(Block("h1", t(lang, f"digest.swot.{part.swot}")))
        out.append(Block("h2", tr("h_statements")))
        if part.statements:
            for s in part.statements:
                out.extend(_statement(s, "statement_line", tr, num))
        else:
            out.append(Block("p", tr("no_statements")))
        if not part.observations:
            out.append(Block("p", tr("no_reports")))
            continue
        out.append(
            Block(
                "p", tr("answered_line", count=num(part.observations), answered=num(part.answered))
            )
        )
        out.append(Block("h2", tr("h_groups")))
        if not part.groups:
            out.append(Block("p", tr("no_groups")))
        for group in part.groups:
            out.append(_group(group, lang, tr, num))
            out.extend(Block("quote", tr("quote", text=q)) for q in group.quotes)
        out.append(Block("h2", tr("h_new")))
        if not part.new_matters:
            out.append(Block("p", tr("no_new")))
        for group in part.new_matters:
            out.append(_group(group, lang, tr, num))
            out.extend(Block("quote", tr("quote", text=q)) for q in group.quotes)

    if data.recommendations:
        out.append(Block("h1", tr("h_recommendations")))
        for s in data.recommendations:
            out.extend(_statement(s, "recommendation_line", tr, num))

    out.append(Block("h1", tr("h_polls")))
    if not data.polls:
        out.append(Block("p", tr("no_polls")))
    for poll in data.polls:
        out.append(Block("h2", tr("poll_line", question=poll.question, voters=num(poll.voters))))
        if not poll.closed:
            out.append(Block("note", tr("poll_open")))
        out.extend(_poll_options(poll, lang, tr, num))

    out.append(Block("h1", tr("h_disagree")))
    if data.disagreements is None:
        out.append(Block("p", tr("disagree_unknown")))
    elif not data.disagreements:
        out.append(Block("p", tr("no_disagree", n=num(data.disagree_min))))
    if data.disagreements:
        # A recommendation in its own words ("niet eens"), as its buttons say.
        suffix = intro_suffix(d.recommendation for d in data.disagreements)
        out.append(Block("p", tr(f"disagree_intro{suffix}", n=num(data.disagree_min))))
        out.extend(
            Block(
                "bullet",
                tr(
                    "disagree_advice_line" if d.recommendation else "disagree_line",
                    text=d.text,
                    no=num(d.not_recognise),
                    yes=num(d.recognise),
                ),
            )
            for d in data.disagreements
        )
    out.extend(_growing(data.growing, lang, tr))

    out.append(Block("h1", tr("h_unknown")))
    if data.blind_spots is None:
        out.append(Block("p", tr("blind_unknown")))
    else:
        out.extend(_little(data.blind_spots, data.year, lang, tr))
    out.append(Block("h1", tr("h_missing")))
    if data.missing_voices is None:
        out.append(Block("p", tr("missing_unknown")))
    else:
        out.extend(_voices(data.missing_voices, lang, tr))

    out.append(Block("h1", tr("h_changes")))
    if data.proposed_changes is None:
        out.append(Block("p", tr("changes_unknown")))
    elif not data.proposed_changes:
        out.append(Block("p", tr("no_changes")))
    for change in data.proposed_changes or []:
        key = "change_new"
        if change.action == "revise":
            advice = change.swot == ItemKind.RECOMMENDATION.value
            key = "change_revise_advice" if advice else "change_revise"
        text = label_in(change.text, change.labels, lang)
        out.append(Block("bullet", tr(key, text=text, count=num(change.count))))
    return out


def _poll_options(poll: PollOutcome, lang: str, tr: Tr, num: Num) -> list[Block]:
    """As the digest shows a result: a ranking by points and first places, with how the points
    are counted; a choice by votes and the share of voters."""
    if poll.kind != PollKind.RANKING.value:
        return [
            Block(
                "bullet",
                tr(
                    "option_line",
                    text=o.text,
                    votes=num(o.votes),
                    percent=format_percent(o.percent, lang),
                ),
            )
            for o in poll.options
        ]
    blocks = [
        Block(
            "bullet",
            tr(
                "option_ranking",
                place=place,
                text=o.text,
                points=tn(lang, "polls.points", o.borda or 0),
                firsts=tn(lang, "polls.firsts", o.first_places or 0),
            ),
        )
        for place, o in enumerate(poll.options, start=1)
    ]
    blocks.append(Block("note", t(lang, "polls.results_method")))
    return blocks


def _totals(totals: Totals, previous: Totals | None, tr: Tr, num: Num) -> list[Block]:
    def line(key: str, count: int, before: int | None) -> Block:
        text = tr(key, count=num(count))
        if before is not None:
            text = f"{text} ({tr('last_year', count=num(before))})"
        return Block("bullet", text)

    blocks = [
        line("count_reports", totals.observations, previous.observations if previous else None),
        line("count_answered", totals.answered, previous.answered if previous else None),
        line(
            "count_reactions",
            totals.reactions,
            previous.reactions if previous and not previous.same_statements else None,
        ),
        line(
            "count_comments",
            totals.comments,
            previous.comments if previous and not previous.same_statements else None,
        ),
        line("count_support", totals.supporters, None),
        line("count_polls", totals.polls, None),
    ]
    if previous is None:
        blocks.append(Block("p", tr("no_last_year")))
    return blocks


def _statement(s: StatementLine, key: str, tr: Tr, num: Num) -> list[Block]:
    """The statement with its reactions and, counted apart, its comments; then the comments
    as quotes (as an observation's words: no names, only of authors who still take part), and
    in words how many are not quoted."""
    text = tr(key, text=s.text, yes=num(s.recognise), no=num(s.not_recognise))
    if s.comments:
        text = f"{text} {tr('comments_count', count=num(s.comments))}"
    blocks = [Block("bullet", text)]
    blocks.extend(Block("quote", tr("quote", text=q)) for q in s.quotes)
    if s.comments > len(s.quotes):
        blocks.append(Block("p", tr("comments_not_quoted", count=num(s.comments - len(s.quotes)))))
    return blocks


def _group(group: ObservationGroup, lang: str, tr: Tr, num: Num) -> Block:
    return Block(
        "bullet",
        tr(
            "group_line",
            label=label_in(group.label, group.labels, lang),
            count=num(group.count),
            support=num(group.supporters),
            answered=num(group.answered),
        ),
    )


def _people(lang: str, count: int) -> str:
    """The small-number rule: below 5 "minder dan 5", never the number."""
    n = shown(count)
    return t(lang, "blind_spots.fewer_than", n=SMALL) if n is None else format_number(n, lang)


def _figures(lines: list[FigureLine], municipality: str, lang: str, tr: Tr) -> list[Block]:
    """Per measure (in the measures' order): its value and year, the year before with the
    change, and the municipality's; a share of people as "1 op de N"."""
    by_key = {line.measure: line for line in lines}
    out: list[Block] = []
    for measure in MEASURES:
        line = by_key.get(measure.key)
        if line is None:
            continue
        key = measure.key
        label = t(lang, f"figures.label.{key}")
        if line.value is None:
            areas = "; ".join(f"{a}: {words.with_unit(key, v, lang)}" for a, v in line.per_area)
            out.append(
                Block("bullet", tr("figure_areas", label=label, areas=areas, year=line.year))
            )
            continue
        parts = [
            tr(
                "figure_line",
                label=label,
                value=words.with_unit(key, line.value, lang),
                year=line.year,
            )
        ]
        if line.previous is not None and line.previous_year is not None:
            parts.append(
                tr(
                    "figure_previous",
                    year=line.previous_year,
                    value=words.with_unit(key, line.previous, lang),
                    change=words.change(key, line.value, line.previous, lang),
                )
            )
        # On the scale the bot uses beside the municipality's share, so both read the same.
        said = words.parts(line.one_in, line.municipality_one_in)[0]
        if said is not None:
            parts.append(t(lang, f"figures.part.{key}", n=said.n, of=said.of))
        if line.municipality is not None and municipality:
            parts.append(
                tr(
                    "figure_municipality",
                    municipality=municipality,
                    value=words.with_unit(key, line.municipality, lang),
                )
            )
        out.append(Block("bullet", " ".join(parts)))
    years = sorted({line.year for line in lines})
    out.append(Block("note", t(lang, "figures.source", years=words.years_text(years, lang))))
    return out


def _little(cells: list[LittleInput], year: int, lang: str, tr: Tr) -> list[Block]:
    if not cells:
        return [Block("p", tr("blind_none", year=year))]
    out = [Block("p", tr("blind_intro", year=year, n=cells[0].threshold))]
    # Reactions to recommendations: a line of their own, said as on the coach's page.
    advice = t(lang, f"blind_spots.q_{ADVICE}")
    if any(c.question == ADVICE for c in cells):
        out.append(Block("p", tr("blind_advice", question=advice)))
    for question in (*QUESTIONS, ADVICE):
        names = [
            c.label(lang) or t(lang, "blind_spots.no_theme")
            for c in cells
            if c.question == question
        ]
        if names:
            label = advice if question == ADVICE else t(lang, f"digest.swot.{question}")
            out.append(Block("bullet", tr("blind_line", question=label, topics="; ".join(names))))
    return out


def _voices(voices: MissingVoices, lang: str, tr: Tr) -> list[Block]:
    """Only counts of groups, never beside what anyone said; below 5 "minder dan 5"."""
    if not voices.answered:
        return [Block("p", tr("voices_nobody"))]
    out = [Block("p", tr("voices_told", people=_people(lang, voices.answered)))]
    if not voices.makeup_known:
        out.append(Block("p", tr("voices_no_cbs")))
    elif voices.makeup_partial:
        out.append(Block("p", tr("voices_makeup_partial")))
    for group in voices.groups:
        text = tr("voice_line", group=tr(f"g_{group.group}"), people=_people(lang, group.people))
        if group.wijk_share is not None:
            text += " " + tr("voice_wijk", share=format_number(round(100 * group.wijk_share), lang))
        elif voices.makeup_known and group.dimension != "years":
            text += " " + tr("voice_wijk_unknown")
        if group.under:
            text += " " + tr("voice_under")
        out.append(Block("bullet", text))
    if voices.makeup_known and not voices.makeup_partial and not voices.under:
        out.append(Block("p", tr("voices_all_heard")))
    return out


def _growing(growing: list[Growing] | None, lang: str, tr: Tr) -> list[Block]:
    """Groups that grew and no statement covers; their counts under the small-number rule."""
    if not growing:
        return []
    out = [Block("p", tr("growing_intro"))]
    out.extend(
        Block(
            "bullet",
            tr(
                "growing_line",
                label=label_in(g.label, g.labels, lang),
                count=_people(lang, g.count),
                before=_people(lang, g.previous),
            ),
        )
        for g in growing
    )
    return out
