"""The demo's scripted week in Stadshart (see bot/demo.py for the set-up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot import demo, invites, people
from bot.config import Config
from bot.demo import Actor, DemoEnvironment, Transcript
from models import Role

RESIDENT_NAMES = [
    "Anouk", "Bram", "Chloé", "Daan", "Emma", "Farid", "Gerda", "Hugo", "Ilse", "Jeroen",
    "Kim", "Lars", "Mila", "Noah", "Olga", "Priya", "Quinten", "Rosa", "Sem", "Tess",
]  # fmt: skip
# Some find their wijk by postcode (recorded-shape PDOK data), the rest from the list.
POSTCODES = {2: "1183ZD 12", 5: "1183 zd", 9: "1183ZD 10", 14: "1183ZD 12A"}
COACH_ID, BIG_ID, FIRST_RESIDENT_ID = 5001, 5002, 6001


@dataclass
class DemoResult:
    ok: bool = True
    residents: list[Actor] = field(default_factory=list)
    digest_text: str = ""
    files: dict[str, Path] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


async def run_script(config: Config, out_dir: Path, out: TextIO | None = None) -> DemoResult:
    folder = demo.temporary_folder()
    transcript = Transcript(out)
    result = DemoResult()
    start = demo.last_monday(datetime.now(UTC), config.general.tz)
    env = await demo.start_environment(config, folder, start=start)
    try:
        wijk = config.wijk(demo.DEMO_WIJK)
        transcript.heading(f"Offline demo: a week in {wijk.name if wijk else demo.DEMO_WIJK}")
        transcript.say(f"  fake Telegram at {env.server.base_url}, database in {folder}")
        await play_week(env, transcript, result, out_dir)
    except Exception as exc:
        result.ok = False
        result.problems.append(f"{type(exc).__name__}: {exc}")
        transcript.say(f"\n!! the demo stopped: {type(exc).__name__}: {exc}")
        raise
    finally:
        (out_dir / "transcript.txt").write_text("\n".join(transcript.lines) + "\n", encoding="utf-8")
        result.files["transcript"] = out_dir / "transcript.txt"
        await demo.stop_environment(env)
        demo.remove_folder(folder)
    return result


def _invite(env: DemoEnvironment, role: Role) -> str:
    with env.services.db.session() as session:
        wijk = people.wijk_by_slug(session, demo.DEMO_WIJK)
        assert wijk is not None
        _, code = invites.create_invite(
            session, role=role, wijken=[wijk], now=env.clock.now(), expires_in=timedelta(days=7)
        )
    link = invites.invite_link(env.services.bot_username, code)
    return link


async def play_week(env: DemoEnvironment, transcript: Transcript, result: DemoResult, out_dir: Path) -> None:
    h = env.harness
    transcript.heading("Monday: the coach and a BIG member join by invite link")
    coach_link = _invite(env, Role.COACH)
    transcript.say(f"  admin: wijkbot invite --role coach --wijk {demo.DEMO_WIJK}  ->  {coach_link}")
    coach = Actor(h.user(COACH_ID, "Coach Sanne"), "Sanne (wijkcoach)", transcript)
    await coach.send("/start " + coach_link.split("start=", 1)[1])
    await coach.press("Akkoord")
    big_link = _invite(env, Role.BIG)
    transcript.say(f"  admin: wijkbot invite --role big --wijk {demo.DEMO_WIJK}  ->  {big_link}")
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
