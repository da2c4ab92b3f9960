"""What a coach sees when something goes wrong, on SQLite and PostgreSQL: malformed numbers in a
URL or form are left out (never an error), and an error no route expected is the desk's own
page in the coach's language, with the security headers and nothing of the error."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot.desk.inbox import InboxFilter
from tests.desk.conftest import Desk, coach_logged_in
from tests.desk.test_actions import post, sent_by, status_of


async def test_a_number_with_two_minus_signs_is_left_out(desk: Desk) -> None:
    flt = InboxFilter.from_query({"page": "--5", "days": "--7", "size": "-+1", "wijk": "--1,²"})
    assert flt == InboxFilter()
    _sender, obs = await sent_by(desk, text="De stoep ligt open")
    async with coach_logged_in(desk) as browser:
        for path in ("/?page=--5", "/?days=--7", "/?size=--1", "/?wijk=--1", "/?page=²"):
            page = await browser.get(path)
            assert page.status_code == 200, path
            assert "1 melding<" in page.text and "De stoep ligt open" in page.text
        for path in ("/export.csv?page=--1", "/export.xlsx?days=--7"):
            assert (await browser.get(path)).status_code == 200, path
        answer = await post(
            browser, "/bulk", {"id": str(obs.id), "action": "in_progress", "back": "page=--2"}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert status_of(desk, obs.id) == "in_progress"


async def test_an_unexpected_error_is_the_desks_page_in_the_coachs_language(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the secret inner workings")

    async with coach_logged_in(desk) as browser:
        monkeypatch.setattr("web.routes.inbox.load_page", broken)
        with caplog.at_level(logging.ERROR):
            page = await browser.get("/", headers={"accept-language": "en-GB,en;q=0.9"})
        assert page.status_code == 500
        assert '<html lang="nl">' in page.text  # the coach's, not the browser's
        assert "Er ging iets mis" in page.text and "Probeer het zo nog eens." in page.text
        assert "secret inner workings" not in page.text and "Traceback" not in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"
        assert "secret inner workings" in caplog.text  # for whoever runs the bot
        monkeypatch.undo()
        assert (await browser.get("/")).status_code == 200  # still logged in


async def test_a_failing_login_link_leaves_its_token_out_of_the_log(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The link was not used up by the failure: its token in the log would open the desk.
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("storage hiccup")

    monkeypatch.setattr("bot.desk.login_links.use", broken)
    token = "Tok3n-that-must-not-be-logged_0123456789"
    async with desk.client() as browser:
        with caplog.at_level(logging.ERROR):
            page = await browser.get(f"/login/{token}")
    assert page.status_code == 500 and "Er ging iets mis" in page.text
    assert "storage hiccup" in caplog.text and "/login/{token}" in caplog.text
    assert token not in caplog.text
