"""Issue 41 item 12: one numbering system per language in the chat - Persian digits for a
Persian reader (CLDR's default for fa), Latin ones for a German reader: distances, the
list's numbers and their buttons, counts, clock times and request numbers alike."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from db import Database
from db.volunteers import Volunteer
from handlers.helping.volunteers import describe_profile
from handlers.messages import Command
from locales import FSI, PDI, SUPPORTED_LANGUAGES, native_digits, translator
from tests.support.help_story import post_request, register_volunteer
from tests.support.memory_transport import MemoryTransport, button_data, messages, texts
from tests.support.places_sample import import_sample

LATIN = re.compile("[0-9]")
PERSIAN = re.compile("[\u06f0-\u06f9]")
ARABIC_INDIC = re.compile("[\u0660-\u0669]")


@pytest.fixture
async def sample(db: Database) -> Database:
    return await import_sample(db)


def _shown(text: str) -> str:
    """What a person reads: without tags (their attributes hold ids) and bidi marks."""
    return re.sub(r"<[^>]+>|[\u200e\u200f\u2066-\u2069]", "", text)


@pytest.mark.parametrize(
    ("lang", "digits", "others"), [("fa", PERSIAN, LATIN), ("de", LATIN, PERSIAN)]
)
async def test_a_place_list_in_the_readers_digits(
    lang, digits, others, chat: MemoryTransport, sample: Database
):
    user = f"digits-{lang}"
    await chat.onboard(user, lang)
    await chat.press(user, "menu:places")
    out = await chat.text(user, "Nordmarkt")
    [listing] = [m for m in messages(out) if "📏" in str(m.text)]
    text = _shown(str(listing.text))
    distances = [line.split("📏", 1)[1] for line in text.splitlines() if "📏" in line]
    assert distances and all(digits.search(d) and not others.search(d) for d in distances)
    # The list's numbers, in the text and on the buttons that open a place.
    one = translator(lang).number(1)
    assert re.search(rf"^{one}\. ", text, re.M), text
    labels = [b.label for row in listing.buttons for b in row if b.data.startswith("pl:d:")]
    assert labels and labels[0].startswith(f"{one}. ")
    assert not any(others.search(label.split(".")[0]) for label in labels)
    assert all(d.isascii() for d in button_data(out))  # button data stays ASCII
    assert not ARABIC_INDIC.search(texts(out))


VOLUNTEER = Volunteer(
    user_id=1,
    categories=("shopping",),
    stadtbezirke=(),
    lat=51.5,
    lon=7.4,
    radius_m=1500,
    languages=("fa",),
    availability="",
    quiet_start=22,
    quiet_end=7,
    max_open=2,
    paused=False,
    verified_at="2025-01-01",
    verified_by=None,
    created_at="2025-01-01",
)


def test_quiet_hours_and_counts_of_a_profile_in_the_readers_digits():
    volunteer = VOLUNTEER
    fa = _shown(str(describe_profile(translator("fa"), volunteer)))
    de = _shown(str(describe_profile(translator("de"), replace(volunteer, languages=("de",)))))
    assert "۲۲:۰۰" in fa and "۰۷:۰۰" in fa and "۱٫۵" in fa and "۲" in fa
    assert not LATIN.search(fa), fa
    assert "22:00" in de and "07:00" in de and "1,5 km" in de
    assert not PERSIAN.search(de), de


def test_each_end_of_the_quiet_hours_is_one_isolated_clock_time_in_arabic_and_persian():
    """Written as "{start}:00–{end}:00", the ":00" after each isolated hour took the
    right-to-left sentence's direction and the hours and minutes were laid out out of
    order; now each end is a clock time of its own, isolated."""
    for lang, start, end in (("ar", "22:00", "07:00"), ("fa", "۲۲:۰۰", "۰۷:۰۰")):
        shown = str(describe_profile(translator(lang), VOLUNTEER))
        assert f"{FSI}{start}{PDI}–{FSI}{end}{PDI}" in shown, (lang, shown)


async def test_numbers_shown_in_persian_digits_are_taken_back_in_them(
    story: MemoryTransport, db: Database
):
    """A coordinator who reads Persian sees request "#۱" and volunteer numbers in Persian
    digits, and types them as shown: "/publish ۱" and "/verify ۲" act like "/publish 1"."""
    await story.onboard("parvin", "fa")
    parvin = await db.users.find("memory", "parvin")
    await db.users.grant_role(parvin.id, "coordinator")
    request_id = await post_request(story)
    await story.in_group("parvin", Command("publish", native_digits(str(request_id), "fa")))
    request = await db.requests.get(request_id)
    assert request is not None and request.state == "open"
    vera = await register_volunteer(story, db, "vera")
    await story.in_group("parvin", Command("verify", f"\u200f{native_digits(str(vera), 'fa')}"))
    volunteer = await db.volunteers.get(vera)
    assert volunteer is not None and volunteer.verified_at


async def test_a_volunteers_choices_in_the_readers_digits(story: MemoryTransport):
    """The quiet hours and "at the same time" buttons of the volunteer form."""
    labels = {}
    for name, lang in (("parisa", "fa"), ("paul", "de")):
        await story.onboard(name, lang)
        for data in (
            "menu:volunteer",
            "vo:reg",
            "vo:bz:Innenstadt-Nord",
            "vo:area-done",
            "vo:nopt",
        ):
            await story.press(name, data)
        for data in ("vo:cat:shopping", "vo:cats-done", "vo:lang:ar"):
            await story.press(name, data)
        most = await story.press(name, "vo:langs-done")
        await story.press(name, "vo:max:2")
        quiet = await story.press(name, "vo:ed:quiet")
        # The current quiet hours are ticked ("✅ 22:00–07:00"): the label is the rest.
        labels[lang] = [
            b.label.removeprefix("✅ ")
            for m in messages(quiet + most)
            for row in m.buttons
            for b in row
        ]
    assert {"۲۲:۰۰–۰۷:۰۰", "۱", "۲", "۳"} <= set(labels["fa"]), labels["fa"]
    assert {"22:00–07:00", "1", "2", "3"} <= set(labels["de"]), labels["de"]


async def test_numbers_past_a_thousand_are_shown_as_they_are_typed_back(
    story: MemoryTransport, db: Database
):
    """On a busy installation volunteer and request numbers pass 999: the coordinators'
    group shows them ungrouped ("/verify 1287", not "1.287", which no command takes), and
    the command typed as shown acts; in every language a request number is its digits
    alone, where counts are grouped."""
    from tests.support.help_story import GROUP

    await story.onboard("cora", "de")
    cora = await db.users.find("memory", "cora")
    await db.users.grant_role(cora.id, "coordinator")
    async with db.transaction():  # earlier people: the next number is past a thousand
        for number in range(1000):
            await db.users.seen("memory", f"earlier{number}", f"earlier{number}", "E")
    vera = await register_volunteer(story, db, "vera")
    assert vera > 1000
    await story.flush()
    notice = _shown(story.received(GROUP))
    shown = re.search(r"/verify (\S+?)\.?$", notice, re.MULTILINE)
    assert shown is not None and shown.group(1) == str(vera), notice
    await story.in_group("cora", Command("verify", shown.group(1)))
    volunteer = await db.volunteers.get(vera)
    assert volunteer is not None and volunteer.verified_at
    for lang in SUPPORTED_LANGUAGES:
        t = translator(lang)
        request = _shown(t.t("Request #{id}", id=12345))
        assert native_digits("12345", lang) in request, (lang, request)
        assert native_digits("12345", lang) not in _shown(str(t.number(12345))), lang
