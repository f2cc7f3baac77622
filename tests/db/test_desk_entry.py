"""The person the desk's resident form reaches with a number (db/users.py
``enter_resident``, issue 77 point 4): a new one; the one there is with data of their own,
as they are; or one without - whoever texted or called first - whose choices give way to
the coordinator's. On both backends (the SQL is the store's)."""

from __future__ import annotations

import pytest

from db import Database
from db.users import REMINDERS, ReadAloud

NUMBER = "+4917655555555"


async def test_a_number_nobody_has_becomes_a_new_person_in_the_coordinators_words(
    db: Database,
):
    entered = await db.users.enter_resident("phone", NUMBER, "Erna", "de")
    assert entered.new and not entered.taken and not entered.consent_dropped
    person = await db.users.find("sms", NUMBER)
    assert person is not None and person.id == entered.user.id
    assert (person.first_name, person.language, person.platform) == ("Erna", "de", "phone")


async def test_a_strangers_choices_give_way_to_the_coordinators(db: Database):
    stranger = await db.users.seen("sms", NUMBER, NUMBER)
    await db.users.set_language(stranger.id, "tr")
    await db.users.set_easy_language(stranger.id, True)
    await db.users.set_read_aloud(stranger.id, ReadAloud.EVERY)
    await db.users.set_translate_messages(stranger.id, False)
    await db.users.set_reminder_offsets(stranger.id, [5])
    await db.users.record_consent(stranger.id)
    await db.users.set_state(stranger.id, "request:description", {"typed": "Ruf mich an"})

    entered = await db.users.enter_resident("phone", NUMBER, "Erna", "de")
    assert entered.taken and entered.consent_dropped and not entered.new
    erna = await db.users.get(stranger.id)
    assert erna is not None and erna == entered.user
    assert (erna.first_name, erna.language, erna.platform) == ("Erna", "de", "phone")
    assert erna.consent_at is None and not erna.easy_language
    assert erna.read_aloud == ReadAloud.OFF and erna.translate_messages
    assert erna.reminder_offsets == REMINDERS
    assert await db.users.get_state(erna.id) is None
    # Now she has data of her own (a name a coordinator entered): a later entry keeps her.
    again = await db.users.enter_resident("sms", NUMBER, "E.", "ar")
    assert not (again.new or again.taken or again.consent_dropped)
    kept = await db.users.get(erna.id)
    assert kept is not None and (kept.first_name, kept.language, kept.platform) == (
        "Erna",
        "de",
        "phone",
    )


async def test_a_person_with_data_of_their_own_is_kept_as_they_are(db: Database):
    greta = await db.users.seen("sms", NUMBER, NUMBER)
    await db.users.set_language(greta.id, "tr")
    await db.users.record_consent(greta.id)
    # Published: a coordinator let it through (a request still in review is anyone's press).
    await db.requests.create(
        greta.id, greta.id, state="open", category="shopping", description="Einkauf"
    )

    entered = await db.users.enter_resident("phone", NUMBER, "Erna", "de")
    assert not (entered.new or entered.taken or entered.consent_dropped)
    kept = await db.users.get(greta.id)
    assert kept is not None and (kept.first_name, kept.language, kept.platform) == (
        "",
        "tr",
        "sms",
    )
    assert kept.consent_at is not None


async def test_what_a_stranger_makes_with_presses_is_not_data_of_their_own(db: Database):
    """Events followed, a subscription, a request still in review: any consented sender
    makes them with a press, so they keep no stranger's person against the desk's entry
    (issue 77, review of point 4) and protect no number (the checks' reserve)."""
    stranger = await db.users.seen("sms", NUMBER, NUMBER)
    await db.users.set_language(stranger.id, "tr")
    await db.users.record_consent(stranger.id)
    await db.events.subscribe(stranger.id, "district", "Innenstadt-Nord")
    await db.requests.create(stranger.id, stranger.id, category="shopping", description="x")
    assert await db.users.has_data(stranger.id)  # checked first, as before
    assert not await db.users.has_own_data(stranger.id)

    entered = await db.users.enter_resident("phone", NUMBER, "Erna", "de")
    assert entered.taken and entered.consent_dropped
    erna = await db.users.get(stranger.id)
    assert erna is not None and (erna.first_name, erna.language, erna.platform) == (
        "Erna",
        "de",
        "phone",
    )
    assert await db.users.has_own_data(erna.id)  # the name a coordinator entered


async def test_the_checks_reserve_is_for_a_request_or_a_desk_entry_never_a_pin_alone(
    db: Database,
):
    """Issue 98, point 6: a PIN is chosen by anyone the bot once called back, so a few cheap
    numbers with one spent the checks' reserve; it is kept for residents with a request a
    coordinator let through or entered, or the desk's entry of them."""
    from handlers.numbers.phone_pin import hashed

    pin_only = await db.users.seen("phone", NUMBER, NUMBER)
    await db.phone_pins.set(pin_only.id, hashed("2580"))
    assert await db.users.has_own_data(pin_only.id)  # still hers against the desk's entry
    assert not await db.users.has_own_data(pin_only.id, entered=True)
    await db.requests.create(pin_only.id, pin_only.id, category="shopping", description="x")
    assert not await db.users.has_own_data(pin_only.id, entered=True)  # in review: a press made it
    await db.requests.create(
        pin_only.id, pin_only.id, category="shopping", description="y", state="open"
    )
    assert await db.users.has_own_data(pin_only.id, entered=True)
    entered = await db.users.enter_resident("phone", "+492319876500", "Erna", "de")
    assert await db.users.has_own_data(entered.user.id, entered=True)


async def test_only_a_number_platform_is_entered(db: Database):
    with pytest.raises(ValueError):
        await db.users.enter_resident("telegram", NUMBER, "Erna", "de")
