"""`wijkbot demo --interactive`: the demo's fake Telegram and real bot, and you as a resident.

Buttons are shown numbered; type a number to press one. Anything else is sent as a message.
`!foto tekst` sends a photo with that caption, `!plek` a location, `q` stops.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bot.core.config import Config
from bot.demo import environment
from bot.fake_telegram.users import BotMessage
from bot.people import persons
from bot.spiegel import mirror

INTRO = """Offline demo, interactive. You are a resident in a chat with the real bot;
its Telegram is a local fake. Buttons are numbered: type the number to press one.
Anything else is sent as a message.
  !foto <text>   send a photo with that caption      !plek   send a location
  q              stop
"""


def main_interactive(config_path: Path | None) -> int:
    """`wijkbot demo --interactive`."""
    notice = environment.not_your_config(config_path, os.environ)
    if notice:
        print(notice)
    return asyncio.run(run_interactive(environment.demo_config()))


class Session:
    """What is on screen: the numbered buttons of the messages shown last."""

    def __init__(self, show: Callable[[str], None]) -> None:
        self.show = show
        self.buttons: dict[int, tuple[BotMessage, str]] = {}

    def render(self, messages: list[BotMessage]) -> None:
        self.buttons.clear()
        number = 1
        for message in messages:
            text = (
                message.plain_text
                if message.kind != "poll" or message.poll is None
                else (
                    message.poll.question + "\n" + "\n".join(f"- {o}" for o in message.poll.options)
                )
            )
            self.show(("(edited) " if message.edited else "") + (text or f"[{message.kind}]"))
            for row in message.buttons:
                labels = []
                for button in row:
                    if button.callback_data is None:
                        continue
                    self.buttons[number] = (message, button.text)
                    labels.append(f"[{number}] {button.text}")
                    number += 1
                if labels:
                    self.show("   " + "   ".join(labels))
            self.show("")


async def run_interactive(
    config: Config,
    *,
    read: Callable[[str], str] = input,
    show: Callable[[str], None] = print,
) -> int:
    folder = environment.temporary_folder()
    env = await environment.start_environment(config, folder, start=datetime.now(UTC))
    try:
        _import_examples(env)
        show(INTRO)
        me = env.harness.user(7001, "Jij", language_code="nl")
        screen = Session(show)
        screen.render(await me.send("/start"))
        loop = asyncio.get_running_loop()
        while True:
            try:
                line = (await loop.run_in_executor(None, read, "> ")).strip()
            except EOFError:
                break
            if line in ("q", "quit", "exit", "stop"):
                break
            if not line:
                continue
            if line.isdigit() and int(line) in screen.buttons:
                message, label = screen.buttons[int(line)]
                replies = await me.press(label, message=message)
            elif line.startswith("!foto"):
                replies = await me.send_photo(caption=line[len("!foto") :].strip() or None)
            elif line.startswith("!plek"):
                replies = await me.send_location(52.3008, 4.8631)
            else:
                replies = await me.send(line)
            screen.render(replies or [])
            for alert in me.alerts:
                show(f"(melding van de bot: {alert})")
            me.alerts.clear()
    finally:
        await environment.stop_environment(env)
        environment.remove_folder(folder)
    show("Gestopt. De tijdelijke database is weg.")
    return 0


def _import_examples(env: environment.DemoEnvironment) -> None:
    """The example spiegel editions, so the Spiegel menu has something to show."""
    themes = {t.slug for t in env.services.config.themes}
    folder = Path(__file__).resolve().parents[2] / "spiegels"
    for path in sorted(folder.glob("*.example.toml")):
        parsed = mirror.parse_toml(path.read_text(encoding="utf-8"), themes)
        slug = path.name.split("-")[0]
        with env.services.db.session() as session:
            wijk = persons.wijk_by_slug(session, slug)
            if wijk is not None:
                mirror.import_edition(session, wijk, 2026, parsed)
