"""The inbox's filter as a file through the desk: the links carry the inbox's query, the files
hold every row of it (as many as the inbox counts), names only where shared, no formulas, and
only for a coach of the wijk."""

from __future__ import annotations

import csv
import html
import io
import re

from openpyxl import load_workbook

from bot.people import persons
from models import Person
from tests.desk.conftest import (
    COACH_ID,
    OTHER_COACH_ID,
    RESIDENT_ID,
    STADSHART,
    Desk,
    coach,
    log_in_with_telegram,
    logged_in,
    resident,
)

XLSX_MAGIC = b"PK\x03\x04"


def sender(desk: Desk, telegram_id: int, name: str) -> int:
    with desk.services.db.session() as session:
        wijk = persons.wijk_by_slug(session, "elsrijk")
        assert wijk is not None
        person = Person(
            telegram_id=telegram_id,
            consent_at=desk.services.clock.now(),
            pseudonym=f"Buur-{telegram_id}",
            display_name=name,
            share_name=False,
            current_wijk_id=wijk.id,
        )
        session.add(person)
        session.commit()
        assert person.id is not None
        return person.id


def world(desk: Desk) -> None:
    sanne, piet = sender(desk, 7001, "Sanne"), sender(desk, 7002, "Piet")
    desk.observation(text="Kapotte lantaarn bij de school", person_id=sanne, share_name=True)
    desk.observation(text="Kapotte stoep", person_id=piet, share_name=False)
    desk.observation(text='=HYPERLINK("http://x") kapotte bank', swot="weakness")
    desk.observation(text="Mooi nieuw park", swot="strength", person_id=piet)
    desk.observation(text="Kapotte tegel, ingetrokken", status="withdrawn")
    desk.observation(STADSHART, text="Kapotte brug in een andere wijk")


def links(page: str) -> dict[str, str]:
    found = dict(re.findall(r'<a href="(/export\.(?:csv|xlsx)[^"]*)" download>([^<]+)</a>', page))
    return {text: html.unescape(href) for href, text in found.items()}


def inbox_total(page: str) -> int:
    found = re.search(r"(\d+) meldingen</p>", page)
    assert found, page
    return int(found.group(1))


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


async def test_the_inbox_links_to_its_filter_as_csv_and_xlsx(desk: Desk) -> None:
    await coach(desk)
    world(desk)
    async with logged_in(desk) as browser:
        inbox = (await browser.get("/?swot=weakness&q=kapotte&page=1")).text
        total = inbox_total(inbox)
        assert total == 3
        found = links(inbox)
        assert set(found) == {"Download als Excel-bestand", "Download als tekstbestand"}
        csv_url = found["Download als tekstbestand"]
        xlsx_url = found["Download als Excel-bestand"]
        assert csv_url == "/export.csv?swot=weakness&q=kapotte"
        assert xlsx_url == "/export.xlsx?swot=weakness&q=kapotte"

        answer = await browser.get(csv_url)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert answer.headers["cache-control"] == "no-store"
        disposition = answer.headers["content-disposition"]
        today = desk.services.clock.now().astimezone(desk.services.config.general.tz).date()
        assert disposition == f'attachment; filename="meldingen-{today.isoformat()}.csv"'
        header, *rows = csv_rows(answer.content)
        assert header[0] == "Melding" and len(rows) == total
        texts = {row[header.index("Tekst")] for row in rows}
        assert texts == {
            "Kapotte lantaarn bij de school",
            "Kapotte stoep",
            '\'=HYPERLINK("http://x") kapotte bank',  # never a formula
        }
        authors = {row[header.index("Tekst")]: row[header.index("Van")] for row in rows}
        assert authors["Kapotte lantaarn bij de school"] == "Sanne"  # shared
        assert authors["Kapotte stoep"] == "Buur-7002"  # not shared: the pseudonym
        assert "Piet" not in answer.text and "andere wijk" not in answer.text

        workbook = await browser.get(xlsx_url)
        assert workbook.status_code == 200
        assert workbook.headers["content-type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert workbook.headers["content-disposition"].endswith(f'-{today.isoformat()}.xlsx"')
        assert workbook.headers["cache-control"] == "no-store"
        assert workbook.content.startswith(XLSX_MAGIC)
        sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).active
        assert sheet is not None
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[0][0] == "Melding" and len(values) - 1 == total
        assert {r[0] for r in values[1:]} == {r[0] for r in rows}
        assert "Piet" not in str(values)


async def test_every_page_of_the_filter_is_in_the_file(desk: Desk) -> None:
    await coach(desk)
    for n in range(60):
        desk.observation(text=f"Melding nummer {n}")
    async with logged_in(desk) as browser:
        second = (await browser.get("/?page=2")).text
        total = inbox_total(second)
        assert total == 60
        assert links(second)["Download als tekstbestand"] == "/export.csv"
        _header, *rows = csv_rows((await browser.get("/export.csv?page=2")).content)
        assert len(rows) == total


