"""A number beyond a form step's choices on Matrix, against the real Synapse: Amira asks
for help in Arabic and types ٩ on the seven days and Back. The day step takes a written
day, so "9" is read as one, and it asked its question again without the days - the newest
message then had no numbered choices, and her next ١ was text, refused again. The
question comes again with the days, and ١ presses the first one."""

from __future__ import annotations

from locales import translator
from tests.support.matrix_bot import Bot, onboard
from tests.support.matrix_people import MatrixPerson, body


async def _answer(alice: MatrixPerson, room: str, text: str) -> str:
    mark = len(alice.received)
    await alice.say(room, text)
    return body(await alice.wait_for(lambda e: "1️⃣" in body(e), after=mark))


async def test_a_number_beyond_the_days_gets_the_days_again(alice: MatrixPerson, matrix_bot: Bot):
    ar = translator("ar")
    room = await onboard(alice, matrix_bot, "3")  # العربية
    await _answer(alice, room, "2")  # 🤝 Ask for help
    await _answer(alice, room, "1")  # ✍️ Ask for help: the categories
    await _answer(alice, room, "1")  # the first category: "describe it"
    await _answer(alice, room, "أحتاج مساعدة في التسوق يوم السبت")
    when = await _answer(alice, room, "٤٤١٣٧")
    assert ar._("🕓 When do you need the help?") in when
    days = await _answer(alice, room, "2")  # 📅 on a certain day
    assert ar._("📅 Which day? Tap one, or write it.") in days
    again = await _answer(alice, room, "٩")
    assert ar._("📅 Which day? Tap one, or write it.") in again and "1️⃣" in again
    languages = await _answer(alice, room, "١")  # the first day, pressed
    assert ar._("📅 Which day? Tap one, or write it.") not in languages
