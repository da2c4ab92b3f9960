""" "Nieuws uit je wijk": asked once on the spiegel overview, changed in the menu; one message
per wijk when its spiegel changed, to the residents who said yes, at most once a day; through
the real Application, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.context import Services
from bot.fake_telegram import Harness
from bot.privacy import personal_data
from bot.spiegel import news_delivery
from models import Person, Role, WijkNews
from tests.helpers import join_as, onboard
from tests.spiegel.test_spiegel import load, this_year


async def test_wijk_news_goes_once_to_who_said_yes(bot: Harness, services: Services) -> None:
    year = this_year(services)
    load(services, "elsrijk", year=year)
    alice = await onboard(bot, 6101, "Alice")
    bert = await onboard(bot, 6102, "Bert")
    cees = await onboard(bot, 6103, "Cees")
    coach = await join_as(bot, services, 6104, "Carla", Role.COACH, "elsrijk")
    # Asked once, on the overview itself (one message).
    (overview,) = await alice.send("/spiegel")
    assert "Wil je een bericht als de wijkspiegel" in overview.plain_text
    (after,) = await alice.press("Ja, stuur me nieuws uit mijn wijk")
    assert "Wil je een bericht" not in after.plain_text
    assert "Ja, stuur me nieuws uit mijn wijk" not in after.button_texts
    (again,) = await alice.send("/spiegel")
    assert "Wil je een bericht" not in again.plain_text
    # Bert lets the question be: asked once, it is "no" (the default) from then on.
    (first,) = await bert.send("/spiegel")
    assert "Wil je een bericht" in first.plain_text
    (second,) = await bert.send("/spiegel")
    assert "Wil je een bericht" not in second.plain_text
    # Cees is never asked (he did not open the spiegel): he gets nothing either.
    with services.db.session() as session:
        choices = {p.telegram_id: p.wijk_news for p in session.exec(select(Person)).all()}
    assert (choices[6101], choices[6102], choices[6103]) == (True, False, None)
    assert await news_delivery.run(bot.app) == 0  # nothing changed yet
    assert bot.app.job_queue is not None
    (job,) = bot.app.job_queue.get_jobs_by_name("wijk-news")
    assert job.job.misfire_grace_time is None

    # The coach starts next year's spiegel.
    await coach.send("/spiegel")
    await coach.press("Begin aan volgend jaar")
    await coach.press(f"Ja, begin {year + 1}")
    seen = {p: len(p.messages) for p in (alice, bert, cees, coach)}
    assert await news_delivery.run(bot.app) == 1
    (news,) = alice.messages[seen[alice] :]
    assert "Nieuws uit je wijk" in news.plain_text
    assert f"De wijkspiegel van Elsrijk voor {year + 1} is er" in news.plain_text
    assert news.button_texts == ["Naar de wijkspiegel"]
    assert len(bert.messages) == seen[bert] and len(cees.messages) == seen[cees]
    assert "Nieuws uit je wijk is verstuurd naar Elsrijk. Aangekomen: 1." in coach.last.plain_text
    (opened,) = await alice.press("Naar de wijkspiegel", message=news)
    assert f"Elsrijk {year + 1}" in opened.plain_text

    # Run again: nothing. A change the same day waits for the next day.
    assert await news_delivery.run(bot.app) == 0
    (overview,) = await coach.send("/spiegel")
    page = await coach.press("Wat kan beter? (2)", message=overview)
    stoep = next(m for m in page if "De stoepen zijn ongelijk." in m.plain_text)
    await coach.press("Zin aanpassen", message=stoep)
    await coach.send("De stoepen in de Parkstraat zijn ongelijk.")
    count = len(alice.messages)
    assert await news_delivery.run(bot.app) == 0
    assert len(alice.messages) == count
    with services.db.session() as session:
        told = session.get(WijkNews, session.exec(select(WijkNews.wijk_id)).one())
        assert told is not None and told.sent_at is not None
        told.sent_at -= timedelta(days=1, minutes=1)
        session.add(told)
        session.commit()
    assert await news_delivery.run(bot.app) == 1
    (reworded,) = alice.messages[count:]
    assert "De wijkspiegel van Elsrijk is veranderd" in reworded.plain_text


async def test_the_wijk_news_switch_says_what_it_switches_in_english(
    bot: Harness, services: Services
) -> None:
    load(services, "elsrijk")
    amy = await onboard(bot, 6112, "Amy", language_code="en")
    await amy.send("/menu")
    (setting,) = await amy.press("News from your district")
    assert "is off" in setting.plain_text
    assert "Turn on news from your district" in setting.button_texts
    (setting,) = await amy.press("Turn on news from your district")
    assert "is on" in setting.plain_text
    assert "Turn off news from your district" in setting.button_texts
    (setting,) = await amy.press("Turn off news from your district")
    assert "is off" in setting.plain_text
    assert "Turn on news from your district" in setting.button_texts


async def test_wijk_news_in_the_menu_export_and_erasure(bot: Harness, services: Services) -> None:
    load(services, "elsrijk")
    alice = await onboard(bot, 6111, "Alice")
    await alice.send("/menu")
    (setting,) = await alice.press("Nieuws uit je wijk")
    assert "staat uit" in setting.plain_text
    # The button says what it switches: not "Zet aan" beside another screen's buttons.
    assert "Nieuws uit je wijk aanzetten" in setting.button_texts
    (setting,) = await alice.press("Nieuws uit je wijk aanzetten")
    assert "staat aan" in setting.plain_text
    assert "Nieuws uit je wijk uitzetten" in setting.button_texts
    with services.db.session() as session:
        person = session.exec(select(Person).where(Person.telegram_id == 6111)).one()
        assert person.wijk_news is True and person.id is not None
        exported = personal_data.export_person(session, person.id)
        assert exported["profile"]["wijk_news"] is True
        personal_data.erase_person(session, person.id, keep_contributions=False)
    with services.db.session() as session:
        assert session.exec(select(Person).where(Person.telegram_id == 6111)).first() is None
