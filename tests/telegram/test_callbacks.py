"""The callback codec: every payload survives a round trip in today's wire format, within 64 bytes,
and anything malformed, forged or out of range is BadCallback."""

from __future__ import annotations

import pytest

from bot.observations.coach import Filter
from bot.telegram import callbacks
from bot.telegram.callbacks import (
    AboutYou,
    BadCallback,
    BlindSpotsView,
    Cancel,
    CoachAction,
    CoachDraft,
    CoachHideReason,
    CoachList,
    CoachVerb,
    CoachWijken,
    Consent,
    DigestNow,
    DigestSetDay,
    DigestSetFrequency,
    DigestSetSkip,
    DigestSetTime,
    DigestSettingsMenu,
    FiguresView,
    FileText,
    GroupLinkPick,
    InviteAnswer,
    Language,
    ListBack,
    MenuItem,
    MinePage,
    MineWithdraw,
    NewEdition,
    ObservationStep,
    Payload,
    PollManage,
    PollPick,
    PollRank,
    PollToggle,
    PollView,
    PollWizardStep,
    PrivacyStep,
    ReactComment,
    ReactRetry,
    ReactVerdict,
    SpiegelEdit,
    SpiegelEditKind,
    SpiegelOverview,
    SpiegelPage,
    SpiegelRecognised,
    StatusReopen,
    SupplementMake,
    WijkNewsChoice,
    WijkStep,
)
from models import ItemKind, Verdict

# Each payload with the string buttons carried before payloads were typed: old buttons must work.
WIRE: list[tuple[Payload, str]] = [
    (Consent("nl", True, "AbC-12_x"), "ok:nl:y:AbC-12_x"),
    (Consent("en", False, None), "ok:en:n:-"),
    (Consent("nl", False, "AbC-12_x", more=True), "ok:nl:m:AbC-12_x"),
    (InviteAnswer("AbC-12_x", True), "iv:AbC-12_x:y"),
    (InviteAnswer("AbC-12_x", False), "iv:AbC-12_x:n"),
    (Language("en"), "lg:en"),
    (Language("nl", "Ab3_-x"), "lg:nl:Ab3_-x"),
    (MenuItem("main"), "mn:main"),
    (MenuItem("start", "en"), "mn:start:en"),
    (Cancel(7), "cx:7"),
    (WijkStep(3, WijkStep.PICK, 12), "wk:3:12"),
    (WijkStep(3, "pc"), "wk:3:pc"),
    (WijkStep(3, "list"), "wk:3:list"),
    (FileText(4, "y"), "ft:4:y"),
    (ObservationStep(5, "t", "groen"), "ob:5:t:groen"),
    (MinePage(2), "mo:2:pg"),
    (MineWithdraw(123, "wy", 1), "mo:123:wy:1"),
    (SpiegelOverview(9), "sp:9"),
    (SpiegelPage(9, ItemKind.RECOMMENDATION, 2), "sp:9:r:2"),
    (ReactVerdict(11, Verdict.NOT_RECOGNISE), "rx:11:n"),
    (ReactComment(11), "rx:11:c"),
    (SpiegelEdit(12, "w"), "se:12:w"),
    (SpiegelEdit(12, "gl"), "se:12:gl"),
    (SpiegelEditKind(3, ItemKind.WEAKNESS), "se:3:k:w"),
    (NewEdition(12, 8), "se:12:ny:8"),
    (WijkNewsChoice(True, "o"), "wn:y:o"),
    (WijkNewsChoice(False, "m"), "wn:n:m"),
    (ReactRetry(11, 6), "rx:11:r:6"),
    (SpiegelRecognised(2147483647, "s"), "sr:2147483647:s"),
    (PrivacyStep(0, "ask"), "pv:0:ask"),
    (FiguresView(3), "fg:3:r"),
    (FiguresView(3, coach=True), "fg:3:c"),
    (StatusReopen(12, "wrong"), "sn:12:w"),
    (StatusReopen(12, "not_solved"), "sn:12:n"),
    (CoachWijken(), "co:w"),
    (CoachList(2), "co:l:2"),
    (CoachList(2, ListBack(Filter.ALL, 3)), "co:l:2:a:3"),
    (CoachAction(40, CoachVerb.OPEN), "co:40:open"),
    (CoachAction(40, CoachVerb.HIDE, ListBack(Filter.NEW, 0)), "co:40:hd:n:0"),
    (CoachHideReason(40, "abuse", ListBack(Filter.OPEN, 1)), "co:40:hr:abuse:o:1"),
    (CoachHideReason(40, "spam"), "co:40:hr:spam"),
    (CoachDraft(40, "snd", 8), "co:40:snd:8"),
    (DigestNow(2), "dg:2:now"),
    (SupplementMake(7), "su:7"),
    (DigestSettingsMenu(), "ds:show:0"),
    (DigestSettingsMenu("time"), "ds:menu:time"),
    (DigestSetDay(6), "ds:day:6"),
    (DigestSetTime("09:30"), "ds:time:0930"),
    (DigestSetFrequency("biweekly"), "ds:freq:b"),
    (DigestSetSkip(True), "ds:skip:1"),
    (PollWizardStep(5, "a", "group"), "pw:5:a:group"),
    (PollWizardStep(5, "od"), "pw:5:od:0"),
    (PollView(31, "res"), "pl:31:res"),
    (PollPick(31, 77, False), "pl:31:o:77:n"),
    (PollToggle(31, 5, True), "pl:31:t:5:c"),
    (PollToggle(31, 5, False, submit=True), "pl:31:s:5:n"),
    (PollRank(31, (2, 0, 11), False), "pl:31:r:x20b:n"),
    (PollRank(31, (), True, submit=True), "pl:31:R:x:c"),
    (PollManage(31, "clY"), "pm:31:clY"),
    (GroupLinkPick(2), "pm:lk:2"),
    (AboutYou("a", "65plus"), "oj:a:65plus"),
    (AboutYou("x", "del"), "oj:x:del"),
    (BlindSpotsView(3, "2026-Q4"), "bs:3:2026-Q4"),
    (BlindSpotsView(3, "2026"), "bs:3:2026"),
]


