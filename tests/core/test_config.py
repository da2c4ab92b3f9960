"""Configuration: every problem stops with one line naming the file, the key and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.wijkbot import main as cli_main
from bot.context import Services
from bot.core.config import ConfigError, MissingTokenError, load_config
from tests.conftest import PG_ADMIN_URL
from tests.helpers import FAKE_TOKEN

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "config.example.toml"
TOKEN = FAKE_TOKEN


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    return path


def test_example_is_valid_and_complete() -> None:
    config = load_config(EXAMPLE, env={"WIJKBOT_TOKEN": TOKEN})
    assert config.telegram.token == TOKEN
    assert [w.slug for w in config.wijken][:3] == ["bankras-kostverloren", "bovenkerk", "elsrijk"]
    assert len(config.wijken) == 13
    assert config.wijk("keizer-karelpark") is not None
    assert config.general.timezone == "Europe/Amsterdam" and config.general.default_language == "nl"
    assert config.database.url.startswith("sqlite:///data/")
    assert {t.slug for t in config.themes} >= {
        "wonen",
        "buitenruimte",
        "binnenruimte",
        "betrokkenheid",
        "wijkcentrum",
        "participatie",
        "zorg",
        "veiligheid",
        "verkeer",
    }
    # Every spiegel wijk maps to CBS, explicitly.
    assert all(w.cbs_wijk_codes or w.cbs_buurt_codes for w in config.wijken)
    # Where residents report something broken in the street: Amstelveen's own channel.
    assert config.municipality.report_url == "https://www.amstelveen.nl"
    assert config.municipality.report_phone == "14 020"


def test_the_municipality_report_channel_is_optional(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('report_url = "https://www.amstelveen.nl"\n', "")
    text = text.replace('report_phone = "14 020"\n', "")
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path, env={"WIJKBOT_TOKEN": TOKEN})
    assert (config.municipality.report_url, config.municipality.report_phone) == ("", "")
    env = {"WIJKBOT_TOKEN": TOKEN, "WIJKBOT_MUNICIPALITY_REPORT_PHONE": "020 540 4911"}
    assert load_config(path, env=env).municipality.report_phone == "020 540 4911"


def test_environment_overrides_win() -> None:
    env = {
        "WIJKBOT_TOKEN": TOKEN,
        "WIJKBOT_BOT_API_URL": "http://127.0.0.1:8081/bot",
        "WIJKBOT_DATABASE_URL": "postgresql://wijkbot@db/wijkbot",
        "WIJKBOT_TELEGRAM_MODE": "polling",
        "WIJKBOT_GENERAL_TEXT_LIMIT": "1500",
        "WIJKBOT_DIGEST_LLM_MODEL": "llama",
        "WIJKBOT_OPENDATA_ENABLED": "false",
    }
    config = load_config(EXAMPLE, env=env)
    assert config.telegram.bot_api_url == "http://127.0.0.1:8081/bot"
    assert config.database.url == "postgresql://wijkbot@db/wijkbot"
    assert config.general.text_limit == 1500
    assert config.digest.llm.model == "llama"
    assert config.opendata.enabled is False


def test_config_path_from_environment(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    config = load_config(None, env={"WIJKBOT_CONFIG": str(path), "WIJKBOT_TOKEN": TOKEN})
    assert config.source == str(path)


@pytest.mark.parametrize(
    ("addition", "key", "problem"),
    [
        ("[telegram.extra]\nx = 1", "telegram.extra", "unknown setting"),
        ("[colour]\nx = 1", "colour", "unknown setting"),
    ],
)
def test_unknown_keys(tmp_path: Path, addition: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, addition), env={"WIJKBOT_TOKEN": TOKEN})
    assert info.value.key == key and problem in info.value.problem
    assert str(info.value).startswith(str(tmp_path / "config.toml"))
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("text_limit = 2000", 'text_limit = "veel"', "general.text_limit"),
        ('mode = "polling"', 'mode = "carrier-pigeon"', "telegram.mode"),
        ("enabled = true", 'enabled = "yes"', "opendata.enabled"),
        ('time = "08:00"', 'time = "8 uur"', "digest.time"),
        ('timezone = "Europe/Amsterdam"', 'timezone = "Mars/Olympus"', "general.timezone"),
        ('slug = "elsrijk"', 'slug = "Els Rijk"', "wijken[2].slug"),
        ('slug = "groenelaan"', 'slug = "elsrijk"', "wijken[3].slug"),
        (
            'cbs_wijk_codes = ["WK036203"]',
            'cbs_wijk_codes = ["036203"]',
            "wijken[2].cbs_wijk_codes",
        ),
        ('url = "sqlite:///data/wijkbot.sqlite3"', 'url = "mysql://x"', "database.url"),
        ('name = "Elsrijk"', f'name = "{"E" * 121}"', "wijken[2].name"),
        ('log_level = "INFO"', 'log_level = "VERBOSE"', "general.log_level"),
        ('name = "Amstelveen"', 'name = ""', "municipality.name"),
        ('name = "Amstelveen"', 'name = "  "', "municipality.name"),
        ('[municipality]\nname = "Amstelveen"', "[municipality]", "municipality.name"),
        (
            'report_url = "https://www.amstelveen.nl"',
            'report_url = "www.amstelveen.nl"',
            "municipality.report_url",
        ),
        (
            'report_url = "https://www.amstelveen.nl"',
            'report_url = "https://www.amstelveen.nl/a b"',
            "municipality.report_url",
        ),
        (
            'report_url = "https://www.amstelveen.nl"',
            'report_url = "javascript:alert(1)"',
            "municipality.report_url",
        ),
        ('report_phone = "14 020"', 'report_phone = "bel ons"', "municipality.report_phone"),
        ('report_phone = "14 020"', "report_phone = 14020", "municipality.report_phone"),
    ],
)
def test_wrong_values(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace(old, new, 1)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"WIJKBOT_TOKEN": TOKEN})
    assert info.value.key == key


def test_log_level_from_environment() -> None:
    """`wijkbot run` would die on it after check-config said OK; any case works, as in logs.py."""
    env = {"WIJKBOT_TOKEN": TOKEN, "WIJKBOT_GENERAL_LOG_LEVEL": "debug2"}
    with pytest.raises(ConfigError, match="expected one of DEBUG, INFO") as info:
        load_config(EXAMPLE, env=env)
    assert info.value.key == "WIJKBOT_GENERAL_LOG_LEVEL"  # the file does not say debug2
    env["WIJKBOT_GENERAL_LOG_LEVEL"] = "debug"
    assert load_config(EXAMPLE, env=env).general.log_level == "debug"


def test_wrong_type_from_environment() -> None:
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE, env={"WIJKBOT_TOKEN": TOKEN, "WIJKBOT_GENERAL_TEXT_LIMIT": "lots"})
    assert info.value.key == "WIJKBOT_GENERAL_TEXT_LIMIT"


def test_missing_token() -> None:
    with pytest.raises(MissingTokenError) as info:
        load_config(EXAMPLE, env={})
    assert info.value.key == "telegram.token"
    assert load_config(EXAMPLE, env={}, require_token=False).telegram.token == ""


def test_bad_token_is_not_echoed() -> None:
    secret = "not-a-token-but-secret"
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE, env={"WIJKBOT_TOKEN": secret})
    assert secret not in str(info.value)


def test_webhook_needs_url_and_secret() -> None:
    env = {"WIJKBOT_TOKEN": TOKEN, "WIJKBOT_TELEGRAM_MODE": "webhook"}
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE, env=env)
    assert info.value.key == "telegram.webhook_url"
    env["WIJKBOT_TELEGRAM_WEBHOOK_URL"] = "https://bot.example.org/telegram"
    with pytest.raises(ConfigError) as info:
        load_config(EXAMPLE, env=env)
    assert info.value.key == "telegram.webhook_secret"
    env["WIJKBOT_TELEGRAM_WEBHOOK_SECRET"] = "s" * 32
    assert load_config(EXAMPLE, env=env).telegram.mode == "webhook"


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml", env={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[telegram\ntoken = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, env={})


def test_check_config_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
    assert cli_main(["--config", str(EXAMPLE), "check-config"]) == 0
    assert "OK (13 wijken, 9 themes)" in capsys.readouterr().out
    path = write(tmp_path, "[general.oops]\n")
    assert cli_main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err
        == f"{path}: general.oops: unknown setting (check the spelling against config.example.toml)"
    )
    monkeypatch.delenv("WIJKBOT_TOKEN")
    assert cli_main(["--config", str(EXAMPLE), "check-config"]) == 2
    assert "telegram.token: missing" in capsys.readouterr().err


def test_vocabulary_file_must_be_there_and_toml(tmp_path: Path) -> None:
    """Read at a resident's first Versturen: a wrong one is refused at the start instead."""
    missing = tmp_path / "nope" / "vocabulary.toml"
    path = write(tmp_path, "").read_text(encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(path.replace('vocabulary = ""', f'vocabulary = "{missing}"'), "utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(config, env={"WIJKBOT_TOKEN": TOKEN})
    assert info.value.key == "digest.vocabulary"
    assert info.value.problem.startswith(f"{missing}: file not found")
    missing.parent.mkdir()
    missing.write_text("[concepts\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML") as info:
        load_config(config, env={"WIJKBOT_TOKEN": TOKEN})
    assert info.value.key == "digest.vocabulary"
    missing.write_text("[concepts]\n", encoding="utf-8")
    assert load_config(config, env={"WIJKBOT_TOKEN": TOKEN}).digest.vocabulary == str(missing)


@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        (
            "postgresql+psycopg://wijk:geheim@127.0.0.1:1/wijkbot",
            4,
            "cannot connect to postgresql+psycopg://wijk:***@127.0.0.1:1/wijkbot (",
        ),
        (f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/no_such_wijkbot_db", 4, '"no_such_wijkbot_db"'),
        ("postgresql+pyscopg://postgres@127.0.0.1:5432/x", 2, ": unknown driver: "),
        ("sqlite:///{tmp}/a-file/wijkbot.sqlite3", 4, "check the folder"),
    ],
)
def test_a_database_out_of_reach_is_one_line(
    url: str,
    code: int,
    says: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Down, missing or a mistyped driver: which URL (never its password) and what to check,
    and where the URL came from: the variable when set there (the file says something else),
    else the file's database.url."""
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    monkeypatch.setenv("WIJKBOT_DATABASE_URL", url.format(tmp=tmp_path))
    for command in ("migrate", "roles"):
        assert cli_main(["--config", str(EXAMPLE), command]) == code
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"{EXAMPLE}: WIJKBOT_DATABASE_URL: ") and says in err
        assert "\n" not in err and "geheim" not in err
    monkeypatch.delenv("WIJKBOT_DATABASE_URL")
    in_file = tmp_path / "config.toml"
    example = EXAMPLE.read_text(encoding="utf-8")
    line = 'url = "sqlite:///data/wijkbot.sqlite3"'
    assert line in example
    in_file.write_text(example.replace(line, f'url = "{url.format(tmp=tmp_path)}"'), "utf-8")
    for command in ("migrate", "roles"):
        assert cli_main(["--config", str(in_file), command]) == code
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"{in_file}: database.url: ") and says in err


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "latin1.toml",
            EXAMPLE.read_text(encoding="utf-8").encode("latin-1", "replace")
            + "\n# Súdwest-Fryslân\n".encode("latin-1"),
            "not UTF-8 text (line ",
        ),
        ("bom.toml", b"\xef\xbb\xbf" + EXAMPLE.read_bytes(), "starts with a byte order mark (BOM)"),
        ("conf.d", None, "a folder, not a file: name the .toml file itself"),
    ],
)
def test_a_config_an_editor_saved_wrongly_is_one_line(
    name: str,
    content: bytes | None,
    problem: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Latin-1 or a BOM (Windows editors), or a folder named: the file and what to do."""
    path = tmp_path / name
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
    assert cli_main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}: -: {problem}") and "\n" not in err
    if content is not None:
        assert err.endswith("save it as UTF-8 without BOM")


def test_check_config_refuses_an_unknown_resident_measure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert 'resident_measures = ["inhabitants",' in text
    path = tmp_path / "config.toml"
    path.write_text(text.replace('["inhabitants",', '["inwoners",', 1), encoding="utf-8")
    monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
    assert cli_main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        f"{path}: figures.resident_measures[0]: unknown measure 'inwoners' (known: "
    )
    assert "\n" not in err


def test_run_with_telegram_out_of_reach_is_one_line(
    cli_services: Services, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PTB's retry loop logged six tracebacks before it gave up; the token is never shown."""
    monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
    monkeypatch.setenv("WIJKBOT_BOT_API_URL", "http://127.0.0.1:9/bot")
    assert cli_main(["--config", str(EXAMPLE), "run"]) == 5
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "alembic" not in line]
    assert lines == [
        f"{EXAMPLE}: telegram.bot_api_url: cannot reach the Telegram Bot API at "
        "http://127.0.0.1:9/bot (httpx.ConnectError: All connection attempts failed); "
        "check the network, a firewall or proxy, and telegram.bot_api_url"
    ]
    assert TOKEN not in err and TOKEN.split(":")[1] not in err


