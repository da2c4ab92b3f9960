"""The bot token never reaches a log line."""

from __future__ import annotations

import logging

import pytest

from bot.core.logs import RedactTokens, setup_logging
from tests.helpers import FAKE_TOKEN

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


def test_token_shapes_are_masked_even_when_unknown() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "token 987654321:%s", ("Z" * 35,), None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == "token <token>"