@pytest.mark.parametrize(("payload", "wire"), WIRE, ids=[w for _, w in WIRE])
def test_round_trip_in_the_old_wire_format(payload: Payload, wire: str) -> None:
    assert callbacks.encode(payload) == wire
    assert callbacks.decode(wire) == payload


def test_every_kind_is_covered() -> None:
    assert {p.KIND for p, _ in WIRE} == set(callbacks.Kind)


@pytest.mark.parametrize(
    "data",
    [
        "co:" + "1" * 40 + ":open",  # 40 digits: a well-formed argument, but no database id
        "co:2147483648:open",  # one past a PostgreSQL integer
        "mo:99999999999:wy:0",
        "pl:1:o:2147483648:n",
        "pl:1:t:4294967296:n",
        "wk:2147483648:pc",  # nonces are counters: as bounded as ids
        "co:-1:open",  # no negative ids, pages or nonces
        "co:l:1:o:-1",
        "sp:1:s:-1",
        "sr:2147483648:y",  # the wijkspiegel in a melding: ids range-checked, answers known
        "sr:1:c",
        "sr:1:1:y",
        "co:+1:open",
        "ds:day:7",
        "ds:time:9",
        "pl:1:r:x0g:n",
        "pl:1:r:1:n",
        "pv:1:go:1001",  # an extra argument: someone's id appended to a real button
        "co:1:open:o",  # half of the list it came from
        "co:1:snd",  # a flow step without its nonce
        "ok:de:y:-",
        "mn:main\n",  # a regex "$" matches before a final newline
        "mn:start:de",  # a language the bot does not speak
        "co:12\n:open",
        "sn:12:x",  # under a status notice: only "not right" and "not solved"
        "sn:12",
        "sn:2147483648:w",
    ],
)
def test_malformed_and_out_of_range_is_bad(data: str) -> None:
    with pytest.raises(BadCallback):
        callbacks.decode(data)


def test_a_new_edition_button_of_before_its_nonce_is_no_runs() -> None:
    assert callbacks.decode("se:12:ny") == NewEdition(12, 0)


def test_largest_id_is_accepted() -> None:
    assert callbacks.decode("co:2147483647:open") == CoachAction(2**31 - 1, CoachVerb.OPEN)


def test_decode_as_wants_that_kind() -> None:
    assert callbacks.decode_as("cx:3", Cancel) == Cancel(3)
    with pytest.raises(BadCallback):
        callbacks.decode_as("mn:main", Cancel)


def test_encode_refuses_what_would_not_fit() -> None:
    with pytest.raises(ValueError):
        callbacks.encode(MenuItem("x" * 70))
    with pytest.raises(ValueError):
        callbacks.encode(MenuItem("a name"))
