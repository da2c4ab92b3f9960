"""Configuration: one TOML file, overridable from the environment, validated in full at load.

Every setting lives in a section (`[telegram]`, `[database]`, ...). Each one can be overridden as
`WIJKBOT_<SECTION>_<KEY>` (nested sections join with `_`: `WIJKBOT_DIGEST_LLM_MODEL`). Two short
aliases exist because operators expect them: `WIJKBOT_TOKEN` and `WIJKBOT_BOT_API_URL`.
A problem stops the program with one line naming the file, the key and what is wrong.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.base import column_limit
from models.wijk import Wijk

ENV_PREFIX = "WIJKBOT"
DEFAULT_CONFIG_PATH = Path("config.toml")
EXAMPLE_CONFIG_PATH = Path(__file__).resolve().parents[2] / "config.example.toml"
TOKEN_PATTERN = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
LANGUAGES = ("nl", "en")
# A Telegram username: the invite links are https://t.me/<this>?start=<code>.
BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{4,31}")
WIJK_NAME_LIMIT = column_limit(Wijk, "name")
# Python's logging levels (bot/core/logs.py upper-cases the setting, so "debug" works too).
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A configuration problem, phrased as the one line the operator reads."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        self.source, self.key, self.problem = source, key, problem
        super().__init__(f"{source}: {key}: {problem}")


class MissingTokenError(ConfigError):
    """No bot token: `wijkbot run` falls back to the offline demo instead of stopping."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    # Any Bot API compatible server, e.g. a self-hosted telegram-bot-api.
    bot_api_url: str = "https://api.telegram.org/bot"
    bot_api_file_url: str = "https://api.telegram.org/file/bot"
    mode: Literal["polling", "webhook"] = "polling"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_url: str = ""
    webhook_secret: str = ""
    # Telegram's documented limits are 30 msg/s overall, 1 per second in a chat and 20 per
    # minute per group; 0 switches one off.
    rate_overall_per_second: float = 30.0
    rate_chat_per_second: float = 1.0
    rate_group_per_minute: float = 20.0
    rate_max_retries: int = 3
    # A poll broadcast's progress message is edited at most this often (each edit counts
    # against the creator's chat like a message).
    progress_edit_seconds: float = 5.0


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///data/wijkbot.sqlite3"
    echo: bool = False


@dataclass(frozen=True)
class GeneralConfig:
    timezone: str = "Europe/Amsterdam"
    default_language: Literal["nl", "en"] = "nl"
    text_limit: int = 2000
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class LlmConfig:
    base_url: str = ""
    model: str = ""
    api_key_env: str = "WIJKBOT_LLM_API_KEY"
    timeout_seconds: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


@dataclass(frozen=True)
class EmbeddingsConfig:
    base_url: str = ""
    model: str = ""
    api_key_env: str = "WIJKBOT_EMBEDDINGS_API_KEY"
    timeout_seconds: float = 10.0
    threshold: float = 0.75

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.model)


@dataclass(frozen=True)
class DigestConfig:
    weekday: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    time: str = "08:00"
    frequency: Literal["weekly", "biweekly", "off"] = "weekly"
    skip_quiet: bool = False
    attention_after_days: int = 7
    vocabulary: str = ""
    llm: LlmConfig = field(default_factory=LlmConfig)
    embeddings: EmbeddingsConfig = field(default_factory=EmbeddingsConfig)

    @property
    def send_time(self) -> clock_time:
        hour, minute = self.time.split(":")
        return clock_time(int(hour), int(minute))


@dataclass(frozen=True)
class OpenDataConfig:
    enabled: bool = True
    pdok_url: str = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
    cbs_url: str = "https://opendata.cbs.nl/ODataApi/odata"
    cbs_table: str = "86165NED"
    timeout_seconds: float = 3.0


