"""Logging in to the desk: Telegram's initData and one-time links, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.database import Database
from bot.desk import init_data, login_links
from tests.desk.conftest import (
    COACH_ID,
    OTHER_COACH_ID,
    RESIDENT_ID,
    STADSHART,
    Desk,
    coach,
    csrf_of,
    link_in,
    log_in_with_telegram,
    resident,
)
from tests.helpers import FAKE_TOKEN

SECRET_TEXT = "Geheime melding over de speeltuin"
MAX_AGE = timedelta(hours=1)


# --- initData, as Telegram documents it ------------------------------------------------------


def test_init_data_signed_with_the_token_is_valid() -> None:
    now = datetime.now(UTC)
    raw = init_data.sign(init_data.user_fields(42, now, language_code="en"), FAKE_TOKEN)
    data = init_data.validate(raw, FAKE_TOKEN, now=now, max_age=MAX_AGE)
    assert data.telegram_id == 42
    assert data.language_code == "en"


def test_init_data_follows_telegrams_recipe() -> None:
    """The data-check-string and key as Telegram's page spells them, computed by hand."""
    import hashlib
    import hmac
    from urllib.parse import urlencode

    fields = {"auth_date": "1700000000", "query_id": "Q", "user": '{"id":7}'}
    check = 'auth_date=1700000000\nquery_id=Q\nuser={"id":7}'
    key = hmac.new(b"WebAppData", FAKE_TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(key, check.encode(), hashlib.sha256).hexdigest()
    raw = urlencode({**fields, "hash": digest})
    now = datetime.fromtimestamp(1700000100, UTC)
    assert init_data.validate(raw, FAKE_TOKEN, now=now, max_age=MAX_AGE).telegram_id == 7


@pytest.mark.parametrize(
    "change",
    [
        lambda raw: raw.replace("hash=", "hash=0"),  # a changed signature
        lambda raw: raw.replace("%22id%22%3A+42", "%22id%22%3A+43"),  # another user
        lambda raw: raw + "&extra=1",  # a field added after signing
        lambda raw: raw.split("&hash=")[0],  # no signature
    ],
)
def test_forged_init_data_is_refused(change) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    raw = init_data.sign(init_data.user_fields(42, now), FAKE_TOKEN)
    with pytest.raises(init_data.InitDataError) as refused:
        init_data.validate(change(raw), FAKE_TOKEN, now=now, max_age=MAX_AGE)
    assert refused.value.reason == "forged"


def test_init_data_signed_with_another_token_is_refused() -> None:
    now = datetime.now(UTC)
    other = "987654321:" + "B" * 35
    raw = init_data.sign(init_data.user_fields(42, now), other)
    with pytest.raises(init_data.InitDataError, match="forged"):
        init_data.validate(raw, FAKE_TOKEN, now=now, max_age=MAX_AGE)


def test_old_init_data_is_refused() -> None:
    now = datetime.now(UTC)
    raw = init_data.sign(
        init_data.user_fields(42, now - MAX_AGE - timedelta(seconds=1)), FAKE_TOKEN
    )
    with pytest.raises(init_data.InitDataError, match="expired"):
        init_data.validate(raw, FAKE_TOKEN, now=now, max_age=MAX_AGE)


@pytest.mark.parametrize("raw", ["", "a=1&a=2", "%%%", "x" * 9000])
def test_malformed_init_data_is_refused(raw: str) -> None:
    with pytest.raises(init_data.InitDataError):
        init_data.validate(raw, FAKE_TOKEN, now=datetime.now(UTC), max_age=MAX_AGE)


def test_the_same_init_data_opens_one_session(db: Database) -> None:
    now = datetime.now(UTC)
    raw = init_data.sign(init_data.user_fields(42, now), FAKE_TOKEN)
    data = init_data.validate(raw, FAKE_TOKEN, now=now, max_age=MAX_AGE)
    with db.session() as session:
        assert init_data.claim(session, data, now=now, max_age=MAX_AGE)
    with db.session() as session:
        assert not init_data.claim(session, data, now=now, max_age=MAX_AGE)


def test_a_login_link_works_once_and_not_after_it_expired(db: Database) -> None:
    from bot.people import persons

    now = datetime.now(UTC)
    with db.session() as session:
        person = persons.give_consent(session, 42, "nl", now)
        assert person.id is not None
        token = login_links.create(session, person.id, now=now, valid_for=timedelta(minutes=10))
        late = login_links.create(session, person.id, now=now, valid_for=timedelta(minutes=10))
    with db.session() as session:
        assert login_links.use(session, token, now=now) == person.id
        assert login_links.use(session, token, now=now) is None
        assert login_links.use(session, late, now=now + timedelta(minutes=11)) is None
        assert login_links.use(session, "not-a-token", now=now) is None
    with db.session() as session:
        stored = session.exec(__import__("sqlmodel").select(__import__("models").DeskLogin)).all()
        assert all(token not in row.token_hash and len(row.token_hash) == 64 for row in stored)


# --- through the pages -------------------------------------------------------------------------


async def test_a_coach_logs_in_with_telegram_and_sees_the_inbox(desk: Desk) -> None:
    await coach(desk)
    desk.observation(text=SECRET_TEXT)
    async with desk.client() as browser:
        first = await browser.get("/")
        assert first.status_code == 401
        assert SECRET_TEXT not in first.text
        assert desk.services.config.desk.telegram_js_url in first.text
        answer = await log_in_with_telegram(browser, desk.init_data(COACH_ID))
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        inbox = await browser.get("/")
        assert inbox.status_code == 200
        assert SECRET_TEXT in inbox.text


async def test_replayed_forged_and_old_init_data_get_a_refusal(desk: Desk) -> None:
    await coach(desk)
    desk.observation(text=SECRET_TEXT)
    raw = desk.init_data(COACH_ID)
    async with desk.client() as first:
        assert (await log_in_with_telegram(first, raw)).status_code == 303
    old = desk.init_data(COACH_ID, at=desk.services.clock.now() - timedelta(hours=2))
    forged = init_data.sign(
        init_data.user_fields(COACH_ID, desk.services.clock.now()), "987654321:" + "C" * 35
    )
    for attempt in (raw, old, forged, "hash=abc"):
        async with desk.client() as browser:
            refused = await log_in_with_telegram(browser, attempt)
            assert refused.status_code == 403
            assert SECRET_TEXT not in refused.text
            assert "Stadshart" not in refused.text and "Elsrijk" not in refused.text
            assert (await browser.get("/")).status_code == 401


async def test_a_resident_is_refused_in_their_language(desk: Desk) -> None:
    await resident(desk)
    desk.observation(text=SECRET_TEXT)
    async with desk.client() as browser:
        refused = await log_in_with_telegram(browser, desk.init_data(RESIDENT_ID))
        assert refused.status_code == 403
        assert "alleen voor de wijkcoach" in refused.text
        assert SECRET_TEXT not in refused.text
        assert (await browser.get("/")).status_code == 401


async def test_someone_unknown_is_refused(desk: Desk) -> None:
    async with desk.client() as browser:
        refused = await log_in_with_telegram(browser, desk.init_data(999, language_code="en"))
        assert refused.status_code == 403
        assert "district coaches only" in refused.text


async def test_a_coach_of_another_wijk_sees_nothing_of_this_one(desk: Desk) -> None:
    await coach(desk, OTHER_COACH_ID, STADSHART)
    here = desk.observation(text=SECRET_TEXT)
    async with desk.client() as browser:
        assert (
            await log_in_with_telegram(browser, desk.init_data(OTHER_COACH_ID))
        ).status_code == 303
        inbox = await browser.get("/")
        assert inbox.status_code == 200 and SECRET_TEXT not in inbox.text
        for path in (f"/m/{here.id}", f"/m/{here.id}/photo"):
            refused = await browser.get(path)
            assert refused.status_code == 403, path
            assert SECRET_TEXT not in refused.text
            assert "Elsrijk" not in refused.text


async def test_a_coach_who_lost_the_role_is_refused_at_the_next_request(desk: Desk) -> None:
    from sqlmodel import delete

    from models import Membership

    await coach(desk)
    desk.observation(text=SECRET_TEXT)
    async with desk.client() as browser:
        await log_in_with_telegram(browser, desk.init_data(COACH_ID))
        assert (await browser.get("/")).status_code == 200
        with desk.services.db.session() as session:
            session.exec(delete(Membership).where(Membership.role == "coach"))  # type: ignore[call-overload]
            session.commit()
        refused = await browser.get("/")
        assert refused.status_code == 403
        assert SECRET_TEXT not in refused.text


async def test_bureau_sends_a_link_that_works_once(desk: Desk) -> None:
    person = await coach(desk)
    desk.observation(text=SECRET_TEXT)
    await person.send("/bureau")
    message = person.last
    assert "werkt één keer" in message.plain_text
    link = link_in(message.plain_text)
    path = link.split("8089", 1)[1] if "8089" in link else "/login/" + link.rsplit("/", 1)[1]
    async with desk.client() as browser:
        answer = await browser.get(path)
        assert answer.status_code == 303 and answer.headers["location"] == "/"
        assert SECRET_TEXT in (await browser.get("/")).text
    async with desk.client() as other:
        again = await other.get(path)
        assert again.status_code == 403
        assert "werkt niet meer" in again.text
        assert SECRET_TEXT not in again.text


async def test_an_expired_link_is_refused(desk: Desk) -> None:
    await coach(desk)
    with desk.services.db.session() as session:
        from bot.people import persons

        person = persons.get_person(session, COACH_ID)
        assert person is not None and person.id is not None
        token = login_links.create(
            session,
            person.id,
            now=desk.services.clock.now() - timedelta(minutes=11),
            valid_for=timedelta(minutes=10),
        )
    async with desk.client() as browser:
        assert (await browser.get(f"/login/{token}")).status_code == 403


async def test_bureau_is_for_coaches(desk: Desk) -> None:
    person = await resident(desk)
    await person.send("/bureau")
    assert "alleen voor wijkcoaches" in person.last.plain_text
    assert "/login/" not in person.last.plain_text


async def test_a_form_without_the_csrf_token_is_refused(desk: Desk) -> None:
    await coach(desk)
    async with desk.client() as browser:
        await log_in_with_telegram(browser, desk.init_data(COACH_ID))
        assert (await browser.post("/logout")).status_code == 403
        assert (await browser.post("/logout", data={"csrf": "wrong"})).status_code == 403
        assert (await browser.get("/")).status_code == 200  # still logged in
        token = await csrf_of(browser)
        assert (await browser.post("/logout", data={"csrf": token})).status_code == 200
        assert (await browser.get("/")).status_code == 401


async def test_a_body_over_the_limit_is_refused_before_any_page_reads_it(desk: Desk) -> None:
    await coach(desk)
    async with desk.client() as browser:
        await log_in_with_telegram(browser, desk.init_data(COACH_ID))
        token = await csrf_of(browser)
        answer = await browser.post("/logout", data={"csrf": token, "x": "a" * (1024 * 1024)})
        assert answer.status_code == 413
        assert "Dit is te veel tekst of een te groot bestand." in answer.text
        assert (await browser.get("/")).status_code == 200  # the logout never ran


async def test_a_login_without_the_csrf_token_is_refused(desk: Desk) -> None:
    await coach(desk)
    async with desk.client() as browser:
        answer = await browser.post("/auth/telegram", data={"init_data": desk.init_data(COACH_ID)})
        assert answer.status_code == 403


async def test_the_next_page_after_login_stays_on_the_site(desk: Desk) -> None:
    await coach(desk)
    async with desk.client() as browser:
        answer = await log_in_with_telegram(browser, desk.init_data(COACH_ID), "//evil.example/")
        assert answer.headers["location"] == "/"


async def test_the_menus_desk_button_sends_a_link_on_plain_http(desk: Desk) -> None:
    person = await coach(desk)
    await person.send("/menu")
    await person.press("Bureau openen")
    link = link_in(person.last.plain_text)
    async with desk.client() as browser:
        assert (await browser.get("/login/" + link.rsplit("/", 1)[1])).status_code == 303


async def test_bureau_says_so_when_the_desk_is_off(desk: Desk) -> None:
    from dataclasses import replace

    person = await coach(desk)
    config = desk.services.config
    desk.services.config = replace(config, desk=replace(config.desk, enabled=False))
    await person.send("/bureau")
    assert "staat nu uit" in person.last.plain_text


async def test_a_browser_without_a_session_goes_to_the_login_page(desk: Desk) -> None:
    await coach(desk)
    desk.observation(text=SECRET_TEXT)
    page = {"accept": "text/html,application/xhtml+xml"}
    async with desk.client() as browser:
        sent = await browser.get("/m/1?x=1", headers=page)
        assert sent.status_code == 303
        assert sent.headers["location"] == "/login?next=%2Fm%2F1%3Fx%3D1"
        login = await browser.get(sent.headers["location"], headers=page)
        assert login.status_code == 200 and SECRET_TEXT not in login.text
        assert desk.services.config.desk.telegram_js_url in login.text
        assert 'name="next" value="/m/1?x=1"' in login.text
        # Not a page (a picture, a script): refused as before.
        assert (await browser.get("/m/1/photo", headers={"accept": "image/*"})).status_code == 401
        # Elsewhere is never a place to go on to.
        other = await browser.get("/login?next=//elsewhere.example/", headers=page)
        assert 'name="next" value="/"' in other.text
        answer = await log_in_with_telegram(browser, desk.init_data(COACH_ID), "/m/1?x=1")
        assert answer.headers["location"] == "/m/1?x=1"
        # Logged in already: the login page goes on.
        again = await browser.get("/login?next=/archief", headers=page)
        assert again.status_code == 303 and again.headers["location"] == "/archief"
