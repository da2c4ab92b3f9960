"""Invite links: valid, expired, used up, unknown, wrong format, the 64-character limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.cli.wijkbot import main as cli_main
from bot.context import Services
from bot.fake_telegram import Harness
from bot.people import invites, persons
from models import Invite, Membership, Person, Role
from tests.helpers import invite_code, onboard


def roles_of(services: Services, telegram_id: int) -> set[tuple[str, str]]:
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == telegram_id)).one()
        rows = session.exec(select(Membership).where(Membership.person_id == person.id)).all()
        slugs = {w.id: w.slug for w in persons.active_wijken(session)}
        return {(m.role, slugs[m.wijk_id]) for m in rows}


async def test_valid_invite_grants_role_after_consent(bot: Harness, services: Services) -> None:
    code = invite_code(services, Role.COACH, "elsrijk")
    assert len(code) >= 22  # 128 bits, URL-safe
    coach = bot.user(2001, "Carla")
    replies = await coach.send(f"/start {code}")
    assert "uitgenodigd als wijkcoach" in replies[0].plain_text
    with services.db.session() as session:
        assert session.exec(select(Person)).all() == []  # not before consent
        assert session.exec(select(Invite)).one().uses == 0
    replies = await coach.press("Akkoord")
    assert any("Je bent nu wijkcoach voor Elsrijk" in m.plain_text for m in replies)
    assert roles_of(services, 2001) == {("coach", "elsrijk")}
    assert "Je wijk: Elsrijk" in coach.last.plain_text
    with services.db.session() as session:
        invite = session.exec(select(Invite)).one()
        assert invite.uses == 1
        assert invite.code_hash != code and code not in invite.code_hash  # stored hashed


async def test_an_invite_survives_switching_the_language_before_consent(
    bot: Harness, services: Services
) -> None:
    # Nothing is stored before consent: the code rides on the buttons, the language one too.
    code = invite_code(services, Role.COACH, "elsrijk")
    carla = bot.user(2001, "Carla")
    await carla.send(f"/start {code}")
    await carla.press("English")
    await carla.press("Nederlands")
    replies = await carla.press("English")
    assert "I agree" in carla.last.button_texts[0]
    replies = await carla.press("I agree")
    assert any("Your role for Elsrijk is now district coach" in m.plain_text for m in replies), [
        m.plain_text for m in replies
    ]
    assert roles_of(services, 2001) == {("coach", "elsrijk")}
    with services.db.session() as session:
        assert session.exec(select(Invite)).one().uses == 1


async def test_invite_for_existing_person(bot: Harness, services: Services) -> None:
    alice = await onboard(bot, 1001, "Alice", wijk="Randwijck")
    code = invite_code(services, Role.PARTNER, "elsrijk", "stadshart")
    (question,) = await alice.send(f"/start {code}")
    assert "partner voor Elsrijk en Stadshart" in question.plain_text
    assert roles_of(services, 1001) == {("resident", "randwijck")}  # not before she says yes
    await alice.press("Akkoord")
    assert "Gelukt. Je bent nu partner voor Elsrijk en Stadshart." in alice.last.plain_text
    assert roles_of(services, 1001) == {
        ("resident", "randwijck"),
        ("partner", "elsrijk"),
        ("partner", "stadshart"),
    }


async def test_an_invite_for_another_wijk_asks_first_and_the_poll_is_for_that_wijk(
    bot: Harness, services: Services
) -> None:
    """A resident of Elsrijk opens a BIG invite for Stadshart: asked first, told that the role
    is for Stadshart and her wijk stays Elsrijk; the poll she may then start is Stadshart's."""
    anna = await onboard(bot, 1001, "Anna")
    code = invite_code(services, Role.BIG, "stadshart")
    (question,) = await anna.send(f"/start {code}")
    assert "Je bent uitgenodigd als lid van de BIG voor Stadshart." in question.plain_text
    assert "Je wijk is Elsrijk. Dat blijft zo. De rol is alleen voor Stadshart." in (
        question.plain_text
    )
    assert question.button_texts == ["Akkoord", "Liever niet"]
    assert roles_of(services, 1001) == {("resident", "elsrijk")}
    with services.db.session() as session:
        assert session.exec(select(Invite)).one().uses == 0

    (declined,) = await anna.press("Liever niet")
    assert "Je hebt de rol niet aangenomen." in declined.plain_text
    assert "Je wijk: Elsrijk" in declined.plain_text  # the question became the menu
    assert "Nieuwe stemming" not in declined.button_texts
    assert roles_of(services, 1001) == {("resident", "elsrijk")}

    (question,) = await anna.send(f"/start {code}")
    (menu,) = await anna.press("Akkoord")
    assert menu.message_id == question.message_id
    said = "Gelukt. Je bent nu lid van de BIG voor Stadshart. Je wijk blijft Elsrijk."
    assert said in menu.plain_text and "Je wijk: Elsrijk" in menu.plain_text
    assert roles_of(services, 1001) == {("resident", "elsrijk"), ("big", "stadshart")}
    # Akkoord again (the same message, or the press delivered again): nothing twice.
    await anna.press("Akkoord", message=question)
    with services.db.session() as session:
        assert session.exec(select(Invite)).one().uses == 1
        stadshart = persons.wijk_by_slug(session, "stadshart")
        assert stadshart is not None

    await anna.send("/menu")
    (asked,) = await anna.press("Nieuwe stemming")
    assert "Nieuwe stemming voor Stadshart" in asked.plain_text
    assert bot.app.user_data[1001]["flow"]["data"]["wijk_id"] == stadshart.id