@dataclass(frozen=True)
class FiguresConfig:
    """CBS "Kerncijfers wijken en buurten" (bot/figures/): one CBS table per year."""

    enabled: bool = True
    # Year -> CBS table id. A measure the newest table leaves empty is taken from the one before.
    datasets: dict[str, str] = field(
        default_factory=lambda: {"2024": "85984NED", "2025": "86165NED"}
    )
    # The figures residents see under "Cijfers over je wijk" (our measure keys), in this order.
    resident_measures: list[str] = field(
        default_factory=lambda: [
            "inhabitants",
            "age_0_14",
            "age_65_plus",
            "households_single",
            "households_with_children",
            "owner_occupied_pct",
        ]
    )
    # The monthly fetch: day of the month and hour (local time).
    fetch_day: int = 3
    fetch_hour: int = 4

    def editions(self) -> list[tuple[int, str]]:
        """(year, table id), oldest first."""
        return sorted((int(year), table) for year, table in self.datasets.items())


@dataclass(frozen=True)
class MunicipalityConfig:
    name: str = ""
    gemeentecode: str = ""
    bot_username: str = ""
    # Where residents report something broken in the street to the municipality itself (its web
    # page and phone number). Both optional; empty: the bot only says to tell the municipality.
    report_url: str = ""
    report_phone: str = ""


@dataclass(frozen=True)
class UrgentConfig:
    """Urgent signals (bot/urgent/): the help numbers a resident sees at once, per municipality."""

    enabled: bool = True
    emergency: str = "112"
    police: str = "0900-8844"
    # Each of these may be reached on several numbers; they are shown joined by "or".
    suicide_prevention: list[str] = field(default_factory=lambda: ["113", "0800-0113"])
    veilig_thuis: str = "0800-2000"
    # The municipality's own line for worries about a neighbour (empty: not shown).
    municipality_line: str = ""


@dataclass(frozen=True)
class SpiegelConfig:
    """What the spiegel does not know yet (bot/spiegel/blind_spots.py)."""

    # A theme and question where fewer people than this said something: "we know little".
    # Never below 5, the small-number rule (bot.spiegel.blind_spots.little_threshold).
    little_input: int = 5
    # A statement with at least this many reactions, most of them "herken ik niet", is a
    # place where figures and voices disagree.
    disagree_min_reactions: int = 10


