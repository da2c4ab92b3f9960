"""An administrator lists who holds a granted role and takes one back (bot/people/roles.py, the
`wijkbot roles` and `wijkbot revoke` commands), on both databases; the coach who lost the role is
refused by the running bot, gets no digest and loses the coach's command menu."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select
from telegram import BotCommandScopeChat

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.i18n import t
from bot.digest import jobs
from bot.fake_telegram import FakeTelegram, FakeTelegramServer, Harness
from bot.people import persons, roles
from models import Membership, Person, Role
from tests.digest.test_digest import person
from tests.helpers import FAKE_TOKEN, join_as, next_weekday_at, onboard
from tests.telegram.test_command_menu import menu, shown_menu

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def run(*args: str) -> int:
    return cli.main(["--config", str(EXAMPLE), *args])


def memberships(services: Services, telegram_id: int) -> list[tuple[str, str]]:
    with services.db.session() as session:
        found = session.exec(
            select(Membership).join(Person).where(Person.telegram_id == telegram_id)
        ).all()
        slugs = {w.id: w.slug for w in persons.active_wijken(session)}
    return sorted((slugs[m.wijk_id], m.role) for m in found)


def current_wijk(services: Services, telegram_id: int) -> str | None:
    with services.db.session() as session:
        found = persons.get_person(session, telegram_id)
        assert found is not None
        if found.current_wijk_id is None:
            return None
        wijk = persons.wijk_by_id(session, found.current_wijk_id)
        return wijk.slug if wijk is not None else None


def revoke(services: Services, who: str, role: Role, *slugs: str) -> roles.Revoked:
    with services.db.session() as session:
        wijken = [w for s in slugs if (w := persons.wijk_by_slug(session, s)) is not None]
        return roles.revoke(session, who, role, wijken)


def test_holders_name_only_who_shares_it(services: Services) -> None:
    person(services, 7001, role=Role.COACH, name="Carla")
    person(services, 7002, role=Role.PARTNER, slug="groenelaan")
    person(services, 7003)  # a resident: not a granted role
    with services.db.session() as session:
        found = roles.holders(session)
        elsrijk = persons.wijk_by_slug(session, "elsrijk")
        assert elsrijk is not None
        only_elsrijk = roles.holders(session, [elsrijk])
    assert [(h.wijk, h.role, h.telegram_id, h.name) for h in found] == [
        ("elsrijk", Role.COACH, 7001, "Carla"),
        ("groenelaan", Role.PARTNER, 7002, None),
    ]
    assert [h.telegram_id for h in only_elsrijk] == [7001]


def test_revoke_by_telegram_id_leaves_other_roles(services: Services) -> None:
    person(services, 7001, role=Role.COACH)
    person(services, 7001, role=Role.BIG)
    person(services, 7001, role=Role.COACH, slug="groenelaan")
    result = revoke(services, "7001", Role.COACH, "elsrijk")
    assert result.status is roles.RevokeStatus.REVOKED and result.wijken == ["elsrijk"]
    assert "coach" in result.roles_left  # still coach of Groenelaan
    assert memberships(services, 7001) == [("elsrijk", "big"), ("groenelaan", "coach")]
    assert current_wijk(services, 7001) == "elsrijk"  # still BIG member there
    again = revoke(services, "7001", Role.COACH, "elsrijk")
    assert again.status is roles.RevokeStatus.NOT_HELD and "coach" in again.roles_left


def test_revoke_moves_the_current_wijk_to_where_one_lives(services: Services) -> None:
    person(services, 7001, role=Role.COACH)  # current wijk: elsrijk
    person(services, 7001, slug="groenelaan")  # lives in Groenelaan
    result = revoke(services, "7001", Role.COACH, "elsrijk")
    assert result.status is roles.RevokeStatus.REVOKED and result.roles_left == {"resident"}
    assert memberships(services, 7001) == [("groenelaan", "resident")]
    assert current_wijk(services, 7001) == "groenelaan"
    person(services, 7002, role=Role.PARTNER)  # a role and nothing else
    assert revoke(services, "7002", Role.PARTNER, "elsrijk").status is roles.RevokeStatus.REVOKED
    assert memberships(services, 7002) == [] and current_wijk(services, 7002) is None


def test_revoke_by_pseudonym(services: Services) -> None:
    person(services, 7001, role=Role.COACH)  # Buur-7001
    person(services, 17003, role=Role.BIG)  # Buur-7003, another role
    person(services, 7002, role=Role.COACH)
    assert revoke(services, "buur-7001", Role.COACH, "elsrijk").telegram_id == 7001
    assert memberships(services, 17003) == [("elsrijk", "big")]
    assert revoke(services, "Buur-%", Role.COACH, "elsrijk").status is roles.RevokeStatus.NO_PERSON
    assert revoke(services, "Buur-9", Role.COACH, "elsrijk").status is roles.RevokeStatus.NO_PERSON
    # A pseudonym is one person's (a unique index): it never fits two coaches.
    assert ("elsrijk", "coach") in memberships(services, 7002)
    assert revoke(services, "424242", Role.COACH, "elsrijk").status is roles.RevokeStatus.NO_PERSON
    with pytest.raises(ValueError):
        revoke(services, "7002", Role.RESIDENT, "elsrijk")


def test_a_wijk_of_many_buurten_is_mirrored(
    cli_services: Services, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A spiegel wijk made of 60 CBS buurten (660 characters of codes) works on both databases."""
    codes = [f"BU0362{i:04d}" for i in range(1, 61)]
    listed = ", ".join(f'"{code}"' for code in codes)
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        'cbs_wijk_codes = ["WK036203"]',
        f'cbs_wijk_codes = ["WK036203"]\ncbs_buurt_codes = [{listed}]',
    )
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    assert cli.main(["--config", str(config), "roles"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    with cli_services.db.session() as session:
        elsrijk = persons.wijk_by_slug(session, "elsrijk")
        assert elsrijk is not None and elsrijk.cbs_codes == ",".join(["WK036203", *codes])


def test_cli_says_nobody_holds_a_role_for_the_wijken_asked(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --wijk no wijk was named: "there" pointed at nothing. It says every wijk; with
    --wijk, the wijken named."""
    assert run("roles") == 0
    out = capsys.readouterr().out.strip()
    assert out == "nobody holds a coach, admin, BIG or partner role in any wijk yet"
    person(cli_services, 7001, role=Role.COACH, name="Carla")
    assert run("roles", "--wijk", "groenelaan") == 0
    out = capsys.readouterr().out.strip()
    assert out == "nobody holds a coach, admin, BIG or partner role in groenelaan yet"
    assert run("roles", "--wijk", "groenelaan", "--wijk", "stadshart") == 0
    out = capsys.readouterr().out.strip()
    assert out == "nobody holds a coach, admin, BIG or partner role in groenelaan or stadshart yet"


def test_cli_lists_and_revokes(cli_services: Services, capsys: pytest.CaptureFixture[str]) -> None:
    person(cli_services, 7001, role=Role.COACH, name="Carla")
    person(cli_services, 7002, role=Role.PARTNER, slug="groenelaan")
    assert run("roles") == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert out[0].split()[:5] == ["elsrijk", "coach", "7001", "Buur-7001", "(Carla)"]
    assert out[1].split()[:4] == ["groenelaan", "partner", "7002", "Buur-7002"]
    assert run("roles", "--wijk", "groenelaan") == 0
    assert "Carla" not in capsys.readouterr().out

    assert run("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "Buur-7001") == 0
    captured = capsys.readouterr()
    assert "Buur-7001 (7001) is no longer coach in elsrijk" in captured.out
    assert "no bot token" in captured.err  # the menu stays until the token is there
    assert memberships(cli_services, 7001) == [] and current_wijk(cli_services, 7001) is None

    assert run("revoke", "--role", "coach", "--wijk", "nergens", "--person", "7002") == 2
    assert "unknown wijk 'nergens'" in capsys.readouterr().err
    assert run("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "Buur-1") == 2
    assert "no coach 'Buur-1' in elsrijk" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # argparse: the resident role is not offered
        run("revoke", "--role", "resident", "--wijk", "elsrijk", "--person", "7002")


def test_revoking_a_role_the_person_does_not_hold_is_refused(
    cli_services: Services, capsys: pytest.CaptureFixture[str]
) -> None:
    """Revoking a role the person does not hold did nothing but exited 0 ("was not big in
    stadshart"), so a script could not tell the typo: exit 2, as for an unknown person."""
    person(cli_services, 7001, role=Role.COACH)
    assert run("revoke", "--role", "big", "--wijk", "stadshart", "--person", "7001") == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "Buur-7001 (7001) is not big in stadshart: nothing taken back (see `wijkbot roles`)\n"
    )
    assert memberships(cli_services, 7001) == [("elsrijk", "coach")]
    assert run("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "7001") == 0
    capsys.readouterr()
    assert run("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "7001") == 2
    assert "is not coach in elsrijk: nothing taken back" in capsys.readouterr().err


async def test_revoking_again_with_a_token_still_sets_the_menu(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Revoked without a token, the menu stays; the same command again with the token sets it,
    and says (exit 2) that there was no role left to take back."""
    await join_as(bot, cli_services, 2001, "Carla", Role.COACH, "elsrijk")
    args = ("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "2001")
    assert await asyncio.to_thread(run, *args) == 0
    assert "no bot token" in capsys.readouterr().err
    assert "wijkoverzicht" in menu(fake, BotCommandScopeChat(2001))
    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        assert await asyncio.to_thread(run, *args) == 2
    captured = capsys.readouterr()
    assert "is not coach in elsrijk: nothing taken back" in captured.err
    assert "their own command menu is removed" in captured.out
    assert menu(fake, BotCommandScopeChat(2001)) == []


async def revoke_coach_2001(fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    """`wijkbot revoke` of 2001's coach role in Elsrijk, talking to the fake Bot API."""
    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        args = ("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "2001")
        assert await asyncio.to_thread(run, *args) == 0


async def test_a_revoked_coach_is_refused_and_loses_menu_and_digest(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    coach = await join_as(bot, cli_services, 2001, "Carla", Role.COACH, "elsrijk")
    await onboard(bot, 2002, "Bert")
    assert "wijkoverzicht" in menu(fake, BotCommandScopeChat(2001))
    await coach.send("/digest")
    assert t("nl", "digest.coach_only") not in coach.last.plain_text
    # A Monday after the default 08:00, after the coach joined (their membership has the real time).
    now = next_weekday_at(cli_services.clock.now(), 0, 9)
    with cli_services.db.session() as session:
        assert [d.coach_id for d in jobs.find_due(session, cli_services.config, now)]

    # The command line, as another process would, against the same (fake) Telegram.
    await revoke_coach_2001(fake, monkeypatch)
    assert "their own command menu is removed" in capsys.readouterr().out

    assert menu(fake, BotCommandScopeChat(2001)) == []  # back to everyone's menu
    await coach.send("/digest")
    assert coach.last.plain_text == t("nl", "digest.coach_only")
    with cli_services.db.session() as session:
        assert jobs.find_due(session, cli_services.config, now) == []


async def test_a_revoked_coach_who_chose_english_keeps_a_menu_in_english(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The coach's Telegram app is in Dutch (as the bot stored it): a coach who chose English
    keeps a menu of her own, everyone's commands in English, rather than get the Dutch one."""
    coach = await join_as(bot, cli_services, 2001, "Carla", Role.COACH, "elsrijk")
    await coach.send("/taal")
    await coach.press("English")
    assert "summary" in menu(fake, BotCommandScopeChat(2001))

    await revoke_coach_2001(fake, monkeypatch)

    shown = menu(fake, BotCommandScopeChat(2001))
    assert "mydata" in shown and "summary" not in shown and "mijngegevens" not in shown, shown


async def test_a_revoked_coach_who_chose_dutch_with_an_english_app_keeps_a_dutch_menu(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Carla's Telegram app is in English; she chose Nederlands. The command line takes the
    app's language from what the bot stored: her chat keeps a menu of its own, everyone's
    commands in Dutch, rather than fall back to everyone's menu, which her app shows in English."""
    coach = await join_as(
        bot, cli_services, 2001, "Carla", Role.COACH, "elsrijk", language_code="en"
    )
    await coach.send("/language")
    await coach.press("Nederlands")
    assert "wijkoverzicht" in menu(fake, BotCommandScopeChat(2001))

    await revoke_coach_2001(fake, monkeypatch)

    shown = shown_menu(fake, 2001, "en")
    assert "mijngegevens" in shown and "mydata" not in shown, shown
    assert "wijkoverzicht" not in shown


async def test_revoking_a_role_sets_the_menu_to_what_the_person_may_still_do(
    bot: Harness,
    cli_services: Services,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A coach who is a partner elsewhere keeps a partner's menu (no coach's commands, no
    /stemmen); a partner no more gets everyone's, /stemmen included."""
    await join_as(bot, cli_services, 2001, "Carla", Role.COACH, "elsrijk")
    await join_as(bot, cli_services, 2001, "Carla", Role.PARTNER, "stadshart")
    await join_as(bot, cli_services, 2101, "Pieter", Role.PARTNER, "elsrijk")
    assert "wijkoverzicht" in menu(fake, BotCommandScopeChat(2001))
    assert "stemmen" not in menu(fake, BotCommandScopeChat(2101))

    async with FakeTelegramServer(fake) as server:
        monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
        monkeypatch.setenv("WIJKBOT_BOT_API_URL", server.base_url)
        args = ("revoke", "--role", "coach", "--wijk", "elsrijk", "--person", "2001")
        assert await asyncio.to_thread(run, *args) == 0
        assert "now shows what they may still do" in capsys.readouterr().out
        carla = menu(fake, BotCommandScopeChat(2001))
        assert carla and not {"wijkoverzicht", "meldingen", "bureau", "stemmen"} & set(carla)
        args = ("revoke", "--role", "partner", "--wijk", "elsrijk", "--person", "2101")
        assert await asyncio.to_thread(run, *args) == 0
        assert "their own command menu is removed" in capsys.readouterr().out
        assert menu(fake, BotCommandScopeChat(2101)) == []  # everyone's, with /stemmen
        # A BIG member no more: nothing in the menu changes, Telegram is not asked.
        await join_as(bot, cli_services, 2201, "Bert", Role.BIG, "elsrijk")
        calls = len(fake.calls_to("setMyCommands")) + len(fake.calls_to("deleteMyCommands"))
        args = ("revoke", "--role", "big", "--wijk", "elsrijk", "--person", "2201")
        assert await asyncio.to_thread(run, *args) == 0
        after = len(fake.calls_to("setMyCommands")) + len(fake.calls_to("deleteMyCommands"))
        assert after == calls
