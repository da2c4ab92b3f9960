"""The digest for people: Telegram HTML (split into messages), plain text, JSON, and the CSV.

Telegram allows 4,096 characters per message (measured here in UTF-16 code units, where an emoji
counts twice: bot.core.text.TELEGRAM_TEXT_LIMIT) and nothing splits for us. The digest is built as
sections (header, one per SWOT category, spiegel, polls, needs attention); messages are packed
from whole sections, and only a section that alone is too long is split between its lines. Every
line is complete HTML on its own, so every part parses. All user text goes through `esc`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.config import Config
from bot.core.i18n import (
    csv_dialect,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    t,
    tn,
)
from bot.core.text import TELEGRAM_TEXT_LIMIT, esc, utf16_cut, utf16_len
from bot.digest import periods
from bot.digest.builder import (
    SWOT_ORDER,
    Counts,
    DigestData,
    GroupSummary,
    ObservationRef,
    StatementCount,
    SwotSection,
)
from bot.grouping.groups import label_in

MESSAGE_LIMIT = TELEGRAM_TEXT_LIMIT  # UTF-16 code units
QUOTE_LIMIT = 220
BRIEF_LIMIT = 120
MAX_GROUPS = 10
MAX_SINGLETONS = 12
_TAG = re.compile(r"<[^>]+>")


def weeks(key: str, lang: str) -> str:
    """A period key as a coach reads it: "week 49", "week 50 en 51" (the key itself, 2026-W49,
    is what `wijkbot digest --period` takes)."""
    numbers = periods.week_numbers(key)
    if len(numbers) == 1:
        return t(lang, "digest.week", week=numbers[0])
    return t(lang, "digest.weeks", first=numbers[0], second=numbers[1])


@dataclass
class RenderedDigest:
    messages: list[str]  # Telegram HTML, each at most 4,096 UTF-16 code units
    # Which message holds "needs attention" and the observations listed there, so the coach's
    # feature can put "open M-12" buttons under exactly that message.
    attention_message: int | None = None
    attention_ids: list[int] = field(default_factory=list)


def reference_html(reference: str) -> str:
    """How an observation's number is shown: bold, so a coach finds and types it easily."""
    return f"<b>{esc(reference)}</b>"


def brief(text: str, limit: int) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    return words[: limit - 1].rsplit(" ", 1)[0] + "…"