@dataclass(frozen=True)
class WijkConfig:
    slug: str
    name: str
    cbs_wijk_codes: list[str] = field(default_factory=list)
    cbs_buurt_codes: list[str] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class DeskConfig:
    """The coach's desk (web/): a web page served by the bot, opened inside Telegram as a Mini
    App or in a desktop browser through a one-time login link."""

    enabled: bool = False
    listen: str = "127.0.0.1"
    port: int = 8089
    # Where people reach the desk (behind a reverse proxy: its https:// address). Empty:
    # http://<listen>:<port>, for the demo and tests; Telegram opens Mini Apps only over https.
    public_url: str = ""
    # How old Telegram's initData may be when the page logs in with it.
    init_data_max_age_seconds: int = 3600
    # How long a login link from /bureau works (once).
    login_link_minutes: int = 10
    # How long a desk session lasts.
    session_hours: int = 12
    # Telegram's script for Mini Apps (the page's CSP allows this script's origin).
    telegram_js_url: str = "https://telegram.org/js/telegram-web-app.js"
    # Signs the session cookie. Empty: one is made once and kept in the database (desk_secret),
    # so that every process of the bot and every restart share it. Never logged.
    session_secret: str = ""
    # The largest photo the desk fetches from Telegram to show (bytes).
    photo_max_bytes: int = 10 * 1024 * 1024

    @property
    def base_url(self) -> str:
        """The desk's address without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.listen}]" if ":" in self.listen else self.listen
        return f"http://{host}:{self.port}"

    @property
    def https(self) -> bool:
        """Telegram opens a Mini App only from an https address."""
        return self.base_url.startswith("https://")


@dataclass(frozen=True)
class ThemeConfig:
    slug: str
    nl: str
    en: str

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.nl


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    general: GeneralConfig = field(default_factory=GeneralConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    opendata: OpenDataConfig = field(default_factory=OpenDataConfig)
    municipality: MunicipalityConfig = field(default_factory=MunicipalityConfig)
    figures: FiguresConfig = field(default_factory=FiguresConfig)
    urgent: UrgentConfig = field(default_factory=UrgentConfig)
    spiegel: SpiegelConfig = field(default_factory=SpiegelConfig)
    desk: DeskConfig = field(default_factory=DeskConfig)
    wijken: list[WijkConfig] = field(default_factory=list)
    themes: list[ThemeConfig] = field(default_factory=list)
    source: str = "<defaults>"
    # Nobody named a file (no --config, no WIJKBOT_CONFIG, no ./config.toml): the shipped example.
    fallback: bool = False
    # Which variable set which key ("database.url" -> "WIJKBOT_DATABASE_URL"): a problem with a
    # value found later (the database out of reach) names where it came from.
    from_env: dict[str, str] = field(default_factory=dict, compare=False)

    def wijk(self, slug: str) -> WijkConfig | None:
        return next((w for w in self.wijken if w.slug == slug), None)

    def theme(self, slug: str) -> ThemeConfig | None:
        return next((t for t in self.themes if t.slug == slug), None)

    def named(self, key: str) -> str:
        """How to name a setting in a message: its variable when the environment set it
        ("WIJKBOT_DATABASE_URL"), else its key in the file ("database.url")."""
        return self.from_env.get(key, key)

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)


# --- loading -------------------------------------------------------------------------------


def load_config(
    path: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    require_token: bool = True,
) -> Config:
    """Read, override from the environment, validate. Raises ConfigError with one clear line."""
    env = os.environ if env is None else env
    fallback = False
    if path is None:
        path = default_config_path(env)
        fallback = path == EXAMPLE_CONFIG_PATH
    source = str(path) if path is not None else "<defaults>"
    raw: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            raw = tomllib.loads(read_text_file(path))
        except UnreadableFileError as exc:
            raise ConfigError(source, "-", exc.problem) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(source, "-", f"not valid TOML ({exc})") from None
        if not raw:
            # A copy that went wrong: "municipality.name: missing" would send one looking there.
            raise ConfigError(
                source, "-", "the file is empty: copy config.example.toml to it and edit that"
            )
    from_env = _apply_env(raw, env, source)
    try:
        config = _build(Config, raw, source, "")
        config = dataclasses.replace(config, source=source, fallback=fallback, from_env=from_env)
        config = _without_at(config)
        _validate(config, require_token=require_token)
    except ConfigError as exc:
        # A wrong value from the environment is named by its variable: the file says otherwise.
        if exc.key not in from_env:
            raise
        raise type(exc)(exc.source, from_env[exc.key], exc.problem) from None
    return config


def _without_at(config: Config) -> Config:
    """Telegram and BotFather show a username as "@name"; the link is t.me/name."""
    username = config.municipality.bot_username.strip()
    if username == config.municipality.bot_username and not username.startswith("@"):
        return config
    municipality = dataclasses.replace(config.municipality, bot_username=username.lstrip("@"))
    return dataclasses.replace(config, municipality=municipality)


class UnreadableFileError(Exception):
    """A file the administrator wrote cannot be read as text: `problem` says why and what to do."""

    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__(problem)


UTF8_BOM = b"\xef\xbb\xbf"
SAVE_AS = "save it as UTF-8 without BOM"


def read_text_file(path: Path) -> str:
    """A TOML file an administrator edits (the config, a vocabulary, a spiegel), as text.
    Editors on Windows save Latin-1 or put a byte order mark first: TOML allows neither, and
    the traceback or "Invalid statement at line 1" they would give does not say what to do."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFileError("file not found") from None
    except IsADirectoryError:
        raise UnreadableFileError("a folder, not a file: name the .toml file itself") from None
    except OSError as exc:
        raise UnreadableFileError(f"cannot read it ({exc.strerror})") from None
    if data.startswith(UTF8_BOM):
        raise UnreadableFileError(f"starts with a byte order mark (BOM): {SAVE_AS}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFileError(f"not UTF-8 text (line {line}): {SAVE_AS}") from None


def default_config_path(env: Mapping[str, str]) -> Path:
    """$WIJKBOT_CONFIG, else ./config.toml, else the shipped example (so a fresh clone runs)."""
    if env.get(f"{ENV_PREFIX}_CONFIG"):
        return Path(env[f"{ENV_PREFIX}_CONFIG"])
    if DEFAULT_CONFIG_PATH.exists():
        return DEFAULT_CONFIG_PATH
    return EXAMPLE_CONFIG_PATH


def _env_name(*parts: str) -> str:
    return "_".join((ENV_PREFIX, *parts)).upper()


def _apply_env(raw: dict[str, Any], env: Mapping[str, str], source: str) -> dict[str, str]:
    """Put the environment's overrides into `raw`; return which variable set which key
    ("general.default_language" -> "WIJKBOT_GENERAL_DEFAULT_LANGUAGE")."""
    applied: dict[str, str] = {}
    aliases = {
        f"{ENV_PREFIX}_TOKEN": ("telegram", "token"),
        f"{ENV_PREFIX}_BOT_API_URL": ("telegram", "bot_api_url"),
    }
    for name, (section, key) in aliases.items():
        if name in env:
            raw.setdefault(section, {})[key] = env[name]
            applied[f"{section}.{key}"] = name

    def walk(cls: type, target: dict[str, Any], prefix: tuple[str, ...]) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            hint = hints[f.name]
            if dataclasses.is_dataclass(hint):
                sub = target.setdefault(f.name, {})
                if isinstance(sub, dict):
                    walk(hint, sub, (*prefix, f.name))  # type: ignore[arg-type]
                continue
            if get_origin(hint) in (list, dict):
                continue  # tables of wijken/themes are edited in the file, not the environment
            name = _env_name(*prefix, f.name)
            if name in env:
                target[f.name] = _from_env(env[name], hint, source, name)
                applied[".".join((*prefix, f.name))] = name

    for section_field in dataclasses.fields(Config):
        hint = typing.get_type_hints(Config)[section_field.name]
        if dataclasses.is_dataclass(hint):
            section = raw.setdefault(section_field.name, {})
            if isinstance(section, dict):
                walk(hint, section, (section_field.name,))  # type: ignore[arg-type]
    for key in [k for k, v in raw.items() if v == {}]:
        del raw[key]
    return applied


def _from_env(value: str, hint: Any, source: str, name: str) -> Any:
    if hint is bool:
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(source, name, f"expected true or false, got {value!r}")
    if hint is int:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(source, name, f"expected a whole number, got {value!r}") from None
    if hint is float:
        try:
            return float(value)
        except ValueError:
            raise ConfigError(source, name, f"expected a number, got {value!r}") from None
    return value


def _type_name(hint: Any) -> str:
    if get_origin(hint) is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(hint))
    if get_origin(hint) is list:
        return f"a list of {_type_name(get_args(hint)[0])}"
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(
        hint, getattr(hint, "__name__", str(hint))
    )


