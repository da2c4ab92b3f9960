"""The digest archive on the desk: the list (newest first, paged, by wijk, "for me"), one digest
as the coach received it (safe HTML: what someone wrote stays text), its chart, and refusals for
another wijk's digest that show nothing of it."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.fake_telegram.users import TINY_PNG
from bot.people import persons
from models import Digest, DigestArchive, DigestStatus, Role
from tests.desk.conftest import (
    COACH_ID,
    ELSRIJK,
    OTHER_COACH_ID,
    RESIDENT_ID,
    STADSHART,
    Desk,
    coach,
    log_in_with_telegram,
    logged_in,
    resident,
)
from tests.helpers import join_as

HOSTILE = (
    '<b>Wijkoverzicht</b>\n<a href="javascript:alert(1)">klik</a> '
    '<script>alert("x")</script><img src=x onerror=alert(1)> &lt;i&gt;letterlijk&lt;/i&gt;'
)


def person_id(desk: Desk, telegram_id: int) -> int:
    with desk.services.db.session() as session:
        person = persons.get_person(session, telegram_id)
        assert person is not None and person.id is not None
        return person.id


def digest(
    desk: Desk,
    *,
    slug: str = ELSRIJK,
    coach_telegram_id: int = COACH_ID,
    weeks_ago: int = 1,
    messages: list[str] | None = None,
    chart: bytes | None = TINY_PNG,
    status: str = DigestStatus.SENT.value,
    asked: bool = False,
) -> int:
    now = desk.services.clock.now()
    end = datetime(now.year, now.month, now.day, tzinfo=now.tzinfo) - timedelta(weeks=weeks_ago)
    with desk.services.db.session() as session:
        wijk = persons.wijk_by_slug(session, slug)
        assert wijk is not None and wijk.id is not None
        row = Digest(
            coach_id=person_id(desk, coach_telegram_id),
            wijk_id=wijk.id,
            period_key=f"P{weeks_ago}",
            asked=asked,
            period_start=end - timedelta(days=7),
            period_end=end,
            status=status,
            sent_at=end + timedelta(hours=8),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(
            DigestArchive(
                digest_id=row.id,
                lang="nl",
                messages=messages or [f"<b>Wijkoverzicht {slug}</b>\nEr kwamen 3 meldingen."],
                chart_png=chart,
            )
        )
        session.commit()
        return row.id


async def test_the_list_newest_first_with_for_me(desk: Desk) -> None:
    await coach(desk)
    await join_as(desk.bot, desk.services, 5003, "Collega", Role.COACH, ELSRIJK)
    older = digest(desk, weeks_ago=3)
    newer = digest(desk, weeks_ago=1)
    colleague = digest(desk, weeks_ago=2, coach_telegram_id=5003)
    async with logged_in(desk) as browser:
        inbox = (await browser.get("/")).text
        assert '<a href="/archief">Wijkoverzichten</a>' in inbox  # in the header, by the inbox
        page = await browser.get("/archief")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        text = page.text
        assert 'aria-current="page">Wijkoverzichten</a>' in text
        assert "3 wijkoverzichten" in text
        positions = [text.index(f'href="/archief/{d}"') for d in (newer, colleague, older)]
        assert positions == sorted(positions)
        assert text.count('<span class="status">Voor mij</span>') == 2
        assert "Voor een andere wijkcoach van deze wijk" in text
        mine = (await browser.get("/archief?mine=1")).text
        assert "2 wijkoverzichten" in mine and f'href="/archief/{colleague}"' not in mine
        assert "<script>" not in text and " style=" not in text


async def test_a_digest_asked_for_is_marked_so(desk: Desk) -> None:
    """A digest a coach asked for ("Wijkoverzicht nu", /digest) stands in the list and on its
    own page marked as asked for (its page gives the day it was sent once, among its facts); a
    scheduled one is not marked."""
    await coach(desk)
    scheduled = digest(desk, weeks_ago=2)
    asked = digest(desk, weeks_ago=1, asked=True)
    async with logged_in(desk) as browser:
        text = (await browser.get("/archief")).text
        mark = "Extra wijkoverzicht: een wijkcoach vroeg erom"
        assert text.count(mark) == 1
        assert text.index(f'href="/archief/{asked}"') < text.index(mark)
        assert text.index(mark) < text.index(f'href="/archief/{scheduled}"')
        page = (await browser.get(f"/archief/{asked}")).text
        assert page.count(mark) == 1 and page.count("<dt>Gestuurd</dt>") == 1
        assert mark not in (await browser.get(f"/archief/{scheduled}")).text


async def test_the_list_pages_and_filters_by_wijk(desk: Desk) -> None:
    await join_as(desk.bot, desk.services, COACH_ID, "Coach", Role.COACH, ELSRIJK, STADSHART)
    for week in range(1, 23):
        digest(desk, weeks_ago=week)
    there = digest(desk, slug=STADSHART, weeks_ago=1)
    async with logged_in(desk) as browser:
        first = (await browser.get("/archief")).text
        assert "23 wijkoverzichten" in first and "Pagina 1 van 2" in first
        assert 'href="/archief?page=2"' in first
        second = (await browser.get("/archief?page=2")).text
        assert "Pagina 2 van 2" in second
        with desk.services.db.session() as session:
            stadshart = persons.wijk_by_slug(session, STADSHART)
            assert stadshart is not None
        only = (await browser.get(f"/archief?wijk={stadshart.id}")).text
        assert "1 wijkoverzicht<" in only and f'href="/archief/{there}"' in only
        assert f'<option value="{stadshart.id}" selected>' in only
        assert (await browser.get("/archief?page=abc")).status_code == 200
        assert (await browser.get("/archief?page=999")).status_code == 200


async def test_one_digest_as_received_with_its_chart(desk: Desk) -> None:
    await coach(desk)
    found = digest(desk)
    async with logged_in(desk) as browser:
        page = await browser.get(f"/archief/{found}")
        assert page.status_code == 200
        assert "<b>Wijkoverzicht elsrijk</b><br>" in page.text
        assert "Er kwamen 3 meldingen." in page.text
        assert f'<img src="/archief/{found}/chart.png" alt="Grafiek van Elsrijk:' in page.text
        assert 'href="/archief">Terug naar de wijkoverzichten</a>' in page.text
        chart = await browser.get(f"/archief/{found}/chart.png")
        assert chart.status_code == 200
        assert chart.content == TINY_PNG
        assert chart.headers["content-type"] == "image/png"
        assert "no-store" in chart.headers["cache-control"]


async def test_a_digest_without_chart_has_no_image(desk: Desk) -> None:
    await coach(desk)
    found = digest(desk, chart=None)
    async with logged_in(desk) as browser:
        page = (await browser.get(f"/archief/{found}")).text
        assert "chart.png" not in page and "<img" not in page
        assert (await browser.get(f"/archief/{found}/chart.png")).status_code == 404


async def test_hostile_html_in_a_digest_stays_text(desk: Desk) -> None:
    await coach(desk)
    found = digest(desk, messages=[HOSTILE])
    async with logged_in(desk) as browser:
        whole = (await browser.get(f"/archief/{found}")).text
        page = whole.split("<main", 1)[1]  # the head loads the desk's own scripts only
        assert "<script" not in page and "alert(" not in whole
        assert "<img src=x" not in page and "onerror" not in page
        assert "javascript:" not in page
        assert "<b>Wijkoverzicht</b>" in page and "klik" in page
        assert "&lt;i&gt;letterlijk&lt;/i&gt;" in page  # what was text stays text


async def test_unknown_and_unsent_digests_are_not_found(desk: Desk) -> None:
    await coach(desk)
    pending = digest(desk, status=DigestStatus.PENDING.value)
    async with logged_in(desk) as browser:
        for path in ("/archief/999999", "/archief/abc", f"/archief/{pending}", "/archief/0"):
            answer = await browser.get(path)
            assert answer.status_code == 404, path
            assert "Dit wijkoverzicht is er niet." in answer.text
        assert (await browser.get("/archief/999999/chart.png")).status_code == 404


async def test_another_wijks_digest_is_refused_without_its_data(desk: Desk) -> None:
    await coach(desk)
    await coach(desk, OTHER_COACH_ID, STADSHART)
    await resident(desk)
    secret = digest(desk, messages=["<b>Geheim uit Elsrijk</b>"])
    with desk.services.db.session() as session:
        elsrijk = persons.wijk_by_slug(session, ELSRIJK)
        assert elsrijk is not None
    async with logged_in(desk, OTHER_COACH_ID) as other:
        for path in (f"/archief/{secret}", f"/archief/{secret}/chart.png"):
            answer = await other.get(path)
            assert answer.status_code == 403, path
            assert "Geheim" not in answer.text and "Elsrijk" not in answer.text
            assert answer.headers["content-type"].startswith("text/html")
        listing = await other.get(f"/archief?wijk={elsrijk.id}")
        assert listing.status_code == 403 and "Elsrijk" not in listing.text
        own = (await other.get("/archief")).text
        assert f"/archief/{secret}" not in own and "0 wijkoverzichten" in own
    async with desk.client() as stranger:
        for path in ("/archief", f"/archief/{secret}", f"/archief/{secret}/chart.png"):
            answer = await stranger.get(path)
            assert answer.status_code == 401 and "Geheim" not in answer.text
        refused = await log_in_with_telegram(stranger, desk.init_data(RESIDENT_ID))
        assert refused.status_code == 403
        assert (await stranger.get(f"/archief/{secret}")).status_code == 401
