"""A forged text must not act for a volunteer who helps by text. Through real Kannel
(tests/support/sms/city.py): "I can help" on an offer, "Not this time" and "Report", and her
own profile (its answers, pausing), wait for the code texted to the volunteer's number,
which only its holder reads. Without the code the request stays open for others, its
requester hears nothing and no contact starts; with it the volunteer takes the request.

A forger sends from her number but never receives its texts: in these tests a text sent
"by the forger" is a text from her number whose code the test then does not use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from db import Database
from db.request_states import MATCHED, OPEN
from handlers import build_router
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.matching import offer_sending
from locales import translator
from tests.support.help_story import grant_role_to
from tests.support.helping_people import verified_volunteer, volunteer_profile
from tests.support.sms.city import City, Resident, onboarded
from tests.support.sms.codes import code_in as _code
from tests.support.sms.codes import other_code as _other

VERA = "+4917644444444"
DESCRIPTION = "Einkauf am Nordmarkt"
T = translator("de")


async def _offered_to_vera(city: City, db: Database) -> tuple[Resident, int, int]:
    """Vera, a volunteer who texts, is offered Rita's published request (Rita on a chat)."""
    vera = Resident(city, VERA)
    await vera.say("Hallo")
    await vera.choose("Deutsch")
    await vera.choose(T._("I agree"))
    story = city.story
    await story.onboard("rita", "de")
    await story.onboard("cora", "de")
    cora = await grant_role_to(db, "cora", "coordinator")
    rita = await db.users.find("memory", "rita")
    user = await db.users.find("sms", VERA)
    assert rita is not None and user is not None
    scene = Backstage(db, city.story.dispatcher.settings)
    async with db.transaction():
        request = await lifecycle.submit(
            scene,
            rita,
            {
                "category": "shopping",
                "description": DESCRIPTION,
                "stadtbezirk": "Innenstadt-Nord",
                "lat": 51.523,
                "lon": 7.456,
                "languages": ("de",),
            },
        )
        await lifecycle.publish(scene, await db.users.get(cora), request.id)
    # Her profile after the publication: the offer below is the only one she gets.
    volunteer = await verified_volunteer(db, user.id, verified_by=cora)
    published = await db.requests.get(request.id)
    assert published is not None
    async with db.transaction():
        assert await offer_sending.send_offer(scene, published, volunteer, datetime.now(UTC))
    before = len(vera.texts)
    await city.flush()
    vera.new = vera.texts[before:]
    assert DESCRIPTION in "\n".join(text.text for text in vera.new)
    return vera, request.id, user.id


async def test_i_can_help_by_text_takes_the_request_only_with_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, request_id, vera_id = await _offered_to_vera(city, db)
    story = city.story
    told_rita = len(story.inbox.get("rita", []))

    # A forger's "I can help" from her number: nothing is done, the number gets a code
    # that says what it confirms, and the forger's guess is only a wrong try.
    await vera.choose(T._("I can help"))
    await city.flush()
    request = await db.requests.get(request_id)
    assert request is not None and request.state == OPEN and request.volunteer_id is None
    assert len(story.inbox.get("rita", [])) == told_rita  # no "a helper was found"
    (asked,) = vera.new
    assert f"#{request_id}" in asked.text, asked.text
    await vera.say(_other(_code(asked.text)))
    await city.flush()
    request = await db.requests.get(request_id)
    assert request is not None and request.state == OPEN and request.volunteer_id is None
    assert len(story.inbox.get("rita", [])) == told_rita

    # Vera herself, who got the code: the request is hers, and Rita is told.
    await vera.say(_code(asked.text))
    await city.flush()
    request = await db.requests.get(request_id)
    assert request is not None and request.state == MATCHED and request.volunteer_id == vera_id
    assert len(story.inbox.get("rita", [])) > told_rita


