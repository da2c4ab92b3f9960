"""The demo's scripted week in Stadshart (see bot/demo/environment.py for the set-up)."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.core.config import Config
from bot.demo import environment
from bot.demo.environment import Actor, DemoEnvironment, Transcript
from bot.digest import jobs
from bot.people import invites, persons
from bot.polls import delivery
from bot.spiegel import mirror
from models import Role

RESIDENT_NAMES = [
    "Anouk", "Bram", "Chloé", "Daan", "Emma", "Farid", "Gerda", "Hugo", "Ilse", "Jeroen",
    "Kim", "Lars", "Mila", "Noah", "Olga", "Priya", "Quinten", "Rosa", "Sem", "Tess",
]  # fmt: skip
# Some find their wijk by postcode (recorded-shape PDOK data), the rest from the list.
POSTCODES = {2: "1183ZD 12", 5: "1183 zd", 9: "1183ZD 10", 14: "1183ZD 12A"}
COACH_ID, BIG_ID, FIRST_RESIDENT_ID = 5001, 5002, 6001
REPO = Path(__file__).resolve().parents[2]
SPIEGEL_EXAMPLE = REPO / "spiegels" / "stadshart-2026.example.toml"
EXAMPLE_TEXT = SPIEGEL_EXAMPLE.read_text(encoding="utf-8")


@dataclass
class DemoResult:
    ok: bool = True
    residents: list[Actor] = field(default_factory=list)
    digest_text: str = ""
    poll_results: str = ""
    digest_lines: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # What the database held at the end, read before the temporary folder went.
    stored: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    # The one-time login link to the coach's desk the demo printed.
    desk_link: str | None = None


def main_scripted(config_path: Path | None, out_dir: Path | None = None) -> int:
    """`wijkbot demo` (and `wijkbot run` without a token): the scripted week, with its files."""
    notice = environment.not_your_config(config_path, os.environ)
    if notice:
        print(notice)
    config = environment.demo_config()
    out_dir = out_dir or Path("demo-output")
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    try:
        result = asyncio.run(
            run_script(config, out_dir, out=sys.stdout, on_desk=_wait_for_enter if _tty() else None)
        )
    except KeyboardInterrupt:  # Ctrl-C during the week: it stopped (and cleaned up) halfway
        print("\nThe demo was stopped.", file=sys.stderr)
        return 130
    seconds = time.monotonic() - started
    print(
        f"\nThe demo took {seconds:.1f} s. Transcript, digest, chart, CSV and supplement: "
        f"{out_dir.resolve()}/"
    )
    return 0 if result.ok else 1


def _tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


async def _wait_for_enter(link: str) -> None:
    """The desk stays open while a person tries it in their browser, until they press Enter.
    Ctrl-D (the end of input) or Ctrl-C stops it as quietly: the demo ends as after Enter."""
    try:
        await _read_line("  Press Enter to stop the demo and its desk. ")
    except EOFError:
        print()
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels the demo's task
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()  # taken as Enter: the demo goes on to stop its desk
        print()


async def _read_line(prompt: str) -> str:
    """A line typed at the terminal while the event loop (and the desk in it) goes on; EOFError
    at the end of input. A terminal is watched by the loop, so Ctrl-C leaves no thread behind
    that waits for a line; anything else (a test's text, a loop without readers) is read in a
    thread."""
    loop = asyncio.get_running_loop()
    print(prompt, end="", flush=True)
    ready: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ready.done():
            ready.set_result(None)

    try:
        fd = sys.stdin.fileno()
        loop.add_reader(fd, readable)
    except (OSError, ValueError, NotImplementedError):  # no file descriptor; Windows
        line = await loop.run_in_executor(None, sys.stdin.readline)
    else:
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line


DeskVisit = Callable[[str], Awaitable[None]]


async def run_script(
    config: Config,
    out_dir: Path,
    out: TextIO | None = None,
    *,
    on_desk: DeskVisit | None = None,
) -> DemoResult:
    """The scripted week; `on_desk(link)` runs at the end with the coach's login link to the
    desk, while the desk still runs (main_scripted waits for Enter there)."""
    folder = environment.temporary_folder()
    transcript = Transcript(out)
    result = DemoResult()
    start = environment.last_monday(datetime.now(UTC), config.general.tz)
    env = await environment.start_environment(config, folder, start=start)
    try:
        wijk = config.wijk(environment.DEMO_WIJK)
        transcript.heading(
            f"Offline demo: a week in {wijk.name if wijk else environment.DEMO_WIJK}"
        )
        transcript.say(f"  fake Telegram at {env.server.base_url}, database in {folder}")
        await play_week(env, transcript, result, out_dir)
        _read_back(env, result)
        transcript.heading("What the database holds now")
        for name, count in result.stored.items():
            transcript.say(f"  {name}: {count}")
        transcript.heading("The digest as the coach sees it on her phone")
        for line in result.digest_lines:
            transcript.say(line)
        result.desk_link = environment.desk_link(env, COACH_ID)
        if result.desk_link:
            transcript.heading("The coach's desk in your browser")
            transcript.say("  Sanne's one-time login link (open it while the demo runs):")
            transcript.say(f"  {result.desk_link}")
            if on_desk is not None:
                await on_desk(result.desk_link)
    except Exception as exc:
        result.ok = False
        result.problems.append(f"{type(exc).__name__}: {exc}")
        transcript.say(f"\n!! the demo stopped: {type(exc).__name__}: {exc}")
        raise
    finally:
        (out_dir / "transcript.txt").write_text(
            "\n".join(transcript.lines) + "\n", encoding="utf-8"
        )
        result.files["transcript"] = out_dir / "transcript.txt"
        await environment.stop_environment(env)
        environment.remove_folder(folder)
    return result


def _read_back(env: DemoEnvironment, result: DemoResult) -> None:
    from sqlalchemy import func
    from sqlmodel import col, select

    from bot.polls import voting
    from models import Digest, Observation, Person, Poll, Reaction

    with env.services.db.session() as session:

        def rows(model: Any) -> int:
            return int(session.exec(select(func.count()).select_from(model)).one())

        result.stored.update(
            {
                "people": rows(Person),
                "observations": rows(Observation),
                "reactions": rows(Reaction),
                # One vote per person and poll, not a row per option they put in order.
                "votes": voting.votes_cast(session),
                "polls": rows(Poll),
                "digests sent": rows(Digest),
            }
        )
        result.answered = session.exec(
            select(func.count())
            .select_from(Observation)
            .where(col(Observation.answer_text).is_not(None))
        ).one()


def _invite(env: DemoEnvironment, role: Role) -> str:
    with env.services.db.session() as session:
        wijk = persons.wijk_by_slug(session, environment.DEMO_WIJK)
        assert wijk is not None
        _, code = invites.create_invite(
            session, role=role, wijken=[wijk], now=env.clock.now(), expires_in=timedelta(days=7)
        )
    link = invites.invite_link(env.services.bot_username, code)
    return link


async def play_week(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, out_dir: Path
) -> None:
    h = env.harness
    transcript.heading("Monday: the coach and a BIG member join by invite link")
    coach_link = _invite(env, Role.COACH)
    transcript.say(
        f"  admin: wijkbot invite --role coach --wijk {environment.DEMO_WIJK}  ->  {coach_link}"
    )
    coach = Actor(h.user(COACH_ID, "Coach Sanne"), "Sanne (wijkcoach)", transcript)
    await coach.send("/start " + coach_link.split("start=", 1)[1])
    await coach.press("Akkoord")
    big_link = _invite(env, Role.BIG)
    transcript.say(
        f"  admin: wijkbot invite --role big --wijk {environment.DEMO_WIJK}  ->  {big_link}"
    )
    big = Actor(h.user(BIG_ID, "Joost"), "Joost (BIG)", transcript)
    await big.send("/start " + big_link.split("start=", 1)[1])
    await big.press("Akkoord")

    transcript.heading("Tuesday: twenty residents join")
    env.clock.advance(timedelta(days=1))
    for index, name in enumerate(RESIDENT_NAMES):
        resident = Actor(h.user(FIRST_RESIDENT_ID + index, name), name, transcript)
        transcript.quiet = not (index == 0 or index == 2)
        await resident.send("/start")
        await resident.press("Akkoord")
        if index in POSTCODES:
            await resident.press("Ik weet mijn wijk niet")
            await resident.send(POSTCODES[index])
            await resident.press("Ja, dat klopt")
        else:
            await resident.press("Stadshart")
        result.residents.append(resident)
        if transcript.quiet:
            how = f"by postcode {POSTCODES[index]}" if index in POSTCODES else "from the list"
            transcript.say(f"  {name}: /start, [Akkoord], chooses Stadshart {how}")
    transcript.quiet = False

    await spiegel_week(env, transcript, result, coach, big)
    await poll_week(env, transcript, result, big)
    await coach_answers(env, transcript, result, coach)
    await poll_closes(env, transcript, result, big)
    await digest_monday(env, transcript, result, coach, out_dir)
    await supplement_draft(env, transcript, result, coach, out_dir)


SWOT_QUESTION = {
    "strength": "Wat gaat goed?",
    "weakness": "Wat kan beter?",
    "opportunity": "Welke kansen of ideeën zie je?",
    "threat": "Waar maak je je zorgen over?",
}
# Residents who let the coach see their name; the others stay behind their pseudonym.
SHARES_NAME = {1, 4, 11}


async def spiegel_week(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, coach: Actor, big: Actor
) -> None:
    config = env.services.config
    transcript.heading("Wednesday: the coach's spiegel edition is imported; residents react")
    env.clock.advance(timedelta(days=1))
    path = SPIEGEL_EXAMPLE
    themes = {t.slug for t in config.themes}
    parsed = mirror.parse_toml(EXAMPLE_TEXT, themes)
    with env.services.db.session() as session:
        wijk = persons.wijk_by_slug(session, environment.DEMO_WIJK)
        assert wijk is not None
        imported = mirror.import_edition(session, wijk, 2026, parsed)
    transcript.say(
        f"  admin: wijkbot import-spiegel {path.name} --wijk {environment.DEMO_WIJK} --edition 2026"
        f"  ->  {imported.added} statements"
    )
    for index, resident in enumerate(result.residents):
        transcript.quiet = index != 0
        await resident.send("/spiegel")
        statements = [
            m for m in await resident.press("Wat kan beter?") if "Herken ik 👍" in m.button_texts
        ]
        # Most recognise the parking statement; the other two divide opinions.
        for number, message in enumerate(statements):
            recognise = number == 0 or (index + number) % 3 != 0
            await resident.press(
                "Herken ik 👍" if recognise else "Herken ik niet 👎", message=message
            )
        if index == 5:
            transcript.quiet = False
            comment_on = statements[1]
            await resident.press("Opmerking typen ✍️", message=comment_on)
            await resident.send("Bij de tramhalte staan ook veel weesfietsen. Die mogen weg.")
        if transcript.quiet:
            transcript.say(
                f"  {resident.name}: opens the spiegel, reacts to {len(statements)} statements"
            )
    transcript.quiet = False

    transcript.heading("Thursday and Friday: observations")
    env.clock.advance(timedelta(days=1))
    rows = environment.demo_observations()
    senders = [r for r in result.residents]
    for index, row in enumerate(rows):
        author = big if row["role"] == "big" else senders[index % len(senders)]
        transcript.quiet = index > 1
        if index == 0:
            await author.send("/melding")
            await author.send(row["text"])
        else:
            await author.send(row["text"])
            await author.press("Ja, als melding")
        await author.press(SWOT_QUESTION[row["swot"]])
        theme = config.theme(row["theme"])
        await author.press(theme.nl if theme else "Weet ik niet / past niet")
        await author.press("Overslaan")
        await author.press("Ja, mijn naam" if index in SHARES_NAME else "Nee, alleen")
        replies = await author.press("Versturen")
        if any("Dit is al gemeld" in m.plain_text for m in replies):
            # The demo's week fills the digest with every observation: each is its own.
            replies = await author.press("Nee, het is iets anders")
        if transcript.quiet:
            reference = next(
                (w for m in replies for w in m.plain_text.split() if w.startswith("M-")), "?"
            )
            transcript.say(
                f"  {author.name}: sends an observation ({row['swot']}): "
                f"{row['text'][:60]}…  -> {reference.rstrip('.,')}"
            )
        if index == 8:
            env.clock.advance(timedelta(days=1))
    transcript.quiet = False


async def poll_week(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, big: Actor
) -> None:
    transcript.heading("Friday: the BIG asks the wijk to rank the recommendations")
    await big.send("/stemmen")
    await big.press("Nieuwe stemming")
    await big.send("Waar moeten we dit jaar als eerste mee aan de slag?")
    await big.press("Uit de wijkspiegel kiezen")
    for number in (1, 2, 3, 4):
        last = big.last
        label = next(
            b for b in last.button_texts if b.endswith(f" {number}") or b.endswith(f" {number})")
        )
        await big.press(label)
    await big.press("Terug naar de antwoorden")
    await big.press("Klaar met antwoorden")
    await big.press("Op volgorde zetten")
    await big.press("Iedereen in de wijk")
    # A typed closing time: Sunday 20:00 of this week.
    sunday = env.clock.now().astimezone(env.services.tz) + timedelta(days=2)
    await big.send(f"{sunday:%d-%m} 20:00")
    await big.press("Nee, pas na het sluiten")
    await big.press("Versturen")
    await delivery.wait_idle(env.app)
    transcript.bot([m for m in big.person.messages[-2:]])

    transcript.heading("Friday and Saturday: residents vote")
    for index, resident in enumerate(result.residents[:15]):
        transcript.quiet = index != 0
        ballot = resident.last
        options = [
            b
            for b in ballot.button_texts
            if b not in ("Stem versturen", "Laatste antwoord weghalen", "Naar het menu")
        ]
        # People rank differently; parking comes first most often.
        order = options[index % 3 :] + options[: index % 3] if index % 4 else options
        for label in order:
            await resident.press(label, message=resident.last)
        await resident.press("Stem versturen")
        if transcript.quiet:
            transcript.say(f"  {resident.name}: ranks {' > '.join(o[:18] for o in order)}")
    transcript.quiet = False


async def digest_monday(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, coach: Actor, out_dir: Path
) -> None:
    tz = env.services.tz
    local = env.clock.now().astimezone(tz)
    monday = local + timedelta(days=(7 - local.weekday()) % 7)
    env.clock.set(monday.replace(hour=8, minute=0, second=0, microsecond=0))
    transcript.heading(
        f"Monday {env.clock.now().astimezone(tz):%d-%m %H:%M}: the coach's weekly digest"
    )
    mark = len(coach.person.messages)
    sent = await jobs.send_due(env.services, env.app.bot)
    messages = coach.person.messages[mark:]
    transcript.say(f"  (the digest job found {sent} digest(s) due and sent them; shown at the end)")
    text_parts = []
    for message in messages:
        if message.kind == "text":
            text_parts.append(message.plain_text)
            result.digest_lines += [message.plain_text, "  -" * 20]
        elif message.file_bytes is not None:
            name = message.filename or (
                "digest-chart.png" if message.kind == "photo" else "digest.bin"
            )
            path = out_dir / name
            path.write_bytes(message.file_bytes)
            result.files[name] = path
            result.digest_lines.append(
                f"[{message.kind}: {name}, {len(message.file_bytes)} bytes -> {path}]"
            )
    result.digest_text = "\n".join(text_parts)
    (out_dir / "digest.txt").write_text(result.digest_text + "\n", encoding="utf-8")
    result.files["digest"] = out_dir / "digest.txt"


async def supplement_draft(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, coach: Actor, out_dir: Path
) -> None:
    """The week ends with the coach drafting this year's supplement to the wijkspiegel."""
    transcript.heading("Monday, later: the coach drafts this year's supplement (a DOCX file)")
    await coach.send("/menu")
    mark = len(coach.person.messages)
    await coach.press("Wijkaanvulling maken")
    for message in coach.person.messages[mark:]:
        if message.kind == "document" and message.file_bytes is not None:
            name = message.filename or "wijkaanvulling.docx"
            path = out_dir / name
            path.write_bytes(message.file_bytes)
            result.files["supplement"] = path
            transcript.say(f"  [document: {name}, {len(message.file_bytes)} bytes -> {path}]")


async def poll_closes(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, big: Actor
) -> None:
    transcript.heading("Sunday 20:00: the poll closes; everyone who got it sees the result")
    closes = env.clock.now().astimezone(env.services.tz).replace(hour=20, minute=0)
    env.clock.set(max(closes, env.clock.now()) + timedelta(minutes=1))
    await delivery.sweep(env.app)
    await delivery.wait_idle(env.app)
    transcript.bot([big.person.last])
    result.poll_results = big.person.last.plain_text


async def coach_answers(
    env: DemoEnvironment, transcript: Transcript, result: DemoResult, coach: Actor
) -> None:
    local = env.clock.now().astimezone(env.services.tz)
    sunday = local + timedelta(days=(6 - local.weekday()) % 7)
    env.clock.set(sunday.replace(hour=11, minute=0, second=0, microsecond=0))
    transcript.heading("Sunday: the coach answers an anonymous resident")
    await coach.send("/meldingen")
    listing = coach.last
    target = next(b for b in reversed(listing.button_texts) if b.startswith("M-"))
    await coach.press(target)
    await coach.press("Beantwoorden")
    await coach.send(
        "Dank je voor je melding. Parkeren staat bovenaan bij veel bewoners. "
        "We praten er op 3 december over op de bewonersavond. Kom je ook?"
    )
    await coach.press("Versturen")
    for resident in result.residents:
        last = resident.person.last
        if "Dank je voor je melding" in last.plain_text:
            transcript.say(f"  ... and in {resident.name}'s chat (the coach only saw a pseudonym):")
            transcript.bot([last])