@pytest.mark.parametrize(
    ("old", "new", "key", "says"),
    [
        (
            'name = "Oude Dorp"',
            'name = "Elsrijk"',
            "wijken[6].name",
            "duplicate name 'Elsrijk' (also wijken[2])",
        ),
        (
            'name = "Oude Dorp"',
            'name = " elsRijk "',
            "wijken[6].name",
            "duplicate name 'elsRijk' (also wijken[2])",
        ),
        (
            'cbs_wijk_codes = ["WK036206"]',
            'cbs_wijk_codes = ["WK059906"]',
            "wijken[0].cbs_wijk_codes",
            "'WK059906' is a wijk of municipality 0599, not of municipality.gemeentecode 0362",
        ),
        (
            'cbs_wijk_codes = ["WK036206"]',
            'cbs_wijk_codes = ["WK036206"]\ncbs_buurt_codes = ["BU05990601"]',
            "wijken[0].cbs_buurt_codes",
            "'BU05990601' is a buurt of municipality 0599",
        ),
    ],
    ids=["same_name", "same_name_spelled_otherwise", "wijk_code_elsewhere", "buurt_code_elsewhere"],
)
def test_check_config_refuses_wijken_residents_cannot_tell_apart_or_of_another_municipality(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    key: str,
    says: str,
) -> None:
    """A copied [[wijken]] block whose name was not changed gives residents two buttons
    "Elsrijk"; a CBS code of another municipality (WK0599.. is Rotterdam's, gemeentecode 0362)
    never matches a postcode here and `figures fetch` would show another city's figures. Both
    passed as "OK"."""
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "config.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setenv("WIJKBOT_TOKEN", TOKEN)
    assert cli_main(["--config", str(path), "check-config"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}: {key}: {says}") and "\n" not in err