async def test_an_invite_that_gives_nothing_tells_a_resident_what_is_true(
    bot: Harness, services: Services
) -> None:
    """Expired, used up or held already: no "you can still join as a resident" to someone who
    has joined."""
    anna = await onboard(bot, 1001, "Anna")
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        _, expired = invites.create_invite(
            session,
            role=Role.BIG,
            wijken=[wijk],
            now=services.clock.now() - timedelta(days=8),
            expires_in=timedelta(days=7),
        )
    replies = await anna.send(f"/start {expired}")
    assert replies[0].plain_text == (
        "Deze uitnodiging is verlopen. Vraag een nieuwe aan degene die je de link stuurde."
    )
    assert "Je wijk: Elsrijk" in replies[-1].plain_text
    used = invite_code(services, Role.BIG, "elsrijk")
    bert = bot.user(1003, "Bert")
    await bert.send(f"/start {used}")
    await bert.press("Akkoord")
    replies = await anna.send(f"/start {used}")
    assert "al gebruikt" in replies[0].plain_text and "als bewoner" not in replies[0].plain_text
    replies = await bert.send(f"/start {used}")
    assert replies[0].plain_text == "Je bent al lid van de BIG voor Elsrijk."
    assert roles_of(services, 1001) == {("resident", "elsrijk")}


async def test_choosing_a_wijk_where_one_has_a_role_only_changes_the_view(
    bot: Harness, services: Services
) -> None:
    """A partner who looks at their own wijk must not turn into a resident who may react there."""
    alice = await onboard(bot, 1001, "Alice", wijk="Randwijck")
    await alice.send(f"/start {invite_code(services, Role.PARTNER, 'elsrijk', 'stadshart')}")
    await alice.press("Akkoord")
    await alice.send("/wijk")
    await alice.press("Elsrijk")
    assert "Je wijk: Elsrijk" in alice.last.plain_text
    assert roles_of(services, 1001) == {
        ("resident", "randwijck"),
        ("partner", "elsrijk"),
        ("partner", "stadshart"),
    }

    await alice.send("/wijk")  # a wijk without a role: she moved house, residency moves along
    await alice.press("Groenelaan")
    assert "Je wijk: Groenelaan" in alice.last.plain_text
    assert roles_of(services, 1001) == {
        ("resident", "groenelaan"),
        ("partner", "elsrijk"),
        ("partner", "stadshart"),
    }


