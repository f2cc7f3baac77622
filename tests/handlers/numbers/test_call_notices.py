"""What people read about the bot's own calls (handlers/numbers/call_notices.py): a helper's chat
is told what came of a bridged call only where they did not talk, in their language; the
coordinators, of a check call given up, by name or as "a phone resident"."""

from datetime import UTC, datetime, timedelta

from db import Database
from handlers import build_router
from handlers.channels import BridgedCallEnded, CallsGivenUp, CheckDenied, CheckGivenUp
from handlers.dispatcher import Dispatcher
from handlers.numbers.call_notices import (
    NOT_HELD,
    called_line,
    check_denied,
    check_given_up,
    not_held,
)
from handlers.router import Router
from handlers.settings import HandlerSettings
from locales import SUPPORTED_LANGUAGES, translator
from tests.support.reports import features_told

GROUP_CHAT = ("memory", "coordinators")


def test_a_helper_is_told_only_of_a_call_in_which_nobody_talked():
    assert "talked" not in NOT_HELD and "ended" not in NOT_HELD
    assert {"busy", "no answer", "failed", "no calls left"} <= NOT_HELD


def test_each_outcome_has_words_of_its_own_in_the_helpers_language():
    de, en = translator("de"), translator("en")
    said = {str(not_held(de, outcome).text) for outcome in NOT_HELD}
    assert len(said) == len(NOT_HELD)
    assert str(not_held(de, "busy").text) != str(not_held(en, "busy").text)
    assert str(not_held(en, "busy").text) == "📵 The resident is busy. Please try again later."


def test_the_coordinators_hear_of_a_check_call_given_up_by_name_never_the_number():
    de = translator("de")
    said = str(check_given_up(de, "Erna", 3).text)
    assert "Erna" in said and "3" in said and "+49" not in said
    unnamed = str(check_given_up(de, "", 1).text)
    assert de._("a phone resident") in unnamed


async def test_what_the_phone_reports_reaches_whom_the_feature_says(db: Database):
    """A call given up, a check given up, a bridged call: the transport reports, the feature
    tells the coordinators (by name) or the helper (only where nobody talked)."""
    erna = await db.users.seen("phone", "+492319876543", "+492319876543", "Erna")
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    report = features_told(db, [GROUP_CHAT])
    await report(CallsGivenUp("phone", erna.platform_user_id, "no answer", 2, 3))
    await report(CheckGivenUp("phone", "+492310000000", 2))
    await report(BridgedCallEnded(vera.id, "talked"))
    await report(BridgedCallEnded(vera.id, "busy"))
    soon = datetime.now(UTC) + timedelta(days=1)
    told = [item.payload["text"] for item in await db.outbox.waiting(*GROUP_CHAT, soon)]
    assert len(told) == 2, told
    assert "Erna" in told[0] and "+49" not in told[0]
    assert "+49" not in told[1]
    helper = [item.payload["text"] for item in await db.outbox.waiting("memory", "vera", soon)]
    # Only the call in which nobody talked, in the helper's language (the city's: German).
    assert helper == [str(not_held(translator("de"), "busy").text)], helper


async def test_a_report_nobody_takes_changes_nothing(db: Database):
    dispatcher = Dispatcher(db, Router(), HandlerSettings(backchannels=frozenset({GROUP_CHAT})))
    await dispatcher.ports.report(CheckGivenUp("phone", "+492310000000", 2))
    soon = datetime.now(UTC) + timedelta(days=1)
    assert await db.outbox.waiting(*GROUP_CHAT, soon) == []


async def test_the_outbox_worker_is_woken_only_when_a_report_queued_something(db: Database):
    vera = await db.users.seen("memory", "vera", "vera", "Vera")
    woken: list[bool] = []
    dispatcher = Dispatcher(
        db, build_router(), HandlerSettings(), on_queued=lambda: woken.append(True)
    )
    await dispatcher.ports.report(BridgedCallEnded(vera.id, "talked"))
    assert woken == []
    await dispatcher.ports.report(BridgedCallEnded(vera.id, "busy"))
    assert woken == [True]


async def test_a_residents_not_me_reaches_the_coordinators_by_name(db: Database):
    """A check call answered "it was not me" at a resident's number (check_calls.py reports
    it only where the person has something to protect): the coordinators are told by her
    name, never the number."""
    erna = await db.users.seen("phone", "+492319876543", "+492319876543", "Erna")
    report = features_told(db, [GROUP_CHAT])
    await report(CheckDenied("phone", erna.platform_user_id))
    soon = datetime.now(UTC) + timedelta(days=1)
    (told,) = [item.payload["text"] for item in await db.outbox.waiting(*GROUP_CHAT, soon)]
    assert told == str(check_denied(translator("de"), "Erna").text)
    assert "Erna" in told and "+49" not in told and "9876543" not in told


async def test_a_dry_pool_says_who_used_the_days_checks_by_name_never_a_number(db: Database):
    """Issue 98, point 6: the coordinators see who spent the check calls - each check rings
    the number's person, so a name called again and again is someone whose number is used -
    by first name (a resident without one as "a phone resident"), the numbers of nobody
    here as one count, never a number."""
    from handlers.channels import CheckPoolDry

    erna = await db.users.seen("phone", "+492319876543", "+492319876543", "Erna")
    await db.requests.create(erna.id, erna.id, category="shopping", description="x")
    unnamed = await db.users.seen("phone", "+492319876544", "+492319876544")
    await db.requests.create(unnamed.id, unnamed.id, category="shopping", description="y")
    used = (("+492319876543", 2), ("+492319876544", 1), ("+4923100001", 1), ("+4923100002", 1))
    report = features_told(db, [GROUP_CHAT])
    await report(CheckPoolDry("phone", "day", True, 4, used))
    await report(CheckPoolDry("phone", "day", False, 4, used, block=True))
    soon = datetime.now(UTC) + timedelta(days=1)
    told = [item.payload["text"] for item in await db.outbox.waiting(*GROUP_CHAT, soon)]
    de = translator("de")
    assert len(told) == 2 and told[0] != told[1]
    for text in told:
        assert "Erna (2)" in text and f"{de._('a phone resident')} (1)" in text
        assert str(de.t("numbers of nobody known here ({count})", count="2")) in text
        assert "+49" not in text and "9876543" not in text


def test_a_resident_without_a_name_stands_alone_in_the_list_of_who_was_called():
    # Found in a native-speaker pass: the list took the words written inside a sentence
    # ("did not call {name}"), in Polish a genitive ("korzystającej z linii telefonicznej")
    # that no list item can be. Alone, the words have a message context of their own,
    # translated in every catalog.
    for lang in SUPPORTED_LANGUAGES:
        t = translator(lang)
        alone = t.pgettext("alone, in the list of who was called", "a phone resident")
        assert lang == "en" or alone != "a phone resident", lang
        line = called_line(t, [("", 2), ("Erna", 1)])
        assert alone in line and t.comma.join((f"({t.number(2)})", "Erna")) in line, (lang, line)
    pl = translator("pl")
    in_a_sentence = pl._("a phone resident")
    assert in_a_sentence not in called_line(pl, [("", 1)])
    assert in_a_sentence in str(check_given_up(pl, "", 2).text)