def _check_value(value: Any, hint: Any, source: str, key: str) -> Any:
    origin = get_origin(hint)
    if origin is Literal:
        if value not in get_args(hint):
            raise ConfigError(source, key, f"expected {_type_name(hint)}, got {value!r}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(source, key, f"expected {_type_name(hint)}")
        (item_hint,) = get_args(hint)
        if dataclasses.is_dataclass(item_hint):
            return [
                _build(item_hint, item, source, f"{key}[{i}]")  # type: ignore[arg-type]
                for i, item in enumerate(value)
            ]
        return [
            _check_value(item, item_hint, source, f"{key}[{i}]") for i, item in enumerate(value)
        ]
    if origin is dict:
        key_hint, item_hint = get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(source, key, "expected a table")
        return {
            _check_value(k, key_hint, source, key): _check_value(v, item_hint, source, f"{key}.{k}")
            for k, v in value.items()
        }
    if origin in (typing.Union, types.UnionType):
        raise TypeError("unions are not used in the configuration schema")
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, source, key)  # type: ignore[arg-type]
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is bool and not isinstance(value, bool):
        raise ConfigError(source, key, f"expected true or false, got {value!r}")
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(source, key, f"expected a whole number, got {value!r}")
    if not isinstance(value, hint):
        raise ConfigError(source, key, f"expected {_type_name(hint)}, got {value!r}")
    return value


