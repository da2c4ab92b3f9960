"""The digest as data and as text: periods, counts, groups, privacy, escaping, split, chart, CSV.

Observations are created directly in the database (both SQLite and PostgreSQL), the way the
residents' feature stores them.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.context import Services
from bot.core.clock import Clock, FrozenClock
from bot.digest import builder, periods, render
from bot.digest import chart as digest_chart
from bot.fake_telegram import parse_html
from models import (
    Edition,
    Membership,
    Observation,
    Person,
    Poll,
    PollOption,
    Reaction,
    Role,
    SpiegelItem,
    Vote,
    Wijk,
)

WORDS = ["fiets", "bank", "boom", "straat", "plein", "school", "winkel", "markt"]
AMS = ZoneInfo("Europe/Amsterdam")
# Monday 23 November 2026, 08:00 in Amsterdam: the digest of ISO week 47 is due.
DUE = datetime(2026, 11, 23, 8, 0, tzinfo=AMS)
IN_W47 = datetime(2026, 11, 18, 12, 0, tzinfo=AMS)  # Wednesday of week 47
IN_W46 = datetime(2026, 11, 11, 12, 0, tzinfo=AMS)


@pytest.fixture
def clock() -> Clock:
    return FrozenClock(DUE + timedelta(minutes=1))


# --- building blocks (shared with the other digest tests) ---------------------------------------


def wijk(services: Services, slug: str = "elsrijk") -> Wijk:
    with services.db.session() as session:
        found = session.exec(select(Wijk).where(Wijk.slug == slug)).one()
        return found


def wijk_id(services: Services, slug: str = "elsrijk") -> int:
    found = wijk(services, slug).id
    assert found is not None
    return found


def person(
    services: Services,
    telegram_id: int,
    *,
    role: Role = Role.RESIDENT,
    slug: str = "elsrijk",
    name: str | None = None,
    since: datetime | None = None,
    lang: str = "nl",
) -> int:
    since = since or datetime(2026, 1, 1, tzinfo=UTC)
    w = wijk_id(services, slug)
    with services.db.session() as session:
        existing = session.exec(select(Person).where(Person.telegram_id == telegram_id)).first()
        p = existing or Person(
            telegram_id=telegram_id,
            language=lang,
            consent_at=since,
            pseudonym=f"Buur-{telegram_id % 10000}",
            display_name=name,
            share_name=name is not None,
            current_wijk_id=w,
            created_at=since,
        )
        session.add(p)
        session.commit()
        session.refresh(p)
        assert p.id is not None
        session.add(Membership(person_id=p.id, wijk_id=w, role=role.value, created_at=since))
        session.commit()
        return p.id


def observe(
    services: Services,
    text: str,
    *,
    at: datetime = IN_W47,
    swot: str = "weakness",
    theme: str | None = "wonen",
    person_id: int | None = None,
    slug: str = "elsrijk",
    status: str = "new",
    share_name: bool = False,
    role: str = "resident",
) -> int:
    w = wijk_id(services, slug)
    with services.db.session() as session:
        obs = Observation(
            wijk_id=w,
            person_id=person_id,
            author_role=role,
            swot=swot,
            theme=theme,
            text=text,
            status=status,
            share_name=share_name,
            created_at=at.astimezone(UTC),
            updated_at=at.astimezone(UTC),
        )
        session.add(obs)
        session.commit()
        assert obs.id is not None
        return obs.id


def build(
    services: Services, slug: str = "elsrijk", period_key: str = "2026-W47"
) -> builder.DigestData:
    period = periods.parse_period_key(period_key, AMS)
    with services.db.session() as session:
        return builder.build(
            session, services.config, wijk(services, slug), period, services.clock.now()
        )


# --- periods ------------------------------------------------------------------------------------


def test_weekly_period_is_monday_to_monday_local_time() -> None:
    plan = periods.Schedule(0, DUE.timetz().replace(tzinfo=None), "weekly", False)
    assert periods.latest_due(plan, DUE.astimezone(UTC) - timedelta(seconds=1), AMS) is not None
    due_at, period = periods.latest_due(plan, DUE.astimezone(UTC), AMS)  # type: ignore[misc]
    assert due_at == DUE and period.key == "2026-W47"
    assert period.start == datetime(2026, 11, 16, tzinfo=AMS)
    assert period.end == datetime(2026, 11, 23, tzinfo=AMS)
    # One second before the due time, the latest due digest is still the week before.
    _, before = periods.latest_due(plan, DUE - timedelta(seconds=1), AMS)  # type: ignore[misc]
    assert before.key == "2026-W46"


def test_dst_week_keeps_local_midnights() -> None:
    # Week 13 of 2026 contains the change to summer time (Sunday 29 March).
    period = periods.parse_period_key("2026-W13", AMS)
    assert period.start.astimezone(AMS).hour == 0 and period.end.astimezone(AMS).hour == 0
    assert period.end - period.start == timedelta(days=7, hours=-1)
    assert period.start.tzinfo is not None and period.start.utcoffset() == timedelta(0)
    plan = periods.Schedule(0, datetime(2026, 1, 1, 8).time(), "weekly", False)
    due_at, _ = periods.latest_due(plan, datetime(2026, 3, 30, 9, tzinfo=AMS), AMS)  # type: ignore[misc]
    assert due_at.astimezone(AMS).hour == 8  # 08:00 summer time = 06:00 UTC
    assert due_at.astimezone(UTC).hour == 6


def test_biweekly_periods_are_anchored_and_stable() -> None:
    plan = periods.Schedule(0, datetime(2026, 1, 1, 8).time(), "biweekly", False)
    keys = set()
    dues = set()
    for hours in range(0, 24 * 35, 7):
        now = datetime(2026, 11, 1, tzinfo=AMS) + timedelta(hours=hours)
        due_at, period = periods.latest_due(plan, now, AMS)  # type: ignore[misc]
        assert (period.end.astimezone(AMS).date() - period.start.astimezone(AMS).date()).days == 14
        assert period.end.astimezone(AMS).date().weekday() == 0
        keys.add(period.key)
        dues.add(due_at)
    # Over five weeks, the due times are two weeks apart and each period has one key.
    ordered = [d.astimezone(AMS).replace(tzinfo=None) for d in sorted(dues)]
    assert all(b - a == timedelta(days=14) for a, b in itertools.pairwise(ordered))
    assert len(keys) == len(dues)
    for key in keys:
        assert periods.parse_period_key(key, AMS).key == key
    assert all("+" in key for key in keys)


def test_next_due_follows_the_schedule() -> None:
    friday = periods.Schedule(4, datetime(2026, 1, 1, 17).time(), "weekly", False)
    assert periods.next_due(friday, DUE, AMS) == datetime(2026, 11, 27, 17, tzinfo=AMS)
    off = periods.Schedule(4, datetime(2026, 1, 1, 17).time(), "off", False)
    assert periods.next_due(off, DUE, AMS) is None and periods.latest_due(off, DUE, AMS) is None
    # "so far": the running period started on the last send day.
    running = periods.current_period(friday, DUE, AMS)
    assert running.partial and running.start == datetime(2026, 11, 20, tzinfo=AMS)
    assert running.end == DUE


def test_bad_period_keys() -> None:
    for bad in ("2026-47", "2026-W54", "W47", "2026-W47+49"):
        with pytest.raises(ValueError):
            periods.parse_period_key(bad, AMS)
    assert periods.parse_period_key("2026-W46+47", AMS).start == datetime(2026, 11, 9, tzinfo=AMS)


# --- content ------------------------------------------------------------------------------------


def test_counts_and_changes(services: Services) -> None:
    old = person(services, 1, since=datetime(2026, 1, 1, tzinfo=UTC))
    new = person(services, 2)
    big = person(services, 3, role=Role.BIG)
    partner = person(services, 4, role=Role.PARTNER)
    observe(services, "Eerder al eens", person_id=old, at=datetime(2026, 6, 1, tzinfo=AMS))
    observe(services, "Vorige week", person_id=old, at=IN_W46)
    observe(services, "Deze week 1", person_id=old)
    observe(services, "Deze week 2", person_id=new)
    observe(services, "Deze week 3", person_id=big, swot="strength", role="big")
    observe(services, "Deze week 4", person_id=partner, swot="opportunity", role="partner")
    data = build(services)
    assert data.current.observations == 4 and data.previous.observations == 1
    assert data.current.participants == 4
    assert data.current.first_time == 3  # `old` took part before
    assert data.current.by_role == {"resident": 2, "big": 1, "partner": 1, "coach": 0}
    assert data.section("weakness").count == 2 and data.section("weakness").previous == 1
    text = render.render_text(data, "nl", services.config)
    assert "Meldingen: 4 (vorige keer: 1)" in text
    assert "Voor het eerst meegedaan: 3" in text
    assert "Bewoners: 2 · leden van de BIG: 1 · partners: 1" in text
    assert "Wat gaat goed?" in text and "Waar maak je je zorgen over?" in text
    assert "sterkte" not in text and "bedreiging" not in text


def test_first_time_and_roles_in_both_periods(services: Services) -> None:
    # Each period's first-timers are counted against everything before it: who took part in the
    # previous period (visibly) took part before this one; a hidden observation is no part.
    veteran = person(services, 21, since=datetime(2026, 1, 1, tzinfo=UTC))
    last_week = person(services, 22, role=Role.BIG)
    fresh = person(services, 23)
    ghost = person(services, 24, role=Role.PARTNER)
    observe(services, "Lang geleden", person_id=veteran, at=datetime(2026, 6, 1, tzinfo=AMS))
    observe(services, "Vorige week a", person_id=veteran, at=IN_W46)
    observe(services, "Vorige week b", person_id=last_week, at=IN_W46)
    observe(services, "Vorige week c", person_id=ghost, at=IN_W46, status="hidden")
    observe(services, "Deze week a", person_id=last_week)
    observe(services, "Deze week b", person_id=fresh)
    observe(services, "Deze week c", person_id=ghost)
    data = build(services)
    assert data.previous.participants == 2 and data.previous.first_time == 1  # last_week
    assert data.previous.by_role == {"resident": 1, "big": 1, "partner": 0, "coach": 0}
    assert data.current.participants == 3 and data.current.first_time == 2  # fresh, ghost
    assert data.current.by_role == {"resident": 1, "big": 1, "partner": 1, "coach": 0}


def test_first_time_among_many_participants(services: Services) -> None:
    # More participants than SQLite gets in one look-up (IN lists of 500); PostgreSQL gets them
    # as one array. Taking part before: a visible observation, or only a reaction.
    w = wijk_id(services)
    before, this_week = datetime(2026, 6, 1, tzinfo=UTC), IN_W47.astimezone(UTC)
    with services.db.session() as session:
        edition = Edition(wijk_id=w, year=2026)
        session.add(edition)
        session.flush()
        assert edition.id is not None
        item = SpiegelItem(edition_id=edition.id, key="s1", kind="weakness", text="Te weinig groen")
        everyone = [
            Person(
                telegram_id=50_000 + n,
                language="nl",
                consent_at=before,
                pseudonym=f"Buur-{n}",
                current_wijk_id=w,
                created_at=before,
            )
            for n in range(1_100)
        ]
        session.add(item)
        session.add_all(everyone)
        session.flush()
        assert item.id is not None
        for n, somebody in enumerate(everyone):
            assert somebody.id is not None
            session.add(
                Membership(person_id=somebody.id, wijk_id=w, role="resident", created_at=before)
            )
            times = [this_week, before] if n < 400 else [this_week]
            for at in times:
                session.add(
                    Observation(
                        wijk_id=w,
                        person_id=somebody.id,
                        author_role="resident",
                        swot="weakness",
                        text=f"Melding {n}",
                        created_at=at,
                        updated_at=at,
                    )
                )
            if 400 <= n < 600:
                session.add(
                    Reaction(
                        item_id=item.id,
                        wijk_id=w,
                        person_id=somebody.id,
                        verdict="recognise",
                        created_at=before,
                        updated_at=before,
                    )
                )
        session.commit()
    data = build(services)
    assert data.current.participants == 1_100
    assert data.current.first_time == 500  # the 400 who wrote and the 200 who reacted before


def test_reactions_and_votes_count_as_participation(services: Services) -> None:
    w = wijk_id(services)
    reactor = person(services, 11)
    voter = person(services, 12)
    at = IN_W47.astimezone(UTC)
    with services.db.session() as session:
        edition = Edition(wijk_id=w, year=2026)
        session.add(edition)
        session.commit()
        assert edition.id is not None
        item = SpiegelItem(edition_id=edition.id, key="s1", kind="weakness", text="Te weinig groen")
        session.add(item)
        session.commit()
        assert item.id is not None
        session.add(
            Reaction(
                item_id=item.id,
                wijk_id=w,
                person_id=reactor,
                verdict="not_recognise",
                comment="Er is juist veel groen <hier>",
                created_at=at,
                updated_at=at,
                commented_at=at,
            )
        )
        poll = Poll(
            wijk_id=w,
            question="Wat eerst?",
            kind="single",
            audience="wijk",
            opens_at=at,
            closes_at=at + timedelta(days=10),
        )
        session.add(poll)
        session.commit()
        assert poll.id is not None
        option = PollOption(poll_id=poll.id, position=0, text="Bankjes")
        session.add(option)
        session.add(PollOption(poll_id=poll.id, position=1, text="Bomen"))
        session.commit()
        assert option.id is not None
        session.add(Vote(poll_id=poll.id, option_id=option.id, person_id=voter, created_at=at))
        closed = Poll(
            wijk_id=w,
            question="Welke dag voor de markt?",
            kind="single",
            audience="wijk",
            status="closed",
            opens_at=at - timedelta(days=20),
            closes_at=at,
            closed_at=at,
        )
        session.add(closed)
        session.commit()
        assert closed.id is not None
        for position, label in enumerate(("Zaterdag", "Woensdag")):
            choice = PollOption(poll_id=closed.id, position=position, text=label)
            session.add(choice)
            session.commit()
            assert choice.id is not None
            for _ in range(2 - position):
                session.add(
                    Vote(poll_id=closed.id, option_id=choice.id, person_id=None, created_at=at)
                )
        session.commit()
    data = build(services)
    # Three kept ballots of erased voters count as votes, never as participants.
    assert (data.current.reactions, data.current.votes, data.current.participants) == (1, 4, 2)
    assert [s.text for s in data.spiegel.contested] == ["Te weinig groen"]
    assert data.spiegel.comments[0].text == "Er is juist veel groen <hier>"
    assert len(data.polls.still_open) == 1 and data.polls.still_open[0].new
    (closed_poll,) = data.polls.closed
    assert [o.text for o in closed_poll.options] == ["Zaterdag", "Woensdag"]
    assert data.polls.opened == 1
    assert data.polls.still_open[0].voters == 1
    html = render.render_html(data, "nl", services.config).messages
    joined = "\n".join(html)
    assert "&lt;hier&gt;" in joined
    assert "Wat eerst?" in joined and "1 van 2 gestemd" in joined
    assert "Welke dag voor de markt?" in joined and "1. Zaterdag: 2 (66,7%)" in joined


def test_csv_rows_oldest_first_and_by_number_at_the_same_time(services: Services) -> None:
    later = observe(services, "Later op de dag", at=IN_W47 + timedelta(hours=3))
    first = observe(services, "Eerst", at=IN_W47)
    same_time = observe(services, "Tegelijk met eerst", at=IN_W47)
    data = build(services)
    assert [(r.reference, r.text) for r in data.rows] == [
        (f"M-{first}", "Eerst"),
        (f"M-{same_time}", "Tegelijk met eerst"),
        (f"M-{later}", "Later op de dag"),
    ]
    times = [r.created_at for r in data.rows]
    assert times == [IN_W47, IN_W47, IN_W47 + timedelta(hours=3)]
    assert all(t.utcoffset() == timedelta(0) for t in times)  # in UTC, as stored
    for ref in data.section("weakness").singletons + [
        g.representative for g in data.section("weakness").groups
    ]:
        assert ref.created_at in times and ref.created_at.utcoffset() == timedelta(0)


def test_hidden_withdrawn_and_erased(services: Services) -> None:
    author = person(services, 21, name="Anna de Vries")
    pseudonymous = person(services, 22)
    observe(services, "Zichtbaar met naam", person_id=author, share_name=True)
    observe(services, "Zichtbaar zonder naam", person_id=pseudonymous)
    observe(services, "VERBORGEN scheldpartij", person_id=pseudonymous, status="hidden")
    observe(services, "INGETROKKEN melding", person_id=author, status="withdrawn")
    observe(services, "Van iemand die gewist is", person_id=None)
    data = build(services)
    assert data.current.observations == 3
    assert data.current.participants == 2  # the erased author is not counted
    everything = json.dumps(data.to_json()) + render.render_text(data, "nl", services.config)
    assert "VERBORGEN" not in everything and "INGETROKKEN" not in everything
    rows = list(
        csv.reader(
            io.StringIO(render.render_csv(data, "nl", services.config).decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert rows[0] == [
        *("nummer", "datum", "soort", "onderwerp", "tekst", "status", "schrijver"),
        "mogelijk dringend",
    ]
    authors = {r[4]: r[6] for r in rows[1:]}
    assert authors == {
        "Zichtbaar met naam": "Anna de Vries",
        "Zichtbaar zonder naam": "Buur-22",
        "Van iemand die gewist is": "",
    }
    assert all(r[0].startswith("M-") for r in rows[1:])


def test_groups_representative_and_growth(services: Services) -> None:
    for i in range(3):
        observe(services, f"Geen parkeerplek te vinden in de straat, dag {i}", at=IN_W46)
    for i in range(6):
        observe(services, f"Parkeren is onmogelijk, auto's overal op de stoep ({i})")
    observe(services, "De bibliotheek heeft fijne nieuwe openingstijden", swot="strength")
    data = build(services)
    weakness = data.section("weakness")
    assert weakness.count == 6 and weakness.previous == 3
    biggest = weakness.groups[0]
    assert biggest.count == 6 and len(biggest.member_ids) == 6
    assert biggest.representative.id in biggest.member_ids
    grown = data.attention.growing
    assert grown and grown[0].count == 6 and grown[0].previous == 3
    assert data.section("strength").singletons[0].text.startswith("De bibliotheek")
    as_json = data.to_json()
    assert sorted(as_json["sections"][1]["groups"][0]["member_ids"]) == sorted(biggest.member_ids)
    text = render.render_text(data, "nl", services.config)
    assert ": 6 meldingen" in text and "6 meldingen (vorige keer: 3)" in text


def test_needs_attention_lists_old_unanswered_with_reference(services: Services) -> None:
    stale = observe(services, "Lantaarn al weken kapot", at=DUE - timedelta(days=9))
    observe(services, "Beantwoord", at=DUE - timedelta(days=9), status="in_progress")
    observe(services, "Net binnen", at=DUE - timedelta(days=1))
    data = build(services)
    assert [r.id for r in data.attention.unanswered] == [stale]
    rendered = render.render_html(data, "nl", services.config)
    assert rendered.attention_ids == [stale]
    holder = rendered.messages[rendered.attention_message or 0]
    assert f"<b>M-{stale}</b>" in holder


def test_narratives_are_rendered_when_present(services: Services) -> None:
    observe(services, "Iets")
    data = build(services)
    data.narratives["weakness"] = "Bewoners <zorgen> zich om parkeren."
    text = "\n".join(render.render_html(data, "nl", services.config).messages)
    assert "<i>Bewoners &lt;zorgen&gt; zich om parkeren.</i>" in text


def test_escaping_every_user_text(services: Services) -> None:
    observe(services, "<script>alert(1)</script> & <b>vet</b>")
    observe(services, "Nog een <i> zonder einde", at=DUE - timedelta(days=10))
    data = build(services)
    for message in render.render_html(data, "nl", services.config).messages:
        parse_html(message)  # raises like Telegram on malformed HTML
    joined = "\n".join(render.render_html(data, "nl", services.config).messages)
    assert "<script>" not in joined and "&lt;script&gt;" in joined


def test_split_on_sections_under_4096(services: Services) -> None:
    words = WORDS
    for swot in ("strength", "weakness", "opportunity", "threat"):
        for i in range(40):
            unique = " ".join(f"{words[(i + k) % len(words)]}{i}{k}" for k in range(20))
            observe(services, f"{unique} <&> " + "lange tekst " * 40, swot=swot)
    for i in range(12):
        observe(services, f"Oud en zonder antwoord {i} " * 10, at=DUE - timedelta(days=20))
    data = build(services)
    rendered = render.render_html(data, "nl", services.config)
    assert len(rendered.messages) >= 3
    for message in rendered.messages:
        assert len(message) <= 4096
        plain, _ = parse_html(message)
        assert len(plain) <= 4096
    # Sections are kept whole where they fit: every SWOT heading starts a chunk.
    for title in ("Wat gaat goed", "Wat kan beter", "Welke kansen", "Waar maak je je zorgen"):
        assert sum(f"<b>{title}" in m for m in rendered.messages) == 1
    assert "Hier is aandacht nodig" in rendered.messages[rendered.attention_message or 0]


def test_english_rendering(services: Services) -> None:
    observe(services, "Too many cars", swot="threat")
    text = render.render_text(build(services), "en", services.config)
    assert "What worries you?" in text and "Reports: 1" in text


def test_chart_is_a_png(services: Services, tmp_path: object) -> None:
    for i in range(5):
        observe(services, f"Iets goeds {i}", swot="strength")
    observe(services, "Zorg", swot="threat", at=IN_W46)
    png = digest_chart.render_chart(build(services), "nl")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_quiet_period(services: Services) -> None:
    data = build(services)
    assert data.quiet
    assert "Het was stil" in render.render_text(data, "nl", services.config)


def test_period_in_another_year_and_wijk_isolation(services: Services) -> None:
    observe(services, "In Elsrijk")
    observe(services, "In Groenelaan", slug="groenelaan")
    data = build(services, "groenelaan")
    assert [r.text for r in data.rows] == ["In Groenelaan"]
    assert build(services, "elsrijk", "2025-W47").current.observations == 0
    assert (
        date(2026, 11, 16) == periods.parse_period_key("2026-W47", AMS).start.astimezone(AMS).date()
    )