class _Renderer:
    def __init__(
        self, data: DigestData, lang: str, config: Config, *, buttons: bool = True
    ) -> None:
        self.data, self.lang, self.config = data, lang, config
        # Whether "open M-12" buttons go under it (Telegram), so the text may point at them.
        self.buttons = buttons
        self.tz: ZoneInfo = config.general.tz

    def t(self, key: str, **values: object) -> str:
        return t(self.lang, f"digest.{key}", **values)

    def group_label(self, group: GroupSummary) -> str:
        """A concept's or a place's name; for a new matter its telling words."""
        if group.words:
            return self.t("new_topic", words=", ".join(group.words))
        return label_in(group.label, group.labels, self.lang)

    def ref(self, ref: ObservationRef) -> str:
        """Its number, and "Mogelijk dringend" when bot/urgent found it urgent (escaped)."""
        mark = f" · {t(self.lang, 'urgent.mark')}" if ref.urgent else ""
        return esc(ref.reference) + mark

    def n(self, value: float) -> str:
        return format_number(value, self.lang)

    def tn(self, key: str, count: int, **values: object) -> str:
        """`digest.<key>.one` or `.other`, by `count` (which the text shows as {count})."""
        return tn(self.lang, f"digest.{key}", count, **values)

    def date(self, value: object) -> str:
        return format_date(value, self.lang, self.tz, "d MMM y")  # type: ignore[arg-type]

    def theme(self, slug: str) -> str:
        if not slug:
            return self.t("no_theme")
        theme = self.config.theme(slug)
        return theme.label(self.lang) if theme else slug

    def swot(self, swot: str) -> str:
        return self.t(f"swot.{swot}")

    # --- sections ----------------------------------------------------------------------------

    def header(self) -> list[str]:
        d = self.data
        period = d.period
        if period.partial:
            when = self.t(
                "period_so_far",
                start=self.date(period.start),
                now=format_datetime(period.end, self.lang, self.tz, "d MMM HH:mm"),
            )
        else:
            when = self.t(
                "period",
                start=self.date(period.start),
                # The last day is the local day before the end. Not 24 hours before it: the
                # spring DST Sunday has 23, so that would name the Saturday. (Aware datetimes in
                # one zone add and subtract on the wall clock.)
                end=self.date(period.end.astimezone(self.tz) - timedelta(days=1)),
            )
        when = f"{when} · {weeks(period.key, self.lang)}"
        lines = [self.t("title", wijk=esc(d.wijk_name)), when, ""]
        cur, prev = d.current, d.previous
        for key, attr in (
            ("count_observations", "observations"),
            ("count_reactions", "reactions"),
            ("count_votes", "votes"),
            ("count_participants", "participants"),
            ("count_first_time", "first_time"),
        ):
            now_value, before = getattr(cur, attr), getattr(prev, attr)
            lines.append(
                self.t(key, count=self.n(now_value), change=self.change(now_value, before))
            )
        lines.append(self.roles(cur))
        if d.quiet:
            lines += ["", self.t("quiet")]
        return lines

    def change(self, now_value: int, before: int) -> str:
        # In words, the figure of last time beside this time's: no signs that carry meaning.
        return self.t("change", previous=self.n(before))

    def roles(self, counts: Counts) -> str:
        r = counts.by_role
        line = self.t(
            "roles",
            residents=self.n(r.get("resident", 0)),
            big=self.n(r.get("big", 0)),
            partners=self.n(r.get("partner", 0)),
        )
        if r.get("coach"):
            line += self.t("roles_coaches", coaches=self.n(r["coach"]))
        return line

    def section(self, section: SwotSection) -> list[str]:
        lines = [
            f"<b>{esc(self.swot(section.swot))}</b>",
            tn(
                self.lang,
                "digest.section_count",
                section.count,
                previous=self.n(section.previous),
            ),
        ]
        narrative = self.data.narratives.get(section.swot)
        if narrative:
            lines.append(self.t("narrative", text=esc(narrative)))
        if section.count == 0:
            return lines
        themes = ", ".join(f"{esc(self.theme(slug))} ({self.n(c)})" for slug, c in section.themes)
        lines.append(self.t("themes", themes=themes))
        for group in section.groups[:MAX_GROUPS]:
            lines.append(self.tn("group_line", group.count, label=esc(self.group_label(group))))
            lines.append(self.quote(group.representative))
        if len(section.groups) > MAX_GROUPS:
            lines.append(self.tn("more_groups", len(section.groups) - MAX_GROUPS))
        if section.singletons:
            lines.append(self.t("singletons"))
            for ref in section.singletons[:MAX_SINGLETONS]:
                lines.append(
                    self.t(
                        "singleton_line",
                        ref=self.ref(ref),
                        text=esc(brief(ref.text, BRIEF_LIMIT)),
                    )
                    + self.people(ref)
                )
            if len(section.singletons) > MAX_SINGLETONS:
                extra = len(section.singletons) - MAX_SINGLETONS
                lines.append(self.tn("more_singletons", extra))
        return lines

    def quote(self, ref: ObservationRef) -> str:
        quoted = self.t("quote", text=esc(brief(ref.text, QUOTE_LIMIT)), ref=self.ref(ref))
        return quoted + self.people(ref)

    def people(self, ref: ObservationRef) -> str:
        """ " · 12 mensen" when others said "ik ook" to it (its author and they), else nothing."""
        return self.tn("people", ref.supporters + 1) if ref.supporters else ""

    def spiegel(self) -> list[str]:
        s = self.data.spiegel
        lines = [self.t("spiegel_title")]
        if not (s.contested or s.confirmed or s.comments):
            return [*lines, self.t("spiegel_empty")]
        # A recommendation under its own words ("niet eens", "eens"), as its buttons say.
        for kind, items in (("contested", s.contested), ("confirmed", s.confirmed)):
            for advice, title in ((False, f"{kind}_title"), (True, f"{kind}_advice_title")):
                chosen = [i for i in items if i.recommendation is advice]
                if chosen:
                    lines.append(self.t(title))
                    lines += [self.statement(i) for i in chosen]
        if s.comments:
            lines.append(self.t("comments_title", count=self.n(s.comment_count)))
            lines += [
                self.t(
                    "comment_line",
                    text=esc(brief(c.text, QUOTE_LIMIT)),
                    item=esc(brief(c.item_text, BRIEF_LIMIT)),
                )
                for c in s.comments
            ]
        return lines

    def statement(self, item: StatementCount) -> str:
        """ "(2 mensen)" when all the period's reactions to it said the same, else "(1 van de
        2 mensen)": the coach sees the other side too."""
        text = esc(brief(item.text, BRIEF_LIMIT))
        if item.count == item.total:
            return self.tn("statement_line", item.count, text=text)
        return self.t("statement_of", text=text, count=self.n(item.count), total=self.n(item.total))

    def polls(self) -> list[str]:
        p = self.data.polls
        lines = [self.t("polls_title")]
        if not (p.closed or p.still_open):
            return [*lines, self.t("polls_empty")]
        if p.opened:
            lines.append(self.t("polls_opened", count=self.n(p.opened)))
        if p.closed:
            lines.append(self.t("polls_closed_title"))
            for poll in p.closed:
                lines.append(
                    self.t(
                        "poll_closed",
                        question=esc(poll.question),
                        new=self.t("poll_new") if poll.new else "",
                        voters=self.n(poll.voters),
                    )
                )
                for place, option in enumerate(poll.options[:3], start=1):
                    if option.borda is not None:
                        lines.append(
                            self.t(
                                "poll_option_ranking",
                                place=place,
                                text=esc(option.text),
                                points=self.tn("points", option.borda),
                                firsts=self.tn("firsts", option.first_places or 0),
                            )
                        )
                    else:
                        lines.append(
                            self.t(
                                "poll_option",
                                place=place,
                                text=esc(option.text),
                                votes=self.n(option.votes),
                                percent=format_percent(option.percent, self.lang),
                            )
                        )
        if p.still_open:
            lines.append(self.t("polls_open_title"))
            for poll in p.still_open:
                values = {
                    "question": esc(poll.question),
                    "new": self.t("poll_new") if poll.new else "",
                    "voters": self.n(poll.voters),
                    "closes": format_datetime(poll.closes_at, self.lang, self.tz, "d MMM HH:mm"),
                }
                if poll.audience_size:
                    percent = 100 * poll.voters / poll.audience_size
                    lines.append(
                        self.t(
                            "poll_open",
                            audience=self.n(poll.audience_size),
                            percent=format_percent(percent, self.lang),
                            **values,
                        )
                    )
                else:
                    lines.append(self.t("poll_open_no_audience", **values))
        return lines

    def attention(self) -> list[str]:
        a = self.data.attention
        lines = [self.t("attention_title")]
        if not a.urgent and not a.unanswered and not a.growing:
            # What is true then: none waited too long (some may wait less, unanswered).
            return [*lines, self.tn("attention_none", a.after_days)]
        if a.urgent:
            # First, whatever their age: the heading says they may be urgent, so their lines
            # need not say it again.
            lines.append(self.t("attention_urgent", urgent=self.n(a.urgent_total)))
            lines += [self.waiting(ref, esc(ref.reference)) for ref in a.urgent]
            if a.urgent_total > len(a.urgent):
                lines.append(self.tn("attention_more", a.urgent_total - len(a.urgent)))
        if a.unanswered:
            lines.append(
                self.tn(
                    "attention_unanswered",
                    a.after_days,
                    unanswered=self.n(a.unanswered_total),
                )
            )
            lines += [self.waiting(ref, self.ref(ref)) for ref in a.unanswered]
            if a.unanswered_total > len(a.unanswered):
                extra = a.unanswered_total - len(a.unanswered)
                lines.append(self.tn("attention_more", extra))
        if a.growing:
            lines.append(self.t("attention_growing"))
            for group in a.growing[:MAX_GROUPS]:
                lines.append(
                    self.tn(
                        "growing_line",
                        group.count,
                        label=esc(label_in(group.label, group.labels, self.lang)),
                        swot=esc(self.swot(group.swot)),
                        previous=self.n(group.previous),
                    )
                )
                lines.append(self.quote(group.representative))
        waiting = a.waiting
        if waiting and self.buttons:
            lines += ["", self.t("footer", ref=esc(waiting[0].reference))]
        return lines

    def waiting(self, ref: ObservationRef, shown: str) -> str:
        """An observation that waits for an answer: `shown` (its number, escaped), when, what."""
        line = self.t(
            "attention_line",
            ref=shown,
            date=self.date(ref.created_at),
            swot=esc(self.swot(ref.swot)),
            text=esc(brief(ref.text, BRIEF_LIMIT)),
        )
        return line + self.people(ref)

    def sections(self) -> list[list[str]]:
        parts = [self.header()]
        parts += [self.section(self.data.section(swot)) for swot in SWOT_ORDER]
        parts += [self.spiegel(), self.polls(), self.attention()]
        return parts