async def test_an_empty_filter_gives_a_file_with_only_its_header(desk: Desk) -> None:
    await coach(desk)
    async with logged_in(desk) as browser:
        inbox = (await browser.get("/?q=niets")).text
        assert links(inbox) == {}  # nothing to download
        header, *rows = csv_rows((await browser.get("/export.csv?q=niets")).content)
        assert rows == [] and header[0] == "Melding"


async def test_english_for_an_english_coach(desk: Desk) -> None:
    await coach(desk)
    with desk.services.db.session() as session:
        person = persons.get_person(session, COACH_ID)
        assert person is not None
        person.language = "en"
        session.add(person)
        session.commit()
    desk.observation(text="Broken lamp", latitude=52.3, longitude=4.86)
    async with logged_in(desk) as browser:
        inbox = (await browser.get("/")).text
        assert "Download as an Excel file" in inbox and "Download as a text file" in inbox
        answer = await browser.get("/export.csv")
        text = answer.content.decode("utf-8-sig")
        _header, row = list(csv.reader(io.StringIO(text)))  # commas, decimal points
        assert "52.3" in row


async def test_refusals(desk: Desk) -> None:
    await coach(desk)
    await coach(desk, OTHER_COACH_ID, STADSHART)
    await resident(desk)
    desk.observation(text="Geheim uit Elsrijk")
    with desk.services.db.session() as session:
        elsrijk = persons.wijk_by_slug(session, "elsrijk")
        assert elsrijk is not None
    async with desk.client() as stranger:
        for path in ("/export.csv", "/export.xlsx"):
            answer = await stranger.get(path)
            assert answer.status_code == 401 and "Geheim" not in answer.text
    async with logged_in(desk, OTHER_COACH_ID) as other:
        for path in ("/export.csv", "/export.xlsx"):
            answer = await other.get(f"{path}?wijk={elsrijk.id}")
            assert answer.status_code == 403
            assert "attachment" not in answer.headers.get("content-disposition", "")
            assert "Geheim" not in answer.text and "Elsrijk" not in answer.text
        own = await other.get("/export.csv")
        assert own.status_code == 200 and "Geheim" not in own.content.decode("utf-8-sig")
    async with desk.client() as browser:
        refused = await log_in_with_telegram(browser, desk.init_data(RESIDENT_ID))
        assert refused.status_code == 403
        answer = await browser.get("/export.csv")
        assert answer.status_code == 401 and "Geheim" not in answer.text
    async with logged_in(desk) as former:
        # No longer a coach (the membership ended after logging in): refused on the next request.
        with desk.services.db.session() as session:
            person = persons.get_person(session, COACH_ID)
            assert person is not None and person.id is not None
            for membership in persons.memberships(session, person.id):
                session.delete(membership)
            session.commit()
        for path in ("/export.csv", "/export.xlsx"):
            answer = await former.get(path)
            assert answer.status_code == 403 and "Geheim" not in answer.text


def coach_person(desk: Desk, telegram_id: int) -> tuple[int, str]:
    with desk.services.db.session() as session:
        found = persons.get_person(session, telegram_id)
        assert found is not None and found.id is not None
        return found.id, found.pseudonym


async def test_a_coachs_own_observation_is_theirs_in_the_file_as_on_the_page(
    desk: Desk,
) -> None:
    """The desk says "Van: jou" for the coach's own observation (they live in the wijk), not
    their pseudonym; the file they download says the same, in their language ("you" in
    English). Another coach of the wijk sees the pseudonym, on the page and in the file."""
    await coach(desk)
    await coach(desk, OTHER_COACH_ID)
    me, pseudonym = coach_person(desk, COACH_ID)
    desk.observation(person_id=me, text="Te weinig groen in mijn straat")
    async with logged_in(desk) as browser:
        assert "Van: jou" in (await browser.get("/")).text
        header, row = csv_rows((await browser.get("/export.csv")).content)
        assert row[header.index("Van")] == "jou" and pseudonym not in ",".join(row)
        workbook = (await browser.get("/export.xlsx")).content
        sheet = load_workbook(io.BytesIO(workbook), read_only=True).active
        assert sheet is not None
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[1][values[0].index("Van")] == "jou" and pseudonym not in str(values)
        with desk.services.db.session() as session:
            person = persons.get_person(session, COACH_ID)
            assert person is not None
            person.language = "en"
            session.add(person)
            session.commit()
        assert "From: you" in (await browser.get("/")).text
        text = (await browser.get("/export.csv")).content.decode("utf-8-sig")
        header, row = list(csv.reader(io.StringIO(text)))
        assert row[header.index("From")] == "you"
    async with logged_in(desk, OTHER_COACH_ID) as browser:
        header, row = csv_rows((await browser.get("/export.csv")).content)
        assert row[header.index("Van")] == pseudonym
