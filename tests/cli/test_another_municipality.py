"""An administrator of another municipality (Zutphen, gemeentecode 0301, five wijken) installs the
bot from the README and config.example.toml and works on the command line: check-config with the
mistakes one makes, invites, a wijk removed from the configuration after people joined it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import wijkbot as cli
from bot.context import Services
from bot.core.config import load_config
from bot.fake_telegram import FakeTelegram, Harness
from bot.people import persons
from models import Membership, Person, Role, Wijk
from tests.conftest import make_app
from tests.helpers import FAKE_TOKEN, invite_code, join_as, onboard

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"
ZUTPHEN = [
    ("binnenstad", "Binnenstad", "WK030100"),
    ("noordveen", "Noordveen", "WK030101"),
    ("de-hoven", "De Hoven", "WK030102"),
    ("leesten", "Leesten", "WK030103"),
    ("warnsveld", "Warnsveld", "WK030110"),
]


def zutphen(wijken: list[tuple[str, str, str]] = ZUTPHEN) -> str:
    """config.example.toml with Amstelveen's settings and wijken swapped for Zutphen's."""
    text = EXAMPLE.read_text(encoding="utf-8")
    head = text.split("# The wijken of the wijkspiegel")[0]
    themes = text[text.index("# The mirror's life domains") :]
    head = head.replace('name = "Amstelveen"', 'name = "Zutphen"')
    head = head.replace('gemeentecode = "0362"', 'gemeentecode = "0301"')
    head = head.replace(
        'report_url = "https://www.amstelveen.nl"', 'report_url = "https://www.zutphen.nl"'
    )
    body = "".join(
        f'\n[[wijken]]\nslug = "{slug}"\nname = "{name}"\ncbs_wijk_codes = ["{code}"]\n'
        for slug, name, code in wijken
    )
    return f"{head}{body}\n{themes}"


def check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, text: str
) -> tuple[int, Path, str]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
    code = cli.main(["--config", str(path), "check-config"])
    out, err = capsys.readouterr()
    return code, path, out + err


def run(capsys: pytest.CaptureFixture[str], path: Path, *args: str) -> tuple[int, str]:
    try:
        code = cli.main(["--config", str(path), *args])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_zutphen_is_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, path, printed = check(tmp_path, capsys, monkeypatch, zutphen())
    assert (code, printed) == (0, f"{path}: OK (5 wijken, 9 themes)\n")


@pytest.mark.parametrize(
    "codes",
    ['cbs_wijk_codes = ["WK030103"]\n', 'cbs_wijk_codes = ["WK030103"]'],
    ids=["missing", "empty"],
)
def test_a_wijk_without_cbs_codes_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, codes: str
) -> None:
    """A [[wijken]] entry without codes passed as "OK": no postcode ever leads to it and it has no
    figures, while the README says each entry maps the wijk to CBS wijk (or buurt) codes."""
    new = "" if codes.endswith("\n") else "cbs_wijk_codes = []"
    code, path, printed = check(tmp_path, capsys, monkeypatch, zutphen().replace(codes, new, 1))
    assert code == 2
    assert printed.startswith(f"{path}: wijken[3].cbs_wijk_codes: ") and printed.count("\n") == 1
    assert "WK0301" in printed and "cbs_buurt_codes" in printed


def test_a_configuration_without_themes_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without [[themes]] it said "OK (5 wijken, 0 themes)" and the bot then asked residents to
    "Kies een onderwerp" with nothing to choose from."""
    text = zutphen()
    code, path, printed = check(tmp_path, capsys, monkeypatch, text[: text.index("\n[[themes]]")])
    assert code == 2
    assert printed.startswith(f"{path}: themes: ") and printed.count("\n") == 1
    assert "[[themes]]" in printed and "config.example.toml" in printed