# Config's fields that say where it came from: no setting of that name is read from the file.
_NOT_SETTINGS = ("source", "fallback", "from_env")


def _build(cls: type, raw: Any, source: str, prefix: str) -> Any:
    where = prefix or "top level"
    if not isinstance(raw, dict):
        raise ConfigError(source, where, "expected a table")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.name not in _NOT_SETTINGS}
    unknown = sorted(set(raw) - names)
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise ConfigError(
            source, key, "unknown setting (check the spelling against config.example.toml)"
        )
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                key = f"{prefix}.{f.name}" if prefix else f.name
                raise ConfigError(source, key, "missing")
            continue
        key = f"{prefix}.{f.name}" if prefix else f.name
        values[f.name] = _check_value(raw[f.name], hints[f.name], source, key)
    return cls(**values)


def _validate(config: Config, *, require_token: bool) -> None:
    src = config.source
    token = config.telegram.token
    if not token:
        if require_token:
            raise MissingTokenError(
                src, "telegram.token", "missing: set it in the file or in WIJKBOT_TOKEN"
            )
    elif not TOKEN_PATTERN.match(token):
        # Never echo the token itself: it is a secret even when mistyped.
        raise ConfigError(src, "telegram.token", "does not look like a bot token from BotFather")
    for key in ("bot_api_url", "bot_api_file_url"):
        url = getattr(config.telegram, key)
        if not url.startswith(("http://", "https://")):
            raise ConfigError(src, f"telegram.{key}", "must start with http:// or https://")
    if config.telegram.mode == "webhook":
        if not config.telegram.webhook_url.startswith("https://"):
            raise ConfigError(
                src, "telegram.webhook_url", "webhook mode needs a public https:// URL"
            )
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", config.telegram.webhook_secret):
            raise ConfigError(
                src,
                "telegram.webhook_secret",
                "webhook mode needs a secret of 16-256 characters A-Z, a-z, 0-9, _ or -",
            )
    keys = ("rate_overall_per_second", "rate_chat_per_second", "rate_group_per_minute")
    for key in keys:
        if getattr(config.telegram, key) < 0:
            raise ConfigError(src, f"telegram.{key}", "must be 0 (off) or more")
    if config.telegram.rate_max_retries < 0:
        raise ConfigError(src, "telegram.rate_max_retries", "must be 0 (no retries) or more")
    if config.telegram.progress_edit_seconds < 1:
        raise ConfigError(src, "telegram.progress_edit_seconds", "must be 1 or more")
    if not 1 <= config.telegram.webhook_port <= 65535:
        raise ConfigError(src, "telegram.webhook_port", "must be between 1 and 65535")
    if "://" not in config.database.url:
        raise ConfigError(
            src, "database.url", "expected a URL such as sqlite:///data/wijkbot.sqlite3"
        )
    if not config.database.url.startswith(("sqlite", "postgresql")):
        raise ConfigError(src, "database.url", "only sqlite and postgresql are supported")
    try:
        ZoneInfo(config.general.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            src, "general.timezone", f"unknown time zone {config.general.timezone!r}"
        ) from None
    if config.general.log_level.upper() not in LOG_LEVELS:
        raise ConfigError(
            src,
            "general.log_level",
            f"expected one of {', '.join(LOG_LEVELS)}, got {config.general.log_level!r}",
        )
    if not 100 <= config.general.text_limit <= 4000:
        raise ConfigError(src, "general.text_limit", "must be between 100 and 4000 characters")
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", config.digest.time):
        raise ConfigError(src, "digest.time", f"expected HH:MM, got {config.digest.time!r}")
    if config.digest.attention_after_days < 1:
        raise ConfigError(src, "digest.attention_after_days", "must be 1 or more")
    if config.digest.vocabulary:
        _validate_vocabulary(config.digest.vocabulary, src)
    _validate_services(config, src)
    if not config.municipality.name.strip():
        # Residents read it in the greeting ("Ik ben de wijkbot van Zwolle").
        raise ConfigError(
            src, "municipality.name", "missing or empty: name the municipality, e.g. Zwolle"
        )
    if not config.municipality.gemeentecode:
        # The wijken's CBS codes are checked against it: without it, another city's codes pass.
        raise ConfigError(
            src,
            "municipality.gemeentecode",
            "missing: the municipality's CBS code, 4 digits without GM, e.g. 0362 (Amstelveen)",
        )
    if not re.fullmatch(r"\d{4}", config.municipality.gemeentecode):
        raise ConfigError(src, "municipality.gemeentecode", "expected 4 digits, e.g. 0362")
    username = config.municipality.bot_username
    if username and not BOT_USERNAME.fullmatch(username):
        raise ConfigError(
            src,
            "municipality.bot_username",
            f"expected the bot's username as BotFather gave it, such as zutphen_wijkbot "
            f"(5-32 letters, digits or _), got {username!r}",
        )
    _validate_report(config.municipality, src)
    _validate_urgent(config.urgent, src)
    if config.spiegel.little_input < 1:
        raise ConfigError(src, "spiegel.little_input", "must be 1 or more")
    if config.spiegel.disagree_min_reactions < 1:
        raise ConfigError(src, "spiegel.disagree_min_reactions", "must be 1 or more")
    _validate_figures(config.figures, src)
    _validate_desk(config.desk, src)
    if not config.wijken:
        raise ConfigError(src, "wijken", "configure at least one wijk ([[wijken]])")
    seen: set[str] = set()
    names: dict[str, int] = {}
    for i, wijk in enumerate(config.wijken):
        if not SLUG_PATTERN.match(wijk.slug):
            raise ConfigError(src, f"wijken[{i}].slug", "use lowercase letters, digits and -")
        if wijk.slug in seen:
            raise ConfigError(src, f"wijken[{i}].slug", f"duplicate slug {wijk.slug!r}")
        seen.add(wijk.slug)
        if not wijk.name.strip():
            raise ConfigError(src, f"wijken[{i}].name", "must not be empty")
        if len(wijk.name) > WIJK_NAME_LIMIT:
            raise ConfigError(
                src, f"wijken[{i}].name", f"at most {WIJK_NAME_LIMIT} characters (the database's)"
            )
        # Residents choose their wijk by its name: two buttons "Elsrijk" cannot be told apart.
        same = " ".join(wijk.name.split()).casefold()
        if same in names:
            raise ConfigError(
                src,
                f"wijken[{i}].name",
                f"duplicate name {wijk.name.strip()!r} (also wijken[{names[same]}]): residents "
                "choose their wijk by name and could not tell them apart",
            )
        names[same] = i
        if not wijk.cbs_wijk_codes and not wijk.cbs_buurt_codes:
            # No postcode would ever lead to it, and it would have no figures.
            code = config.municipality.gemeentecode
            raise ConfigError(
                src,
                f"wijken[{i}].cbs_wijk_codes",
                f"missing or empty: list the CBS wijk codes (WK{code}..) the wijk lies in, "
                f"or its buurt codes in cbs_buurt_codes (BU{code}....)",
            )
        _validate_cbs_codes(wijk, i, config.municipality.gemeentecode, src)
    if not config.themes:
        # Residents pick a theme for every observation: with none, "Kies een onderwerp" is empty.
        raise ConfigError(
            src,
            "themes",
            "configure at least one theme ([[themes]]): residents choose one for each "
            "observation; copy the nine of config.example.toml",
        )
    theme_slugs: set[str] = set()
    for i, theme in enumerate(config.themes):
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,20}", theme.slug):
            raise ConfigError(src, f"themes[{i}].slug", "use lowercase letters, digits and _")
        if theme.slug in theme_slugs:
            raise ConfigError(src, f"themes[{i}].slug", f"duplicate slug {theme.slug!r}")
        theme_slugs.add(theme.slug)


