"""``doctor``'s line for the phone: the running bot's last answer from the registrar."""

from __future__ import annotations

from bot.config import PhoneSection
from bot.transports.phone.sip.registration import check, note
from db import Database

PHONE = PhoneSection(enabled=True, registrar="sip:sipgate.de", user="1234567e0")


async def test_doctor_tells_the_registrars_last_answer(db: Database):
    name, status, detail = await check(PHONE, db)
    assert (name, status) == ("phone registration", "WARN") and "sip:sipgate.de" in detail
    await note(db, "200")
    assert (await check(PHONE, db))[1] == "ok"
    await note(db, "403")
    status, detail = (await check(PHONE, db))[1:]
    assert status == "FAIL" and "403" in detail


async def test_without_a_registrar_there_is_nothing_to_register(db: Database):
    direct = PhoneSection(enabled=True, bind="192.0.2.7", port=5070)
    assert await check(direct, db) == (
        "phone registration",
        "ok",
        "no registrar: calls come to 192.0.2.7:5070 directly",
    )