def test_a_missing_gemeentecode_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without municipality.gemeentecode it said "OK", also with a wijk of another municipality
    (WK0362.., Amstelveen's) among Zutphen's: the check of the codes needs the gemeentecode."""
    text = zutphen().replace('gemeentecode = "0301"\n', "")
    text = text.replace('cbs_wijk_codes = ["WK030103"]', 'cbs_wijk_codes = ["WK036203"]')
    code, path, printed = check(tmp_path, capsys, monkeypatch, text)
    assert code == 2
    assert (
        printed.startswith(f"{path}: municipality.gemeentecode: missing")
        and printed.count("\n") == 1
    )


def test_an_empty_file_says_it_is_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty config.toml (a copy that went wrong) said "municipality.name: missing or empty"."""
    code, path, printed = check(tmp_path, capsys, monkeypatch, "# only a comment\n\n")
    assert code == 2
    assert printed.startswith(f"{path}: ") and printed.count("\n") == 1
    assert "empty" in printed and "config.example.toml" in printed
    assert "municipality.name" not in printed


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WIJKBOT_GENERAL_DEFAULT_LANGUAGE", "de"),
        ("WIJKBOT_GENERAL_TIMEZONE", "Europe/Zutphen"),
        ("WIJKBOT_DATABASE_URL", "mysql://zutphen@db/wijkbot"),
        ("WIJKBOT_DIGEST_WEEKDAY", "maandag"),
        ("WIJKBOT_MUNICIPALITY_GEMEENTECODE", "301"),
    ],
)
def test_a_wrong_value_from_the_environment_names_the_variable(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
) -> None:
    """`WIJKBOT_GENERAL_DEFAULT_LANGUAGE=de` said "config.toml: general.default_language:
    expected one of 'nl', 'en', got 'de'" while config.toml says "nl": the administrator
    searched the file. A wrong type already named the variable (WIJKBOT_DESK_PORT)."""
    monkeypatch.setenv(variable, value)
    code, path, printed = check(tmp_path, capsys, monkeypatch, zutphen())
    assert code == 2
    assert printed.startswith(f"{path}: {variable}: ") and printed.count("\n") == 1


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("timeout_seconds = 3.0", "timeout_seconds = -1.0", "opendata.timeout_seconds"),
        ("timeout_seconds = 3.0", "timeout_seconds = 0", "opendata.timeout_seconds"),
        ("timeout_seconds = 20.0", "timeout_seconds = -20.0", "digest.llm.timeout_seconds"),
        ("timeout_seconds = 10.0", "timeout_seconds = 0.0", "digest.embeddings.timeout_seconds"),
        ("threshold = 0.75", "threshold = 7.5", "digest.embeddings.threshold"),
        ("rate_max_retries = 3", "rate_max_retries = -3", "telegram.rate_max_retries"),
        (
            'pdok_url = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"',
            'pdok_url = "api.pdok.nl/bzk/locatieserver/search/v3_1"',
            "opendata.pdok_url",
        ),
        (
            'cbs_url = "https://opendata.cbs.nl/ODataApi/odata"',
            'cbs_url = "opendata.cbs.nl"',
            "opendata.cbs_url",
        ),
    ],
)
def test_values_nobody_could_mean_are_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    key: str,
) -> None:
    """A negative or zero timeout, a similarity above 1, a negative number of retries and an
    address without http(s):// all passed as "OK"; postcodes and figures then failed quietly."""
    text = zutphen()
    assert old in text
    code, path, printed = check(tmp_path, capsys, monkeypatch, text.replace(old, new, 1))
    assert code == 2, printed
    assert printed.startswith(f"{path}: {key}: ") and printed.count("\n") == 1


@pytest.mark.parametrize("username", ["zutphen bot", "https://t.me/zutphen_wijkbot", "t.me/zb"])
def test_a_bot_username_that_makes_no_link_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
) -> None:
    text = zutphen().replace('bot_username = ""', f'bot_username = "{username}"')
    code, path, printed = check(tmp_path, capsys, monkeypatch, text)
    assert code == 2
    assert printed.startswith(f"{path}: municipality.bot_username: ") and printed.count("\n") == 1


def zutphen_services(services: Services, path: Path) -> Services:
    """The test's database with Zutphen's configuration, its wijken stored as at start-up."""
    config = load_config(path, env={}, require_token=False)
    config = replace(config, database=services.config.database, telegram=services.config.telegram)
    result = Services(config=config, db=services.db, clock=services.clock)
    with result.db.session() as session:
        persons.sync_wijken(session, result.config)
    return result


def memberships(services: Services, telegram_id: int) -> list[tuple[str, str]]:
    with services.db.session() as session:
        found = session.exec(
            select(Membership, Wijk)
            .join(Person, Membership.person_id == Person.id)  # type: ignore[arg-type]
            .join(Wijk, Membership.wijk_id == Wijk.id)  # type: ignore[arg-type]
            .where(Person.telegram_id == telegram_id)
        ).all()
    return sorted((wijk.slug, membership.role) for membership, wijk in found)