async def test_used_up_invite(bot: Harness, services: Services) -> None:
    code = invite_code(services, Role.BIG, "elsrijk", uses=1)
    first = bot.user(2001, "Eerste")
    await first.send(f"/start {code}")
    await first.press("Akkoord")
    second = bot.user(2002, "Tweede")
    replies = await second.send(f"/start {code}")
    assert "al gebruikt" in replies[0].plain_text
    assert "Je kunt wel meedoen als bewoner." in replies[0].plain_text  # a newcomer can
    assert "Eerst over je gegevens" in replies[-1].plain_text  # continues as a resident
    await second.press("Akkoord")
    await second.press("Elsrijk")
    assert roles_of(services, 2002) == {("resident", "elsrijk")}


async def test_invite_used_up_between_start_and_consent(bot: Harness, services: Services) -> None:
    code = invite_code(services, Role.BIG, "elsrijk", uses=1)
    a, b = bot.user(2001, "A"), bot.user(2002, "B")
    await a.send(f"/start {code}")
    await b.send(f"/start {code}")
    await a.press("Akkoord")
    replies = await b.press("Akkoord")
    assert any("al gebruikt" in m.plain_text for m in replies)
    assert ("big", "elsrijk") not in roles_of(services, 2002)


async def test_expired_invite(bot: Harness, services: Services) -> None:
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        _, code = invites.create_invite(
            session,
            role=Role.COACH,
            wijken=[wijk],
            now=services.clock.now() - timedelta(days=8),
            expires_in=timedelta(days=7),
        )
    coach = bot.user(2001, "Late")
    replies = await coach.send(f"/start {code}")
    assert "verlopen" in replies[0].plain_text


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ("AAAAAAAAAAAAAAAAAAAAAA", "ken ik niet"),  # well-formed, unknown
        ("bad*code!", "klopt niet"),  # characters Telegram never puts in a deep link
        ("x" * 65, "klopt niet"),  # over Telegram's 64-character limit
        ("two words", "klopt niet"),
    ],
)
async def test_bad_codes(bot: Harness, services: Services, payload: str, expected: str) -> None:
    someone = bot.user(2003, "Iemand")
    replies = await someone.send(f"/start {payload}")
    assert expected in replies[0].plain_text
    assert "Eerst over je gegevens" in replies[-1].plain_text
    with services.db.session() as session:
        assert session.exec(select(Person)).all() == []


def test_create_invite_validates(services: Services) -> None:
    with services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        with pytest.raises(ValueError):
            invites.create_invite(
                session, role=Role.RESIDENT, wijken=[wijk], now=services.clock.now()
            )
        with pytest.raises(ValueError):
            invites.create_invite(session, role=Role.COACH, wijken=[], now=services.clock.now())
        with pytest.raises(ValueError):
            invites.create_invite(
                session, role=Role.COACH, wijken=[wijk], now=services.clock.now(), uses=0
            )


@pytest.mark.parametrize(
    ("text", "hours"), [("12h", 12), ("7d", 168), ("2w", 336), ("30min", 0.5), (" 3 D ", 72)]
)
def test_parse_duration(text: str, hours: float) -> None:
    assert invites.parse_duration(text) == timedelta(hours=hours)


