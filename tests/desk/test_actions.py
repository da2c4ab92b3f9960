"""The coach's actions on the desk over HTTP, on SQLite and PostgreSQL: the status form, the
answer (with a template), notes, the templates page and the inbox's bulk form; every refusal
(no session, another wijk's coach, a forged id, no CSRF token, a stale form); and what the
sender receives from the bot afterwards."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx
from sqlmodel import col, select

from bot.fake_telegram.users import Person as FakePerson
from bot.observations import workflow
from bot.people import persons
from models import AnswerTemplate, Observation, ObservationEvent, ObservationNote, Role, Supporter
from tests.desk.conftest import (
    COACH_ID,
    ELSRIJK,
    OTHER_COACH_ID,
    RESIDENT_ID,
    STADSHART,
    Desk,
    coach,
    coach_logged_in,
    csrf_of,
    log_in_with_telegram,
    logged_in,
    resident,
)
from tests.helpers import join_as

HOSTILE = "Zie <b>dit</b> & <script>x</script>"


async def sent_by(desk: Desk, **values: Any) -> tuple[FakePerson, Observation]:
    """A resident and an observation of theirs in Elsrijk."""
    person = await resident(desk)
    with desk.services.db.session() as session:
        found = persons.get_person(session, RESIDENT_ID)
        assert found is not None
        person_id, lang = found.id, found.language
    return person, desk.observation(person_id=person_id, lang=lang, **values)


def status_of(desk: Desk, observation_id: int | None) -> str:
    with desk.services.db.session() as session:
        row = session.get(Observation, observation_id)
        assert row is not None
        return row.status


def row(desk: Desk, observation_id: int | None) -> Observation:
    with desk.services.db.session() as session:
        found = session.get(Observation, observation_id)
        assert found is not None
        session.expunge(found)
        return found


async def post(browser: httpx.AsyncClient, path: str, data: dict[str, Any]) -> httpx.Response:
    return await browser.post(path, data={"csrf": await csrf_of(browser), **data})


async def delivered(desk: Desk) -> None:
    """The background sender has sent what there was to send."""
    desk.services.desk_notices.wake()
    await desk.services.desk_notices.idle()


def texts(person: FakePerson, words: str) -> list[str]:
    return [m.plain_text for m in person.messages if words in m.plain_text]


async def test_opening_a_new_observation_marks_it_read_silently(desk: Desk) -> None:
    sender, obs = await sent_by(desk)
    before = len(sender.messages)
    async with coach_logged_in(desk) as browser:
        page = await browser.get(f"/m/{obs.id}")
        assert page.status_code == 200
    assert status_of(desk, obs.id) == "read"
    await delivered(desk)
    assert len(sender.messages) == before


async def test_the_status_form_offers_only_allowed_steps_and_tells_the_sender(desk: Desk) -> None:
    sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        page = (await browser.get(f"/m/{obs.id}")).text
        offered = re.findall(
            r'<option value="([a-z_]+)"', page.split('name="to"')[1].split("</select>")[0]
        )
        assert offered == ["in_progress", "referred", "resolved", "duplicate", "hidden", "new"]
        answer = await post(
            browser,
            f"/m/{obs.id}/status",
            {"seen": "read", "to": "referred", "partner": "Woonstichting <De Key>"},
        )
        assert answer.status_code == 303 and answer.headers["location"] == f"/m/{obs.id}"
        page = (await browser.get(f"/m/{obs.id}")).text
        assert f"Melding {obs.reference} heeft nu de status Doorgestuurd." in page
        assert "Woonstichting &lt;De Key&gt;" in page and "<De Key>" not in page
        # Shown once.
        assert "heeft nu de status" not in (await browser.get(f"/m/{obs.id}")).text
    assert status_of(desk, obs.id) == "referred"
    await delivered(desk)
    (notice,) = texts(sender, "doorgestuurd naar")
    assert f"Je melding {obs.reference} is doorgestuurd naar Woonstichting <De Key>." in notice


async def test_a_refused_step_is_a_message_on_the_page_and_keeps_what_was_typed(
    desk: Desk,
) -> None:
    _sender, obs = await sent_by(desk)
    elsewhere = desk.observation(STADSHART, text="Ergens anders")
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        # Referred without a partner.
        answer = await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "referred"})
        assert answer.status_code == 400
        assert "Schrijf naar welke partner je de melding doorstuurt." in answer.text
        assert "Traceback" not in answer.text
        # A duplicate of another wijk's observation: as unknown.
        answer = await post(
            browser,
            f"/m/{obs.id}/status",
            {"seen": "read", "to": "duplicate", "duplicate": f"M-{elsewhere.id}"},
        )
        assert answer.status_code == 400
        assert "Die melding ken ik niet in deze wijk." in answer.text
        assert "Ergens anders" not in answer.text
        # A duplicate of nothing typed, or of text that names no observation.
        for typed, said in (
            ("", "Welke melding is hetzelfde? Typ het nummer, bijvoorbeeld M-12."),
            ("de vorige", "Die melding ken ik niet in deze wijk."),
        ):
            answer = await post(
                browser,
                f"/m/{obs.id}/status",
                {"seen": "read", "to": "duplicate", "duplicate": typed},
            )
            assert answer.status_code == 400 and said in answer.text
        # A step the workflow does not allow.
        answer = await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "withdrawn"})
        assert answer.status_code == 400
        # Hidden with a reason that stays in the form when something else fails.
        answer = await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "hidden"})
        assert answer.status_code == 400 and "Schrijf waarom je de melding verbergt." in answer.text
    assert status_of(desk, obs.id) == "read"


async def test_a_stale_form_is_told_the_observation_changed(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        first = await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "resolved"})
        assert first.status_code == 303
        # The same form, shown before that change, sent again.
        again = await post(browser, f"/m/{obs.id}/status", {"seen": "read", "to": "in_progress"})
        assert again.status_code == 409
        assert "Iemand anders heeft deze melding net veranderd." in again.text
    assert status_of(desk, obs.id) == "resolved"


async def test_a_duplicate_names_the_observation_it_repeats(desk: Desk) -> None:
    sender, obs = await sent_by(desk)
    first = desk.observation(text="Eerder gemeld")
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        answer = await post(
            browser,
            f"/m/{obs.id}/status",
            {"seen": "read", "to": "duplicate", "duplicate": f"{first.id}"},
        )
        assert answer.status_code == 303
    assert row(desk, obs.id).duplicate_of_id == first.id
    await delivered(desk)
    assert texts(sender, f"melding M-{first.id}")


async def test_answering_with_a_template_reaches_the_sender_once(desk: Desk) -> None:
    sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        made = await post(
            browser,
            "/sjablonen",
            {
                "wijk": str(obs.wijk_id),
                "title": "Bedankt",
                "body": "Dank voor {melding} in {wijk}.",
            },
        )
        assert made.status_code == 303
        page = (await browser.get("/sjablonen")).text
        template_id = re.search(r'action="/sjablonen/(\d+)"', page)
        assert template_id
        # Without a script: ?template=ID fills the text box on the server.
        page = (await browser.get(f"/m/{obs.id}?template={template_id.group(1)}")).text
        assert f"Dank voor {obs.reference} in Elsrijk.</textarea>" in page
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        text = f"Dank voor {obs.reference}. {HOSTILE}"
        for _ in range(2):  # the same form sent twice
            answer = await post(
                browser, f"/m/{obs.id}/answer", {"answer": text, "key": key.group(1)}
            )
            assert answer.status_code == 303
        page = (await browser.get(f"/m/{obs.id}")).text
        assert f"Je antwoord op {obs.reference} is bewaard." in page
        assert html.escape(HOSTILE, quote=False) in page
        # A second answer is refused as a message.
        again = await post(browser, f"/m/{obs.id}/answer", {"answer": "Nog iets", "key": "other"})
        assert again.status_code == 400 and "Deze melding is al beantwoord." in again.text
    stored = row(desk, obs.id)
    assert stored.answer_text == text and stored.status == "in_progress"
    await delivered(desk)
    await delivered(desk)
    answers = texts(sender, "Antwoord van je wijkcoach")
    assert len(answers) == 1
    assert HOSTILE in answers[0]  # escaped for Telegram: shown as typed
    assert row(desk, obs.id).answer_sent_at is not None
    with desk.services.db.session() as session:
        events = session.exec(
            select(ObservationEvent).where(ObservationEvent.observation_id == obs.id)
        ).all()
    assert [e.kind for e in events].count("answer") == 1


async def test_a_desk_answer_reaches_a_supporting_colleague_as_another_coachs(desk: Desk) -> None:
    """Someone who said "ik ook" and coaches the wijk gets the desk's answer as one from another
    coach; the coach who answered, who said "ik ook" too, does not get their own answer."""
    sender, obs = await sent_by(desk)
    answerer = await coach(desk)
    colleague = await coach(desk, OTHER_COACH_ID)
    me, _ = person_of(desk, COACH_ID)
    them, _ = person_of(desk, OTHER_COACH_ID)
    with desk.services.db.session() as session:
        for person_id in (me, them):
            session.add(Supporter(observation_id=obs.id or 0, person_id=person_id, text="Ook"))
        session.commit()
    async with logged_in(desk) as browser:
        page = (await browser.get(f"/m/{obs.id}")).text
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        data = {"answer": "We pakken het op", "key": key.group(1)}
        assert (await post(browser, f"/m/{obs.id}/answer", data)).status_code == 303
    await delivered(desk)
    assert texts(sender, "Antwoord van je wijkcoach")
    (answer,) = texts(colleague, "We pakken het op")
    assert answer.startswith("Antwoord van een andere wijkcoach op melding")
    assert not texts(answerer, "We pakken het op")


async def test_an_answer_form_sent_again_after_a_reopen_is_not_stored_again(desk: Desk) -> None:
    _sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        page = (await browser.get(f"/m/{obs.id}")).text
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        form = {"answer": "We kijken ernaar", "key": key.group(1)}
        assert (await post(browser, f"/m/{obs.id}/answer", form)).status_code == 303
        reopened = await post(browser, f"/m/{obs.id}/status", {"seen": "in_progress", "to": "new"})
        assert reopened.status_code == 303
        # The browser sends the answer form again (back button, a retry after a time-out).
        again = await post(browser, f"/m/{obs.id}/answer", form)
        assert again.status_code == 400
        assert f"Je antwoord op {obs.reference} was al bewaard." in again.text
        assert row(desk, obs.id).answer_text is None
        # A new form answers it again.
        page = (await browser.get(f"/m/{obs.id}")).text
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        fresh = {"answer": "Het is gemaakt", "key": key.group(1)}
        assert (await post(browser, f"/m/{obs.id}/answer", fresh)).status_code == 303
    assert row(desk, obs.id).answer_text == "Het is gemaakt"
    with desk.services.db.session() as session:
        events = session.exec(
            select(ObservationEvent).where(ObservationEvent.observation_id == obs.id)
        ).all()
    assert [(e.kind, e.detail) for e in events if e.kind == "answer"] == [
        ("answer", "We kijken ernaar"),
        ("answer", None),
    ]


async def test_an_english_sender_gets_the_answer_in_english(desk: Desk) -> None:
    sender = await resident(desk)
    with desk.services.db.session() as session:
        found = persons.get_person(session, RESIDENT_ID)
        assert found is not None
        found.language = "en"
        session.add(found)
        session.commit()
        person_id = found.id
    obs = desk.observation(person_id=person_id, lang="en")
    async with coach_logged_in(desk) as browser:
        page = (await browser.get(f"/m/{obs.id}")).text
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        await post(browser, f"/m/{obs.id}/answer", {"answer": "Thanks!", "key": key.group(1)})
    await delivered(desk)
    assert texts(sender, "Thanks!")
    assert not texts(sender, "Antwoord van je wijkcoach")


async def test_notes_are_for_the_wijks_coaches_only(desk: Desk) -> None:
    sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        await browser.get(f"/m/{obs.id}")
        before = len(sender.messages)
        answer = await post(
            browser, f"/m/{obs.id}/notes", {"note": "Bel de woningcorporatie <morgen>"}
        )
        assert answer.status_code == 303
        page = (await browser.get(f"/m/{obs.id}")).text
        assert "Je notitie is bewaard." in page
        assert "Bel de woningcorporatie &lt;morgen&gt;" in page
        assert "Alleen de wijkcoaches van deze wijk zien notities." in page
        empty = await post(browser, f"/m/{obs.id}/notes", {"note": "   "})
        assert empty.status_code == 400 and "Je notitie is leeg." in empty.text
    await delivered(desk)
    assert len(sender.messages) == before
    with desk.services.db.session() as session:
        assert len(session.exec(select(ObservationNote)).all()) == 1


async def test_the_templates_page_adds_examples_changes_and_deletes(desk: Desk) -> None:
    async with coach_logged_in(desk) as browser:
        page = (await browser.get("/sjablonen")).text
        assert (
            "{melding}: het nummer van de melding" in page and "{wijk}: de naam van de wijk" in page
        )
        wijk = re.search(r'name="wijk" value="(\d+)"', page)
        assert wijk
        added = await post(browser, "/sjablonen/voorbeelden", {"wijk": wijk.group(1)})
        assert added.status_code == 303
        page = (await browser.get("/sjablonen")).text
        assert "De voorbeelden staan erbij." in page
        ids = re.findall(r'action="/sjablonen/(\d+)"', page)
        assert len(ids) == 3
        changed = await post(
            browser, f"/sjablonen/{ids[0]}", {"title": "Nieuw", "body": "Tekst {melding}"}
        )
        assert changed.status_code == 303
        assert "Tekst {melding}" in (await browser.get("/sjablonen")).text
        taken = await post(browser, f"/sjablonen/{ids[1]}", {"title": "Nieuw", "body": "Anders"})
        assert taken.status_code == 400 and "al een antwoord met die naam" in taken.text
        assert 'value="Nieuw"' in taken.text and ">Anders</textarea>" in taken.text
        gone = await post(browser, f"/sjablonen/{ids[2]}/weg", {})
        assert gone.status_code == 303
        assert (
            len(re.findall(r'action="/sjablonen/(\d+)"', (await browser.get("/sjablonen")).text))
            == 2
        )
        # Another wijk than the coach's: refused.
        other = await post(browser, "/sjablonen", {"wijk": "999999", "title": "X", "body": "Y"})
        assert other.status_code == 403


async def test_an_english_coach_s_templates_name_their_blanks_in_english(desk: Desk) -> None:
    """Chris works in English. "Answer templates" said: "Write {melding} for the number of the
    report. Write {wijk} for the name of the district." Those are Dutch words, and a template he
    wrote with {report} or {district} went into the answer box as typed. Now the page and the
    examples name them {report} and {district}, and either name is filled in: a Dutch
    colleague's {melding} and {wijk} in the same wijk's templates still work."""
    await join_as(desk.bot, desk.services, 5003, "Chris", Role.COACH, ELSRIJK, language_code="en")
    _, obs = await sent_by(desk)
    async with desk.client() as browser:
        raw = desk.init_data(5003, language_code="en")
        assert (await log_in_with_telegram(browser, raw)).status_code == 303
        page = (await browser.get("/sjablonen")).text
        assert "<h1>Answer templates</h1>" in page
        assert "{report}: the number of the report, for example M-12." in page
        assert "{district}: the name of the district." in page
        assert "Write {report} for the number of the report." in page
        assert "Write {district} for the name of the district." in page
        assert "{melding}" not in page and "{wijk}" not in page
        wijk = re.search(r'name="wijk" value="(\d+)"', page)
        assert wijk
        added = await post(browser, "/sjablonen/voorbeelden", {"wijk": wijk.group(1)})
        assert added.status_code == 303
        page = (await browser.get("/sjablonen")).text
        assert "Thank you for your report {report}. We have read it." in page
        assert "We will work on it in {district}." in page
        assert "{melding}" not in page and "{wijk}" not in page
        body = "About {report} in {district}. Also {melding} in {wijk}."
        made = await post(
            browser, "/sjablonen", {"wijk": wijk.group(1), "title": "Both", "body": body}
        )
        assert made.status_code == 303
        with desk.services.db.session() as session:
            both = session.exec(select(AnswerTemplate).where(AnswerTemplate.title == "Both")).one()
        page = (await browser.get(f"/m/{obs.id}?template={both.id}")).text
        ref = obs.reference
        assert f"About {ref} in Elsrijk. Also {ref} in Elsrijk.</textarea>" in page


async def test_a_template_with_a_blank_that_is_not_one_is_refused(desk: Desk) -> None:
    """A template saved with {onbekend} or an unclosed {wijk was stored, and the resident got
    the braces in their answer. Now saving it is refused, saying which blanks there are, and
    the form keeps what the coach typed; nothing is stored or changed."""
    async with coach_logged_in(desk) as browser:
        page = (await browser.get("/sjablonen")).text
        wijk = re.search(r'name="wijk" value="(\d+)"', page)
        assert wijk
        typo = "Dank voor {onbekend} in {wijk}."
        refused = await post(
            browser, "/sjablonen", {"wijk": wijk.group(1), "title": "Fout", "body": typo}
        )
        assert refused.status_code == 400
        said = html.unescape(refused.text)
        assert "{onbekend}" in said and "{melding}" in said and "{wijk}" in said
        assert 'value="Fout"' in refused.text and f">{typo}</textarea>" in said
        made = await post(
            browser, "/sjablonen", {"wijk": wijk.group(1), "title": "Goed", "body": "Over {wijk}."}
        )
        assert made.status_code == 303
        (tpl,) = re.findall(r'action="/sjablonen/(\d+)"', (await browser.get("/sjablonen")).text)
        unclosed = "Dank voor {melding} in {wijk. Groet"
        changed = await post(browser, f"/sjablonen/{tpl}", {"title": "Goed", "body": unclosed})
        assert changed.status_code == 400
        said = html.unescape(changed.text)
        assert "{wijk" in said and "{melding}" in said and f">{unclosed}</textarea>" in said
    with desk.services.db.session() as session:
        kept = session.exec(select(AnswerTemplate)).all()
        assert [(t.title, t.body) for t in kept] == [("Goed", "Over {wijk}.")]


async def test_an_english_coach_hears_the_blanks_named_in_english(desk: Desk) -> None:
    await join_as(desk.bot, desk.services, 5003, "Chris", Role.COACH, ELSRIJK, language_code="en")
    async with desk.client() as browser:
        raw = desk.init_data(5003, language_code="en")
        assert (await log_in_with_telegram(browser, raw)).status_code == 303
        page = (await browser.get("/sjablonen")).text
        wijk = re.search(r'name="wijk" value="(\d+)"', page)
        assert wijk
        body = "Thanks for {reprot}."
        refused = await post(
            browser, "/sjablonen", {"wijk": wijk.group(1), "title": "Typo", "body": body}
        )
        assert refused.status_code == 400
        said = html.unescape(refused.text)
        assert "{reprot}" in said and "{report}" in said and "{district}" in said
        assert f">{body}</textarea>" in said


async def test_bulk_marks_read_sets_status_and_answers_each_checked_for_its_wijk(
    desk: Desk,
) -> None:
    sender, first = await sent_by(desk, text="Een")
    second = desk.observation(person_id=first.person_id, lang="nl", text="Twee")
    third = desk.observation(person_id=first.person_id, lang="nl", text="Drie")
    theirs = desk.observation(STADSHART, text="Van een andere wijk")
    ours = [first.id, second.id, third.id]
    async with coach_logged_in(desk) as browser:
        inbox = (await browser.get("/?status=new")).text
        assert f'<input type="checkbox" name="id" value="{first.id}"' in inbox
        assert f"Kies {first.reference}" in inbox
        back = re.search(r'name="back" value="([^"]*)"', inbox)
        assert back and back.group(1) == "status=new"
        answer = await post(
            browser,
            "/bulk",
            {"id": [*map(str, ours), str(theirs.id)], "action": "read", "back": back.group(1)},
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/?status=new"
        page = (await browser.get("/")).text
        assert "3 aangepast, 1 overgeslagen." in page
        assert f"M-{theirs.id}:" in page and "Van een andere wijk" not in page
        assert all(status_of(desk, i) == "read" for i in ours)
        assert status_of(desk, theirs.id) == "new"

        # Again: already read, so skipped with the reason.
        await post(browser, "/bulk", {"id": [str(first.id)], "action": "read"})
        assert "0 aangepast, 1 overgeslagen." in (await browser.get("/")).text

        # Referred, with the partner: the senders hear of it in the background.
        await post(
            browser,
            "/bulk",
            {"id": [str(first.id), str(second.id)], "action": "referred", "partner": "Gemeente"},
        )
        page = (await browser.get("/")).text
        assert "2 aangepast, 0 overgeslagen." in page
        await delivered(desk)
        assert len(texts(sender, "doorgestuurd naar Gemeente")) == 2

        # An answer with a template, filled per observation.
        await post(
            browser,
            "/sjablonen",
            {"wijk": str(first.wijk_id), "title": "Kort", "body": "Over {melding}: we zijn bezig."},
        )
        tpl = re.search(r'action="/sjablonen/(\d+)"', (await browser.get("/sjablonen")).text)
        assert tpl
        data = {"id": [str(third.id)], "action": "answer", "template": tpl.group(1), "key": "k1"}
        await post(browser, "/bulk", data)
        await post(browser, "/bulk", data)  # sent twice: answered once
        await delivered(desk)
        assert len(texts(sender, f"Over {third.reference}: we zijn bezig.")) == 1
        assert status_of(desk, third.id) == "in_progress"

        # Nothing chosen, or no action: said on the inbox it came from, at once.
        answer = await post(browser, "/bulk", {"action": "read"})
        assert answer.status_code == 400 and "Kies eerst een of meer meldingen." in answer.text
        answer = await post(browser, "/bulk", {"id": [str(first.id)], "action": "weg"})
        assert answer.status_code == 400 and "Kies eerst wat je wilt doen." in answer.text


async def test_bulk_answer_with_a_blank_that_is_not_one_is_refused(desk: Desk) -> None:
    """A template kept from before blanks were checked ("{onbekend}", an unclosed "{wijk"),
    sent to several at once, reached each resident with the braces in it. Now the bulk form is
    refused as the templates page refuses it, naming what it found; the inbox comes back with
    the same ticks and template, and nothing is sent or changed."""
    sender, first = await sent_by(desk, text="Een")
    second = desk.observation(person_id=first.person_id, lang="nl", text="Twee")
    with desk.services.db.session() as session:
        old = AnswerTemplate(wijk_id=first.wijk_id, title="Oud", body="Dank voor {onbekend}.")
        open_ = AnswerTemplate(wijk_id=first.wijk_id, title="Open", body="Over {melding} in {wijk")
        session.add_all([old, open_])
        session.commit()
        stored = [(old.id, "{onbekend}"), (open_.id, "{wijk")]
    before = len(sender.messages)
    async with coach_logged_in(desk) as browser:
        for template_id, found in stored:
            data = {
                "id": [str(first.id), str(second.id)],
                "action": "answer",
                "template": str(template_id),
                "key": f"k{template_id}",
            }
            refused = await post(browser, "/bulk", data)
            assert refused.status_code == 400
            said = html.unescape(refused.text)
            assert found in said and "{melding}" in said and "Er is nog niets veranderd." in said
            assert f'name="id" value="{first.id}" checked' in refused.text
            assert f'name="id" value="{second.id}" checked' in refused.text
            assert f'<option value="{template_id}" selected>' in refused.text
    await delivered(desk)
    assert len(sender.messages) == before
    assert status_of(desk, first.id) == "new" and status_of(desk, second.id) == "new"
    with desk.services.db.session() as session:
        events = session.exec(select(ObservationEvent)).all()
        assert not [e for e in events if e.kind == "answer"]


async def test_a_bulk_of_a_hundred_returns_at_once_and_notices_follow(desk: Desk) -> None:
    sender, first = await sent_by(desk)
    ids = [first.id] + [
        desk.observation(person_id=first.person_id, lang="nl").id for _ in range(99)
    ]
    async with coach_logged_in(desk) as browser:
        answer = await post(browser, "/bulk", {"id": [str(i) for i in ids], "action": "resolved"})
        assert answer.status_code == 303
        assert "100 aangepast, 0 overgeslagen." in (await browser.get("/")).text
    await delivered(desk)
    assert len(texts(sender, "is opgelost")) == 100


async def test_who_may_not_act_is_refused_and_nothing_changes(desk: Desk) -> None:
    sender, obs = await sent_by(desk)
    # Not logged in (a resident cannot log in at all).
    async with desk.client() as stranger:
        csrf = await csrf_of(stranger)
        answer = await stranger.post(
            f"/m/{obs.id}/status", data={"csrf": csrf, "seen": "new", "to": "resolved"}
        )
        assert answer.status_code == 401
        refused = await log_in_with_telegram(stranger, desk.init_data(RESIDENT_ID))
        assert refused.status_code == 403
    # Another wijk's coach: logged in, but not for this observation.
    await coach(desk, OTHER_COACH_ID, STADSHART)
    async with logged_in(desk, OTHER_COACH_ID) as other:
        for path, data in (
            (f"/m/{obs.id}/status", {"seen": "new", "to": "resolved"}),
            (f"/m/{obs.id}/answer", {"answer": "Hallo", "key": "x"}),
            (f"/m/{obs.id}/notes", {"note": "Hallo"}),
        ):
            answer = await post(other, path, data)
            assert answer.status_code == 403, path
            assert obs.text not in answer.text
        bulk = await post(other, "/bulk", {"id": [str(obs.id)], "action": "resolved"})
        assert bulk.status_code == 303
        assert "0 aangepast, 1 overgeslagen." in (await other.get("/")).text
    # Without the CSRF token.
    async with coach_logged_in(desk) as browser:
        answer = await browser.post(f"/m/{obs.id}/status", data={"seen": "new", "to": "resolved"})
        assert answer.status_code == 403
        answer = await browser.post("/bulk", data={"id": str(obs.id), "action": "resolved"})
        assert answer.status_code == 403
    stored = row(desk, obs.id)
    assert stored.status == "new" and stored.answer_text is None
    await delivered(desk)
    assert not texts(sender, obs.reference)


# --- a coach's own observation -------------------------------------------------------------------


def person_of(desk: Desk, telegram_id: int) -> tuple[int, str]:
    """The person id and pseudonym of someone who has joined."""
    with desk.services.db.session() as session:
        found = persons.get_person(session, telegram_id)
        assert found is not None and found.id is not None
        return found.id, found.pseudonym


async def test_a_coachs_own_observation_is_theirs_to_read_not_to_handle(desk: Desk) -> None:
    """A coach who lives in the wijk sees their own observation on the desk as in the chat:
    "Van: jou", the chat's sentence, no answer or status form, not marked read on opening.
    The status workflow refuses it (one by one and in a bulk action, where that row is skipped
    with the reason); a note is fine. Another coach of the wijk handles it."""
    await coach(desk)
    await coach(desk, OTHER_COACH_ID)
    me, pseudonym = person_of(desk, COACH_ID)
    own = desk.observation(person_id=me, lang="nl", text="Te weinig groen in mijn straat")
    other = desk.observation(text="De stoep bij de school ligt open.")
    own_sentence = "Dit is jouw eigen melding. Een andere wijkcoach pakt hem op."
    async with logged_in(desk) as browser:
        inbox = (await browser.get("/")).text
        assert "Van: jou" in inbox and pseudonym not in inbox

        page = (await browser.get(f"/m/{own.id}")).text
        assert own_sentence in page
        assert f'action="/m/{own.id}/status"' not in page
        assert f'action="/m/{own.id}/answer"' not in page
        assert f'action="/m/{own.id}/notes"' in page
        assert pseudonym not in page
        assert status_of(desk, own.id) == "new"

        # The forms sent anyway: refused with the same sentence, nothing changes.
        for data in (
            {"seen": "new", "to": "read"},
            {"seen": "new", "to": "resolved"},
            {"seen": "new", "to": "hidden", "reason": "Dubbel"},
            {"seen": "new", "to": "referred", "partner": "Gemeente"},
        ):
            answer = await post(browser, f"/m/{own.id}/status", data)
            assert answer.status_code == 400 and own_sentence in answer.text, data
        answer = await post(browser, f"/m/{own.id}/answer", {"answer": "Klopt", "key": "k1"})
        assert answer.status_code == 400 and own_sentence in answer.text
        assert "readonly>Klopt</textarea>" in answer.text  # to copy
        note = await post(browser, f"/m/{own.id}/notes", {"note": "Ik woon er zelf"})
        assert note.status_code == 303

        # Several at once: the own one is skipped with the reason.
        answer = await post(
            browser, "/bulk", {"id": [str(own.id), str(other.id)], "action": "resolved"}
        )
        assert answer.status_code == 303
        page = (await browser.get("/")).text
        assert "1 aangepast, 1 overgeslagen." in page
        assert f"M-{own.id}: {own_sentence}" in page
        await post(browser, "/bulk", {"id": [str(own.id)], "action": "read"})
        assert f"M-{own.id}: {own_sentence}" in (await browser.get("/")).text
    assert status_of(desk, own.id) == "new" and status_of(desk, other.id) == "resolved"
    with desk.services.db.session() as session:
        moved = session.exec(
            select(ObservationEvent).where(ObservationEvent.observation_id == own.id)
        ).all()
        assert moved == []
        assert [n.text for n in session.exec(select(ObservationNote)).all()] == ["Ik woon er zelf"]

    # Another coach of the wijk sees the pseudonym, reads it on opening and moves it on.
    async with logged_in(desk, OTHER_COACH_ID) as browser:
        assert pseudonym in (await browser.get("/")).text
        page = (await browser.get(f"/m/{own.id}")).text
        assert "eigen melding" not in page and pseudonym in page
        assert f'action="/m/{own.id}/status"' in page and f'action="/m/{own.id}/answer"' in page
        assert status_of(desk, own.id) == "read"
        answer = await post(browser, f"/m/{own.id}/status", {"seen": "read", "to": "resolved"})
        assert answer.status_code == 303
    assert status_of(desk, own.id) == "resolved"


async def test_a_desk_answer_to_a_coachs_own_observation_reads_as_another_coachs(
    desk: Desk,
) -> None:
    """A coach's own observation answered on the desk by a colleague reaches them as an answer
    from another coach, as in the chat, in their language."""
    author = await coach(desk)
    await coach(desk, OTHER_COACH_ID)
    me, _ = person_of(desk, COACH_ID)
    own = desk.observation(person_id=me, lang="nl", text="Te weinig groen in mijn straat")
    async with logged_in(desk, OTHER_COACH_ID) as browser:
        page = (await browser.get(f"/m/{own.id}")).text
        key = re.search(r'name="key" value="([^"]+)"', page)
        assert key
        data = {"answer": "We zetten er bomen neer", "key": key.group(1)}
        assert (await post(browser, f"/m/{own.id}/answer", data)).status_code == 303
    await delivered(desk)
    (answer,) = texts(author, "bomen neer")
    assert answer.startswith("Antwoord van een andere wijkcoach op je melding")
    assert row(desk, own.id).answer_sent_at is not None


# --- the history of a reopen ---------------------------------------------------------------------


def history_lines(page: str) -> list[str]:
    """The page's history, one line per event, as it reads (date included)."""
    block = page.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    return [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split())
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def reopens(page: str) -> list[str]:
    """What the history says of each time it was set back to new (after the date)."""
    return [
        line.split(": ", 1)[1] for line in history_lines(page) if "Nieuw" in line or "New" in line
    ]


async def test_the_history_says_who_opened_it_again_and_why_in_words(desk: Desk) -> None:
    """A reopen's line in the history says what the chat's card says (the sender, someone who
    also reported it, a coach), not its stored reason code ("wrong"); in the coach's language."""
    sender, obs = await sent_by(desk)
    supporter = await resident(desk, RESIDENT_ID + 1)
    supporter_id, supporter_pseudonym = person_of(desk, supporter.id)
    with desk.services.db.session() as session:
        session.add(Supporter(observation_id=obs.id or 0, person_id=supporter_id, text="Hier ook"))
        session.commit()

    async def to(browser: httpx.AsyncClient, status: str, **fields: str) -> None:
        data = {"seen": status_of(desk, obs.id), "to": status, **fields}
        answer = await post(browser, f"/m/{obs.id}/status", data)
        assert answer.status_code == 303, answer.text
        await delivered(desk)

    async with coach_logged_in(desk) as browser:
        await to(browser, "resolved")
        await sender.press("Nog steeds niet opgelost", message=sender.last)
        await to(browser, "referred", partner="Gemeente")
        with desk.services.db.session() as session:
            referred = session.exec(
                select(ObservationEvent)
                .where(ObservationEvent.observation_id == obs.id)
                .order_by(col(ObservationEvent.id).desc())
            ).first()
            assert referred is not None and referred.id is not None
            workflow.reopen(
                session, supporter_id, referred.id, "wrong", now=desk.services.clock.now()
            )
        await to(browser, "hidden", reason="Geen melding voor de wijkcoach")
        await sender.press("Klopt niet", message=sender.last)
        await to(browser, "in_progress")
        await to(browser, "new")
        assert status_of(desk, obs.id) == "new"

        page = (await browser.get(f"/m/{obs.id}")).text
        assert reopens(page) == [
            "Status naar Nieuw. Volgens de schrijver is het nog niet opgelost.",
            "Status naar Nieuw. Iemand die dit ook meldde, vond dat niet terecht.",
            "Status naar Nieuw. De schrijver vond dat niet terecht.",
            "Status naar Nieuw door jou",
        ]
        assert "(wrong)" not in page and "not_solved" not in page
        assert supporter_pseudonym not in page

        with desk.services.db.session() as session:
            person = persons.get_person(session, COACH_ID)
            assert person is not None
            person.language = "en"
            session.add(person)
            session.commit()
        page = (await browser.get(f"/m/{obs.id}")).text
        assert reopens(page) == [
            "Status changed to New. The sender says it is not solved yet.",
            "Status changed to New. Someone who also reported this did not think that was right.",
            "Status changed to New. The sender did not think that was right.",
            "Status changed to New by you",
        ]


async def test_a_sender_who_erases_themselves_takes_the_notes_on_their_kept_observation(
    desk: Desk,
) -> None:
    """A note can name the sender ("Mevrouw Jansen van nr 12 belde nog"). The sender erases
    themselves and keeps their observation without a name: the notes on it go with them, and
    the desk shows one line in their place (was: the note stayed, naming her)."""
    sender, obs = await sent_by(desk)
    async with coach_logged_in(desk) as browser:
        for text in ("Mevrouw Jansen van nr 12 belde nog", "Ze komt dinsdag langs"):
            answer = await post(browser, f"/m/{obs.id}/notes", {"note": text})
            assert answer.status_code == 303
        await sender.send("/vergeetmij")
        await sender.press("Bewaar ze zonder naam of schuilnaam")
        (done,) = await sender.press("Ja, wis mijn gegevens voorgoed")
        assert "Je gegevens zijn gewist" in done.plain_text
        page = (await browser.get(f"/m/{obs.id}")).text
    assert "Jansen" not in page and "dinsdag" not in page
    removed = "De notities bij deze melding zijn gewist."
    assert page.count(removed) == 1
    assert "De stoep bij de school ligt open." in page  # the observation itself stays
    with desk.services.db.session() as session:
        kept = session.get(Observation, obs.id)
        assert kept is not None and kept.person_id is None
        # No note is left; the observation says when its notes went.
        assert session.exec(select(ObservationNote)).all() == []
        assert kept.notes_removed_at is not None