def _validate_cbs_codes(wijk: WijkConfig, i: int, gemeentecode: str, src: str) -> None:
    """A CBS wijk code is WK + the municipality's 4 digits + 2, a buurt code BU + 4 + 4: a code
    of another municipality would never match a postcode here and fetch another city's figures."""
    for key, prefix, digits, codes in (
        ("cbs_wijk_codes", "WK", 6, wijk.cbs_wijk_codes),
        ("cbs_buurt_codes", "BU", 8, wijk.cbs_buurt_codes),
    ):
        kind = "wijk" if prefix == "WK" else "buurt"
        for code in codes:
            if not re.fullmatch(rf"{prefix}\d{{{digits}}}", code):
                raise ConfigError(src, f"wijken[{i}].{key}", f"{code!r} is not a CBS {kind} code")
            if gemeentecode and code[2:6] != gemeentecode:
                raise ConfigError(
                    src,
                    f"wijken[{i}].{key}",
                    f"{code!r} is a {kind} of municipality {code[2:6]}, not of "
                    f"municipality.gemeentecode {gemeentecode}: this municipality's codes "
                    f"begin with {prefix}{gemeentecode}",
                )


def _validate_services(config: Config, src: str) -> None:
    """The addresses and timeouts of PDOK, CBS and the optional language model: a timeout of 0
    or less, or an address without http(s)://, made every request fail, quietly."""
    services: list[tuple[str, str, float, bool]] = [
        ("opendata", "pdok_url", config.opendata.timeout_seconds, True),
        ("opendata", "cbs_url", config.opendata.timeout_seconds, True),
        ("digest.llm", "base_url", config.digest.llm.timeout_seconds, False),
        ("digest.embeddings", "base_url", config.digest.embeddings.timeout_seconds, False),
    ]
    for section, key, timeout, required in services:
        url = getattr(_section(config, section), key)
        if (url or required) and not url.startswith(("http://", "https://")):
            raise ConfigError(
                src, f"{section}.{key}", f"must start with http:// or https://, got {url!r}"
            )
        if timeout <= 0:
            raise ConfigError(src, f"{section}.timeout_seconds", "must be more than 0 seconds")
    if not 0 < config.digest.embeddings.threshold <= 1:
        raise ConfigError(
            src, "digest.embeddings.threshold", "must be more than 0 and at most 1 (a similarity)"
        )