@pytest.mark.parametrize(
    "text", ["", "7", "d", "0d", "-1d", "7y", "30m", "1mo", "2 months", "12hours"]
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        invites.parse_duration(text)


def test_cli_invite_prints_link(
    services: Services,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path,
) -> None:
    monkeypatch.setenv(
        "WIJKBOT_DATABASE_URL", str(services.db.engine.url.render_as_string(hide_password=False))
    )
    monkeypatch.setenv("WIJKBOT_MUNICIPALITY_BOT_USERNAME", "wijkspiegel_bot")
    monkeypatch.delenv("WIJKBOT_TOKEN", raising=False)
    code = cli_main(
        [
            "--config",
            "config.example.toml",
            "invite",
            "--role",
            "big",
            "--wijk",
            "elsrijk",
            "--uses",
            "3",
            "--expires",
            "2w",
        ]
    )
    assert code == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://t.me/wijkspiegel_bot?start=")
    payload = link.split("start=", 1)[1]
    assert invites.PAYLOAD.match(payload)
    with services.db.session() as session:
        found = invites.check(session, payload, services.clock.now())
    assert found.status is invites.RedeemStatus.OK and found.role is Role.BIG

    assert (
        cli_main(
            ["--config", "config.example.toml", "invite", "--role", "big", "--wijk", "nergens"]
        )
        == 2
    )
    assert "unknown wijk 'nergens'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--note", "voor de coach van Assendorp, " * 10, "--note is at most 200 characters"),
        ("--uses", "99999999999", "--uses must be between 1 and 10000"),
        ("--uses", "0", "--uses must be between 1 and 10000"),
    ],
)
def test_cli_invite_refuses_a_long_note_or_too_many_uses(
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    option: str,
    value: str,
    says: str,
) -> None:
    """The same line on both databases (PostgreSQL failed on them, SQLite stored them)."""
    monkeypatch.setenv("WIJKBOT_MUNICIPALITY_BOT_USERNAME", "wijkspiegel_bot")
    args = ["--config", "config.example.toml", "invite", "--role", "coach", "--wijk", "elsrijk"]
    assert cli_main([*args, option, value]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(says) and captured.err.count("\n") == 1
    with cli_services.db.session() as session:
        assert session.exec(select(Invite)).all() == []


async def test_opening_an_invite_again_uses_nothing(bot: Harness, services: Services) -> None:
    """A BIG member who opens the group's link again (a second phone, a forwarded message) must
    not use up the places meant for the others."""
    code = invite_code(services, Role.BIG, "elsrijk", uses=2)
    member = bot.user(2001, "Bram")
    await member.send(f"/start {code}")
    await member.press("Akkoord")
    for _ in range(3):
        replies = await member.send(f"/start {code}")
        assert not any("al gebruikt" in m.plain_text for m in replies)
    with services.db.session() as session:
        assert session.exec(select(Invite)).one().uses == 1
    other = bot.user(2002, "Olga")
    replies = await other.send(f"/start {code}")
    assert "uitgenodigd als" in replies[0].plain_text
    await other.press("Akkoord")
    assert ("big", "elsrijk") in roles_of(services, 2002)
    with services.db.session() as session:
        assert session.exec(select(Invite)).one().uses == 2
    # Used up now: the member who opens it again is not told so, a newcomer is.
    replies = await member.send(f"/start {code}")
    assert not any("al gebruikt" in m.plain_text for m in replies)
    late = bot.user(2003, "Laat")
    replies = await late.send(f"/start {code}")
    assert "al gebruikt" in replies[0].plain_text


def test_cli_invite_says_until_when_the_link_works(
    cli_services: Services, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The output was the link alone: `--expires 1m` (meant: a month) made a link that worked
    one minute, and nobody noticed until the coach found it dead. Now `m` is refused as
    ambiguous, and beside the link stands until when (the municipality's time) and for how
    many people it works."""
    from bot.core.clock import Clock

    monkeypatch.setenv("WIJKBOT_MUNICIPALITY_BOT_USERNAME", "wijkspiegel_bot")
    args = ["--config", "config.example.toml", "invite", "--role", "coach", "--wijk", "elsrijk"]
    assert cli_main([*args, "--expires", "1m"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "--expires 1m: is that minutes or months? Write minutes as 1min; a month as days or "
        "weeks, e.g. 30d or 4w\n"
    )
    with cli_services.db.session() as session:
        assert session.exec(select(Invite)).all() == []

    # Tuesday 1 December 2026, 09:15 in Amsterdam (UTC+1).
    moment = datetime(2026, 12, 1, 8, 15, tzinfo=UTC)
    monkeypatch.setattr(Clock, "now", lambda self: moment)  # the command line's own clock
    wijk = ["--wijk", "stadshart", "--uses", "30", "--expires", "30d"]
    assert cli_main([*args, *wijk, "--role", "big"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("https://t.me/wijkspiegel_bot?start=")
    assert captured.out.count("\n") == 1  # the link alone, for a script
    assert captured.err == (
        "works until Thursday 31 December 2026 09:15 (Europe/Amsterdam), for 30 people: "
        "big in elsrijk, stadshart\n"
    )
    # A day before the 10th without a leading zero: "Tuesday 8 December", not "08".
    assert cli_main([*args, "--expires", "7d"]) == 0
    assert capsys.readouterr().err == (
        "works until Tuesday 8 December 2026 09:15 (Europe/Amsterdam), for 1 person: "
        "coach in elsrijk\n"
    )