async def test_the_bot_username_as_telegram_shows_it_makes_a_working_link(
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Telegram and BotFather show a username as "@zutphen_wijkbot"; set like that, `wijkbot
    invite` printed https://t.me/@zutphen_wijkbot?start=..., a link that opens no bot."""
    path = tmp_path / "config.toml"
    path.write_text(zutphen().replace('bot_username = ""', 'bot_username = "@zutphen_wijkbot"'))
    zutphen_services(cli_services, path)
    code, printed = run(capsys, path, "invite", "--role", "coach", "--wijk", "leesten")
    assert code == 0, printed
    assert printed.startswith("https://t.me/zutphen_wijkbot?start="), printed


async def test_an_invite_naming_a_wijk_twice_works(
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`wijkbot invite --role partner --wijk leesten --wijk leesten --wijk warnsveld` printed
    "partner in leesten, leesten, warnsveld", and the partner who pressed "I agree" got nothing:
    the bot failed on storing the role in leesten twice."""
    path = tmp_path / "config.toml"
    path.write_text(zutphen().replace('bot_username = ""', 'bot_username = "zutphen_bot"'))
    services = zutphen_services(cli_services, path)
    args = ("invite", "--role", "partner", "--wijk", "leesten", "--wijk", "leesten")
    code, printed = run(capsys, path, *args, "--wijk", "warnsveld")
    assert code == 0, printed
    assert "for 1 person: partner in leesten, warnsveld\n" in printed
    payload = printed.split("start=", 1)[1].split()[0]
    fake = FakeTelegram(bot_username="zutphen_bot")
    async with Harness(make_app(services, fake), fake) as bot:
        partner = bot.user(5001, "Petra", language_code="en")
        replies = await partner.send(f"/start {payload}")
        assert "invited to Leesten and Warnsveld with the role" in replies[0].plain_text
        replies = await partner.press("I agree")
        assert any("Your role for Leesten and Warnsveld is now" in m.plain_text for m in replies)
    assert memberships(services, 5001) == [("leesten", "partner"), ("warnsveld", "partner")]


@pytest.mark.parametrize(
    ("language", "agree", "says"),
    [
        ("nl", "Akkoord", "Deze uitnodiging hoort bij een wijk die er niet meer is."),
        ("en", "I agree", "This invitation is for a district that no longer exists."),
    ],
)
async def test_an_invite_for_a_wijk_removed_from_the_configuration_gives_no_role(
    cli_services: Services,
    tmp_path: Path,
    language: str,
    agree: str,
    says: str,
) -> None:
    """An unused BIG invite for Leesten, opened after Leesten was taken out of config.toml, said
    "Je bent uitgenodigd als lid van de BIG voor ." (no wijk) and, after Akkoord, "Gelukt. Je
    bent nu lid van de BIG voor .": a role in a wijk nobody can see any more."""
    path = tmp_path / "config.toml"
    path.write_text(zutphen())
    services = zutphen_services(cli_services, path)
    code = invite_code(services, Role.BIG, "leesten")
    path.write_text(zutphen([w for w in ZUTPHEN if w[0] != "leesten"]))
    services = zutphen_services(cli_services, path)
    fake = FakeTelegram(bot_username="zutphen_bot")
    async with Harness(make_app(services, fake), fake) as bot:
        newcomer = bot.user(4001, "Nina", language_code=language)
        replies = await newcomer.send(f"/start {code}")
        assert says in replies[0].plain_text
        assert all(
            " voor ." not in m.plain_text and " to  with" not in m.plain_text for m in replies
        )
        await newcomer.press(agree)
        assert memberships(services, 4001) == []


async def test_check_config_notes_a_removed_wijk_that_people_still_belong_to(
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Renaming Leesten's slug (or taking it out) left its coach and residents in a wijk the
    bot no longer shows, and `wijkbot check-config` said "OK (5 wijken, 9 themes)"."""
    path = tmp_path / "config.toml"
    path.write_text(zutphen())
    services = zutphen_services(cli_services, path)
    fake = FakeTelegram(bot_username="zutphen_bot")
    async with Harness(make_app(services, fake), fake) as bot:
        await join_as(bot, services, 2001, "Carla", Role.COACH, "leesten")
        await onboard(bot, 3001, "Rob", wijk="Leesten")
    renamed = [
        (("de-leesten", "De Leesten", "WK030103") if w[0] == "leesten" else w) for w in ZUTPHEN
    ]
    path.write_text(zutphen(renamed))
    zutphen_services(cli_services, path)  # the bot restarted with it
    monkeypatch.setenv("WIJKBOT_TOKEN", FAKE_TOKEN)
    code, printed = run(capsys, path, "check-config")
    assert code == 0
    lines = printed.splitlines()
    assert lines[0] == f"{path}: OK (5 wijken, 9 themes)"
    assert len(lines) == 2 and lines[1].startswith("note: wijk 'leesten' (Leesten) is not in ")
    assert "1 coach" in lines[1] and "1 resident" in lines[1]


async def test_without_a_config_file_the_example_does_not_take_over_the_database(
    cli_services: Services,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`wijkbot invite` run from another folder (no config.toml there, no WIJKBOT_CONFIG) with
    WIJKBOT_DATABASE_URL set took Amstelveen's example configuration: it switched Zutphen's five
    wijken off in the database, put Amstelveen's thirteen in, and made an invite for Elsrijk."""
    path = tmp_path / "config.toml"
    path.write_text(zutphen())
    services = zutphen_services(cli_services, path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    try:
        code = cli.main(["invite", "--role", "coach", "--wijk", "elsrijk"])
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert "config.example.toml" in err and "--config" in err and "WIJKBOT_CONFIG" in err
    with services.db.session() as session:
        assert sorted(w.slug for w in persons.active_wijken(session)) == sorted(
            s for s, _, _ in ZUTPHEN
        )