def render_html(
    data: DigestData, lang: str, config: Config, *, buttons: bool = True
) -> RenderedDigest:
    """Telegram's messages; `buttons=False` where no "open M-12" buttons go under them (the
    command line), so no line points at buttons that are not there."""
    sections = _Renderer(data, lang, config, buttons=buttons).sections()
    messages: list[str] = []
    attention_at: int | None = None
    current = ""
    for index, lines in enumerate(sections):
        is_attention = index == len(sections) - 1
        for chunk in _section_chunks(lines):
            candidate = f"{current}\n\n{chunk}" if current else chunk
            if utf16_len(candidate) <= MESSAGE_LIMIT:
                current = candidate
            else:
                messages.append(current)
                current = chunk
        if is_attention:
            attention_at = len(messages)
    if current:
        messages.append(current)
    return RenderedDigest(
        messages=messages,
        attention_message=attention_at,
        attention_ids=[ref.id for ref in data.attention.waiting],
    )


def _section_chunks(lines: list[str]) -> list[str]:
    """A section as one chunk, or - when it alone is too long - as several, cut between lines."""
    text = "\n".join(lines)
    if utf16_len(text) <= MESSAGE_LIMIT:
        return [text]
    chunks: list[str] = []
    current = ""
    for line in lines:
        if utf16_len(line) > MESSAGE_LIMIT:  # cannot happen with the limits above; stay safe
            # Plain, and short enough that escaping (at most 5 units for 1: "&amp;") fits.
            plain = html.unescape(_TAG.sub("", line))
            line = esc(utf16_cut(plain, MESSAGE_LIMIT // 5 - 1)) + "…"
        candidate = f"{current}\n{line}" if current else line
        if utf16_len(candidate) <= MESSAGE_LIMIT:
            current = candidate
        else:
            chunks.append(current)
            current = line
    if current:
        chunks.append(current)
    return chunks


def render_text(data: DigestData, lang: str, config: Config) -> str:
    """Plain text (the command line): the same content, without markup, and without the line
    that points at the buttons under the Telegram message (a terminal has none)."""
    sections = _Renderer(data, lang, config, buttons=False).sections()
    return "\n\n".join(html.unescape(_TAG.sub("", "\n".join(lines))) for lines in sections) + "\n"


def render_json(data: DigestData) -> str:
    return json.dumps(data.to_json(), ensure_ascii=False, indent=2)


def csv_filename(data: DigestData, lang: str) -> str:
    """meldingen-elsrijk-2026-W50.csv; its first word in the reader's language
    (reports-elsrijk-2026-W50.csv), as the desk's export names its file."""
    stem = t(lang, "digest.csv_filename")
    return f"{stem}-{data.wijk_slug}-{data.period.key.replace('+', '-')}.csv"


def render_csv(data: DigestData, lang: str, config: Config) -> bytes:
    """The period's observations; the author only by name when they shared it, else pseudonym."""
    r = _Renderer(data, lang, config)
    out = io.StringIO()
    # The coach opens it in Excel: ";" for a Dutch coach, whose Excel would show a file
    # separated by commas in one column; "," in English (as the desk's CSV export).
    separator, _decimal = csv_dialect(lang)
    writer = csv.writer(out, delimiter=separator)
    writer.writerow(
        [
            r.t(f"csv.{k}")
            for k in ("reference", "date", "swot", "theme", "text", "status", "author", "urgent")
        ]
    )
    urgent = t(lang, "urgent.mark")
    for row in data.rows:
        writer.writerow(
            [
                row.reference,
                row.created_at.astimezone(r.tz).strftime("%Y-%m-%d %H:%M"),
                r.swot(row.swot),
                r.theme(row.theme or ""),
                _csv_safe(row.text),
                r.t(f"status.{row.status}"),
                _csv_safe(row.author),
                urgent if row.urgent else "",
            ]
        )
    # A byte order mark, so spreadsheet programs read the accents correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets: neutralise it.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
