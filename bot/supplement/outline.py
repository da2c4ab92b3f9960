"""The supplement as blocks in one language, from the catalogue (locales/*/supplement.toml).

Every section has a heading and at least one line under it: an optional part that is None says
it is not known yet; an empty list says what was looked for and not found. The renderers
(bot/supplement/render.py) only lay these blocks out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.i18n import format_number, t
from bot.supplement.builder import ObservationGroup, StatementLine, SupplementData, Totals

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
        out.extend(Block("bullet", str(f)) for f in data.figures)

    out.append(Block("h1", tr("h_voices")))
    out.extend(_totals(data.totals, data.previous, tr, num))

    for part in data.questions:
        out.append(Block("h1", t(lang, f"digest.swot.{part.swot}")))
        out.append(Block("h2", tr("h_statements")))
        if part.statements:
            out.extend(_statement(s, "statement_line", tr, num) for s in part.statements)
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
            out.append(_group(group, tr, num))
            out.extend(Block("quote", tr("quote", text=q)) for q in group.quotes)
        out.append(Block("h2", tr("h_new")))
        if not part.new_matters:
            out.append(Block("p", tr("no_new")))
        for group in part.new_matters:
            out.append(_group(group, tr, num))
            out.extend(Block("quote", tr("quote", text=q)) for q in group.quotes)

    if data.recommendations:
        out.append(Block("h1", tr("h_recommendations")))
        out.extend(_statement(s, "recommendation_line", tr, num) for s in data.recommendations)

    out.append(Block("h1", tr("h_polls")))
    if not data.polls:
        out.append(Block("p", tr("no_polls")))
    for poll in data.polls:
        out.append(Block("h2", tr("poll_line", question=poll.question, voters=num(poll.voters))))
        if not poll.closed:
            out.append(Block("note", tr("poll_open")))
        out.extend(
            Block("bullet", tr("option_line", text=text, votes=num(votes), percent=num(percent)))
            for text, votes, percent in poll.options
        )

    out.append(Block("h1", tr("h_disagree")))
    if data.disagreements is None:
        out.append(Block("p", tr("disagree_unknown")))
    elif not data.disagreements:
        out.append(Block("p", tr("no_disagree")))
    else:
        out.append(Block("p", tr("disagree_intro")))
        out.extend(
            Block(
                "bullet",
                tr("disagree_line", text=d.text, no=num(d.not_recognise), yes=num(d.recognise)),
            )
            for d in data.disagreements
        )

    out.append(Block("h1", tr("h_unknown")))
    if data.blind_spots is None:
        out.append(Block("p", tr("blind_unknown")))
    else:
        out.extend(Block("bullet", str(b)) for b in data.blind_spots)
    out.append(Block("h1", tr("h_missing")))
    if data.missing_voices is None:
        out.append(Block("p", tr("missing_unknown")))
    else:
        out.extend(Block("bullet", str(m)) for m in data.missing_voices)

    out.append(Block("h1", tr("h_changes")))
    if data.proposed_changes is None:
        out.append(Block("p", tr("changes_unknown")))
    elif not data.proposed_changes:
        out.append(Block("p", tr("no_changes")))
    for change in data.proposed_changes or []:
        key = "change_revise" if change.action == "revise" else "change_new"
        out.append(Block("bullet", tr(key, text=change.text, count=num(change.count))))
    return out


def _totals(totals: Totals, previous: Totals | None, tr: Tr, num: Num) -> list[Block]:
    def line(key: str, count: int, before: int | None) -> Block:
        text = tr(key, count=num(count))
        if before is not None:
            text = f"{text} ({tr('last_year', count=num(before))})"
        return Block("bullet", text)

    blocks = [
        line("count_reports", totals.observations, previous.observations if previous else None),
        line("count_answered", totals.answered, previous.answered if previous else None),
        line("count_reactions", totals.reactions, previous.reactions if previous else None),
        line("count_support", totals.supporters, None),
        line("count_polls", totals.polls, None),
    ]
    if previous is None:
        blocks.append(Block("p", tr("no_last_year")))
    return blocks


def _statement(s: StatementLine, key: str, tr: Tr, num: Num) -> Block:
    return Block("bullet", tr(key, text=s.text, yes=num(s.recognise), no=num(s.not_recognise)))


def _group(group: ObservationGroup, tr: Tr, num: Num) -> Block:
    return Block(
        "bullet",
        tr(
            "group_line",
            label=group.label,
            count=num(group.count),
            support=num(group.supporters),
            answered=num(group.answered),
        ),
    )