def _section(config: Config, dotted: str) -> Any:
    found: Any = config
    for part in dotted.split("."):
        found = getattr(found, part)
    return found


def _validate_vocabulary(path: str, src: str) -> None:
    """The vocabulary file is read when a resident files the first observation: a file that is
    missing or not TOML is refused here, at the start, not at someone's Versturen."""
    key = "digest.vocabulary"
    try:
        tomllib.loads(read_text_file(Path(path)))
    except UnreadableFileError as exc:
        empty = " (empty: the shipped vocabulary only)" if "not found" in exc.problem else ""
        raise ConfigError(src, key, f"{path}: {exc.problem}{empty}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(src, key, f"{path} is not valid TOML ({exc})") from None


def _validate_figures(figures: FiguresConfig, src: str) -> None:
    for year, table in figures.datasets.items():
        if not re.fullmatch(r"20\d\d", year):
            raise ConfigError(
                src, f"figures.datasets.{year}", "the key must be a year such as 2025"
            )
        if not re.fullmatch(r"\d{5}NED", table):
            raise ConfigError(
                src,
                f"figures.datasets.{year}",
                f"expected a CBS table id such as 86165NED, got {table!r}",
            )
    if not 1 <= figures.fetch_day <= 28:
        raise ConfigError(src, "figures.fetch_day", "must be between 1 and 28")
    if not 0 <= figures.fetch_hour <= 23:
        raise ConfigError(src, "figures.fetch_hour", "must be between 0 and 23")


def _validate_desk(desk: DeskConfig, src: str) -> None:
    if not 1 <= desk.port <= 65535:
        raise ConfigError(src, "desk.port", "must be between 1 and 65535")
    if desk.public_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", desk.public_url):
        raise ConfigError(
            src, "desk.public_url", "expected an address such as https://bureau.example.nl"
        )
    if not desk.telegram_js_url.startswith(("https://", "http://")):
        raise ConfigError(src, "desk.telegram_js_url", "must start with https:// or http://")
    if desk.init_data_max_age_seconds < 10:
        raise ConfigError(src, "desk.init_data_max_age_seconds", "must be 10 or more")
    if not 1 <= desk.login_link_minutes <= 24 * 60:
        raise ConfigError(src, "desk.login_link_minutes", "must be between 1 and 1440")
    if not 1 <= desk.session_hours <= 24 * 30:
        raise ConfigError(src, "desk.session_hours", "must be between 1 and 720")
    if desk.session_secret and len(desk.session_secret) < 32:
        # Never echo the secret itself.
        raise ConfigError(src, "desk.session_secret", "must be at least 32 characters (or empty)")
    if desk.photo_max_bytes < 1024:
        raise ConfigError(src, "desk.photo_max_bytes", "must be 1024 or more")


PHONE_PATTERN = re.compile(r"^[0-9][0-9 -]{1,18}[0-9]$")
# A web address people can open from a message: http(s), a host, no spaces or quotes.
WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?([/?#][^\s\"'<>]*)?")


def _validate_report(municipality: MunicipalityConfig, src: str) -> None:
    """The municipality's own channel for reports about the street, named in the bot's texts."""
    if municipality.report_url and not WEB_ADDRESS.fullmatch(municipality.report_url):
        raise ConfigError(
            src,
            "municipality.report_url",
            f"expected a web address such as https://www.amstelveen.nl, got "
            f"{municipality.report_url!r}",
        )
    if municipality.report_phone and not PHONE_PATTERN.match(municipality.report_phone):
        raise ConfigError(
            src,
            "municipality.report_phone",
            f"expected a phone number such as 14 020, got {municipality.report_phone!r}",
        )


def _validate_urgent(urgent: UrgentConfig, src: str) -> None:
    """Every help number looks like one a phone can dial ("112", "0800-0113", "14 020")."""
    numbers = [
        ("emergency", urgent.emergency),
        ("police", urgent.police),
        ("veilig_thuis", urgent.veilig_thuis),
        *((f"suicide_prevention[{i}]", n) for i, n in enumerate(urgent.suicide_prevention)),
    ]
    if urgent.municipality_line:
        numbers.append(("municipality_line", urgent.municipality_line))
    if not urgent.suicide_prevention:
        raise ConfigError(src, "urgent.suicide_prevention", "name at least one number")
    for key, number in numbers:
        if not PHONE_PATTERN.match(number):
            raise ConfigError(
                src, f"urgent.{key}", f"expected a phone number such as 0800-2000, got {number!r}"
            )
