"""The bot token never reaches a log line; neither does what people wrote or their Telegram id."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.context import Services
from bot.core.database import Database
from bot.core.logs import RedactTokens, setup_logging
from bot.fake_telegram import Harness
from bot.observations import filing
from models import Observation, Role
from tests.helpers import FAKE_TOKEN, join_as, onboard

TOKEN = FAKE_TOKEN


def test_filter_masks_token_in_messages_and_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("INFO", TOKEN)
    log = logging.getLogger("wijkbot.test")
    log.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    try:
        raise RuntimeError(f"failed calling /bot{TOKEN}/getMe")
    except RuntimeError:
        log.exception("boom")
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert "FAKE_test_token_not_a_real_one_00" not in err
    assert "<token>" in err and "boom" in err
    assert logging.getLogger("httpx").level == logging.WARNING


def test_start_up_logs_no_alembic_plugin_lines() -> None:
    """The schema check at every start set up Alembic's plugins with seven INFO lines; a fresh
    process, as `wijkbot run` is, so that the plugins are not set up already."""
    code = (
        "from bot.core.logs import setup_logging; setup_logging('INFO');"
        "from bot.core import migrate; print(migrate.head_revision())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=True,
    )
    assert done.stdout.strip().isdigit()
    assert "setup plugin" not in done.stderr


def test_token_shapes_are_masked_even_when_unknown() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token 987654321:%s", ("Z" * 35,), None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == "token <token>"


# Telegram ids of ten digits, as real ones are: a time stamp or a counter does not hold them.
RESIDENT, COACH = 7340012345, 7340054321
OBSERVATION = "Losse stoeptegel voor nummer 17"
ANSWER = "We komen dinsdag kijken"


async def test_no_personal_text_and_no_telegram_id_in_the_logs(
    bot: Harness,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Driven through the flows with everything logged (DEBUG), failures included: a write the
    database refuses, a coach menu Telegram refuses, forged buttons, a person who blocked the
    bot. What someone wrote and who they are on Telegram stay out of every line."""
    setup_logging("DEBUG", FAKE_TOKEN)  # as `wijkbot run` with log_level = "DEBUG"
    logging.getLogger().addHandler(caplog.handler)  # setup_logging replaced the root's handlers
    caplog.set_level(logging.DEBUG)
    bot.raise_errors = False
    await bot.start_polling()  # updates through getUpdates and PTB's update queue, as when run
    alice = await onboard(bot, RESIDENT, "Alice")

    def refused_by_the_database(session: Session) -> None:
        # A real failure of the INSERT, with the observation's text among its parameters.
        (new,) = [o for o in session.new if isinstance(o, Observation)]
        session.flush()
        session.execute(insert(Observation).values(**new.model_dump()))

    await alice.send("/melding")
    await alice.send(OBSERVATION)
    await alice.press("Wat kan beter?")
    await alice.press("Wonen")
    await alice.press("Overslaan")
    await alice.press("Nee, alleen")
    with monkeypatch.context() as patched:
        patched.setattr(filing, "_commit", refused_by_the_database)
        await alice.press("Versturen")
    assert "Ik kon het nu niet bewaren" in alice.last.plain_text
    await alice.press("Versturen")
    assert "Je melding is bewaard" in alice.last.plain_text

    bot.fake.fail_next("setMyCommands", error="bad_request")
    carla = await join_as(bot, services, COACH, "Carla", Role.COACH, "elsrijk")
    await carla.send("/meldingen")
    await carla.press("openen")
    await carla.press("Beantwoorden")
    await carla.send(ANSWER)
    await carla.press("Versturen")
    assert "aangekomen" in carla.last.plain_text

    for data in ("pm:lk:x", "pl:abc:res", "co:1:zz", "zz"):
        await alice.press_data(data)
    await alice.block_bot()
    await alice.send("/menu")

    assert any(r.levelno >= logging.WARNING for r in caplog.records)  # the failures were logged
    # What reaches the log output (after our filters), and every record as it was made.
    logged = (
        capsys.readouterr().err + caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    )
    for text in (OBSERVATION, ANSWER, "Alice", "Carla"):
        assert text not in logged, text
    for telegram_id in (RESIDENT, COACH):
        assert str(telegram_id) not in logged, telegram_id


def test_postgresql_details_are_masked() -> None:
    """They quote a row's values: a Telegram id when two consents race, for instance."""
    detail = "DETAIL:  Key (telegram_id)=(7340012345) already exists."
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", (detail,), None)
    RedactTokens().filter(record)
    assert "7340012345" not in record.getMessage()


def test_failed_writes_do_not_show_their_parameters(db: Database) -> None:
    with pytest.raises(IntegrityError) as failed, db.session() as session:
        session.execute(
            insert(Observation).values(
                wijk_id=999_999, author_role="resident", swot="weakness", text=OBSERVATION
            )
        )
        session.commit()
    assert OBSERVATION not in str(failed.value)