async def test_a_report_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, request_id, vera_id = await _offered_to_vera(city, db)

    # A forger's "Report" and a guessed code: no report asked for or taken.
    await vera.choose(T._("Report"))
    (asked,) = vera.new
    assert f"#{request_id}" in asked.text, asked.text
    await vera.say(_other(_code(asked.text)))
    await city.flush()
    assert await db.relay.reports_about(f"request:{request_id}") == []

    # Vera herself, with the code: asked what happened, and her report is taken.
    await vera.say(_code(asked.text))
    await vera.say("Die Anfrage wirkt wie ein Betrug")
    await city.flush()
    reports = await db.relay.reports_about(f"request:{request_id}")
    assert [reporter for reporter, _ in reports] == [vera_id]
    request = await db.requests.get(request_id)
    assert request is not None and request.state == OPEN


async def test_not_this_time_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    """Before, a forger's "Not this time" turned Vera's offer away at once."""
    city: City = await make_city()  # type: ignore[misc]
    vera, request_id, vera_id = await _offered_to_vera(city, db)

    async def declined() -> bool:
        return any(no for who, _, no in await db.volunteers.offers(request_id) if who == vera_id)

    await vera.choose(T._("Not this time"))
    (asked,) = vera.new
    assert f"#{request_id}" in asked.text, asked.text
    await vera.say(_other(_code(asked.text)))
    assert not await declined()

    await vera.say(_code(asked.text))
    assert await declined()


async def _vera_volunteers(city: City, db: Database, number: str = VERA) -> tuple[Resident, int]:
    """Vera, who texts (from ``number``), agreed and volunteers (shopping,
    Innenstadt-Nord), on her page."""
    vera, vera_id = await onboarded(city, number)
    await volunteer_profile(db, vera_id, quiet=None)
    await vera.say("/volunteer")
    return vera, vera_id


async def test_a_volunteers_profile_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    """Before, a forger's texts changed Vera's kinds of help (and paused her) at once.
    Her changed answers are held for the code; once she texted a right one, her next
    settings for half an hour pass without another."""
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)

    async def categories() -> tuple[str, ...]:
        volunteer = await db.volunteers.get(vera_id)
        assert volunteer is not None
        return tuple(volunteer.categories)

    await vera.choose(T._("Kinds of help"))
    await vera.choose(T._("Small jobs at home"))
    await vera.choose(T._("Done"))
    (asked,) = vera.new
    await vera.say(_other(_code(asked.text)))
    assert await categories() == ("shopping",)

    await vera.say(_code(asked.text))
    assert set(await categories()) == {"shopping", "household"}

    # Her own code a moment ago: pausing passes without another.
    await vera.choose(T._("Pause"))
    volunteer = await db.volunteers.get(vera_id)
    assert volunteer is not None and volunteer.paused


async def test_pausing_by_text_waits_for_the_code(
    make_city: Callable[..., object], db: Database
) -> None:
    city: City = await make_city()  # type: ignore[misc]
    vera, vera_id = await _vera_volunteers(city, db)

    async def paused() -> bool:
        volunteer = await db.volunteers.get(vera_id)
        assert volunteer is not None
        return volunteer.paused

    await vera.choose(T._("Pause"))
    (asked,) = vera.new
    await vera.say(_other(_code(asked.text)))
    assert not await paused()
    await vera.say(_code(asked.text))
    assert await paused()


def test_every_act_for_a_volunteer_by_text_waits_for_the_code() -> None:
    """Taking an offer, declining it, reporting (an offer, or a contact), handing back, a
    helper's call to the resident and the number it rings, and her own profile's pause,
    resume, leaving and talk shift are ``coded``: the dispatcher holds them from a coded
    channel (handlers/numbers/coded_acts.py); her answers are held by the form
    (``volunteer.save``)."""
    router = build_router()
    for data in (
        "mt:acc:1",
        "mt:dec:1",
        "mt:rep:1",
        "mt:br:1:ill",
        "rl:rep:1",
        "bc:call:1",
        "bc:chg",
        "vo:pause",
        "vo:resume",
        "vo:leavey",
        "vo:ts:mornings",
    ):
        found = router.find_button(data)
        assert found is not None and found[0].coded, data
    assert "volunteer.save" in router.confirmed
