"""The SMS transport with the real dispatcher and a recording gateway: onboarding by text in
numbered choices, every text within two segments, STOP/START, the budget's stop, and the
incoming endpoint refusing requests the gateway did not sign."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.delivery import OutboxWorker
from bot.transports.sending import DeliveryError
from bot.transports.sms.budget import Budget
from bot.transports.sms.gateways import Android, sign_android
from bot.transports.sms.segments import count
from bot.transports.sms.transport import SmsTransport
from db import Database
from handlers.dispatcher import Dispatcher
from handlers.messages import Message, Recipient, encode
from locales.phone_numbers import e164
from tests.support.sms.gateways import NUMBER, SECRET, RecordingKannel

KEY = "signing-key-of-the-app"


class RecordingAndroid(Android):
    """The Android gateway, its sends recorded instead of posted to a phone."""

    def __init__(self) -> None:
        super().__init__("http://phone.invalid:8080", "sms", "pw", KEY)
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        self.sent.append((to, text))
        return f"m{len(self.sent)}"


def _sms(dispatcher: Dispatcher, db: Database, gateway, monthly: int = 1000) -> SmsTransport:
    budget = Budget(db, monthly, [("console", "coordinators")])
    return SmsTransport(dispatcher.ports, db, gateway, budget)


def _choice(text: str, word: str) -> str:
    """The number in front of the line of ``text`` that holds ``word``."""
    for line in text.splitlines():
        number, _, label = line.partition(" ")
        if number.isdigit() and word in label:
            return number
    raise AssertionError(f"no choice {word!r} in {text!r}")


async def test_onboarding_by_text_in_numbered_choices_each_text_within_two_segments(
    dispatcher: Dispatcher, db: Database
):
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway)
    await sms.take_text(NUMBER, "Hallo")
    picker = gateway.sent[-1][1]
    await sms.take_text(NUMBER, _choice(picker, "Deutsch"))
    notice = gateway.sent[-1][1]
    if "STOP" not in notice:  # the notice's brief fills more than one text: its rest on "0"
        await sms.take_text(NUMBER, "0")
        notice = gateway.sent[-1][1]
    assert "STOP" in notice
    await sms.take_text(NUMBER, "1")  # I agree
    user = await db.users.find("sms", NUMBER)
    assert user is not None and user.consent_at is not None and user.language == "de"
    for to, text in gateway.sent:
        assert to == NUMBER
        # Two segments, but for the picker, whose ten languages come whole in its first
        # text (issue 55, point 7): the Arabic and Persian names make it UCS-2.
        assert count(text) <= (3 if text is picker else 2)
        assert "<" not in text  # no markup


async def test_arabic_texts_are_ucs2_and_cut_with_more_and_0_sends_the_rest(
    dispatcher: Dispatcher, db: Database
):
    gateway = RecordingKannel()
    sms = _sms(dispatcher, db, gateway)
    await sms.take_text(NUMBER, "مرحبا")
    # The welcome and all the languages come in one text (issue 55, point 7); their
    # numbers press them.
    await sms.take_text(NUMBER, _choice(gateway.sent[-1][1], "العربية"))
    await sms.take_text(NUMBER, "1")
    before = len(gateway.sent)
    # A long text to the person: two segments, "more", and the rest on 0.
    long = "نحن نبحث عن مساعد قريب منك. " * 12
    await sms.deliver(NUMBER, Message(long))
    first = gateway.sent[-1][1]
    assert count(first) == 2 and first.endswith("0")
    await sms.take_text(NUMBER, "٠")  # Arabic-Indic zero
    assert len(gateway.sent) == before + 2
    rest = gateway.sent[-1][1]
    assert "نحن" in rest


async def test_stop_ends_all_texts_and_start_resumes_them(dispatcher: Dispatcher, db: Database):
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway)
    await sms.take_text(NUMBER, "Hallo")  # a number the bot knows (a stranger's is kept, not told)
    await sms.take_text(NUMBER, "STOPP")
    assert "START" in gateway.sent[-1][1]
    worker = OutboxWorker(db, [sms])
    outbox_id = await db.outbox.enqueue("sms", NUMBER, encode(Message("Erinnerung")))
    sent = len(gateway.sent)
    await worker.run_once()
    # Given up for good, not retried: the number said STOP.
    state = await db.outbox.state(outbox_id)
    assert state is not None and not state[1] and state[2]
    assert len(gateway.sent) == sent
    await sms.take_text(NUMBER, "start")
    await sms.deliver(NUMBER, Message("Erinnerung"))
    assert gateway.sent[-1][1] == "Erinnerung"


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "Stop.",
        "СТОП",
        "إيقاف",
        "لغو",
        "İPTAL",
        # With the direction mark an Arabic or Persian phone's keyboard puts before or
        # after a word (before, these were words: the texts went on).
        "\u200fإيقاف",
        "لغو\u200f",
        "\u200eSTOP",
        "\u2067إيقاف\u2069",
        # In look-alike letters (Cyrillic Dze, Te, O, Er): before, words, and the texts went on.
        "\u0405\u0422\u041e\u0420",
    ],
)
async def test_stop_in_the_bots_languages(dispatcher: Dispatcher, db: Database, word: str):
    sms = _sms(dispatcher, db, RecordingAndroid())
    await sms.take_text(NUMBER, word)
    with pytest.raises(DeliveryError) as refused:
        await sms.deliver(NUMBER, Message("x"))
    assert refused.value.permanent


async def test_a_used_up_budget_stops_texts_for_good(dispatcher: Dispatcher, db: Database):
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway, monthly=1)
    await sms.deliver(NUMBER, Message("eins"))
    with pytest.raises(DeliveryError) as refused:
        await sms.deliver(NUMBER, Message("zwei"))
    assert refused.value.permanent
    assert [text for _, text in gateway.sent] == ["eins"]


def test_numbers_become_e164():
    assert e164("0176 12345678", "DE") == NUMBER
    assert e164("+49 176 12345678", "DE") == NUMBER
    assert e164("004917612345678", "DE") == NUMBER
    assert e164("Vodafone", "DE") is None


async def _post(sms: SmsTransport, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"http://127.0.0.1:{sms.port}/sms", data=body, headers=headers) as response,
    ):
        return response.status


def _webhook(text: str) -> bytes:
    return json.dumps(
        {
            "deviceId": "d1",
            "event": "sms:received",
            "id": "e1",
            "payload": {"messageId": "m", "message": text, "phoneNumber": NUMBER},
        }
    ).encode()


async def test_android_webhooks_are_taken_only_with_a_fresh_valid_signature(
    dispatcher: Dispatcher, db: Database
):
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway)
    await sms.connect()
    try:
        body = _webhook("Hallo")
        now = int(time.time())
        wrong = {"X-Signature": sign_android("another key", body, now), "X-Timestamp": str(now)}
        assert await _post(sms, body, wrong) == 403
        old = now - 3600
        replayed = {"X-Signature": sign_android(KEY, body, old), "X-Timestamp": str(old)}
        assert await _post(sms, body, replayed) == 403
        assert await _post(sms, body, {}) == 403
        # A body changed under a valid signature of another one.
        other = {"X-Signature": sign_android(KEY, _webhook("Hi"), now), "X-Timestamp": str(now)}
        assert await _post(sms, body, other) == 403
        assert gateway.sent == []
        good = {"X-Signature": sign_android(KEY, body, now), "X-Timestamp": str(now)}
        assert await _post(sms, body, good) == 200
        assert gateway.sent and gateway.sent[0][0] == NUMBER
    finally:
        await sms.stop()


async def test_kannel_get_url_is_taken_only_with_the_shared_secret(
    dispatcher: Dispatcher, db: Database
):
    gateway = RecordingKannel()
    sms = _sms(dispatcher, db, gateway)
    await sms.connect()
    try:
        async with aiohttp.ClientSession() as session:
            for secret, status in (("", 403), ("guess", 403), (SECRET, 200)):
                query = urlencode({"secret": secret, "from": "0176 12345678", "text": "Hallo"})
                async with session.get(f"http://127.0.0.1:{sms.port}/sms?{query}") as response:
                    assert response.status == status
                if status == 403:
                    assert gateway.sent == []
        assert gateway.sent and gateway.sent[0][0] == NUMBER
    finally:
        await sms.stop()


def test_kannel_sends_ucs2_only_when_the_text_needs_it():
    kannel = RecordingKannel()
    assert "coding" not in kannel.send_params(NUMBER, "Hallo [5€]")
    assert kannel.send_params(NUMBER, "مرحبا")["coding"] == "2"
    assert kannel.send_params(NUMBER, "Hallo")["charset"] == "UTF-8"


async def test_notices_to_sms_people_go_through_the_outbox(dispatcher: Dispatcher, db: Database):
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway)
    worker = OutboxWorker(db, [sms])
    await db.outbox.enqueue(
        "sms", NUMBER, encode(Message("🎉 Anna hilft Ihnen am Mittwoch. Codewort: Apfel"))
    )
    await worker.run_once()
    assert gateway.sent == [(NUMBER, "Anna hilft Ihnen am Mittwoch. Codewort: Apfel")]
    assert Recipient("sms", NUMBER)


async def test_numbers_texting_leave_no_lock_behind(dispatcher: Dispatcher, db: Database):
    """Without a cluster's chat turns the transport takes one text of a number at a time by
    a lock of its own; a number's lock goes once its texts are handled, so numbers from
    outside fill nothing."""
    gateway = RecordingKannel()
    sms = _sms(dispatcher, db, gateway)
    await sms.connect()
    try:
        async with aiohttp.ClientSession() as session:

            async def text(number: str) -> int:
                query = urlencode({"secret": SECRET, "from": number, "text": "Hallo"})
                async with session.get(f"http://127.0.0.1:{sms.port}/sms?{query}") as answer:
                    return answer.status

            numbers = [f"0176 1234{n:04d}" for n in range(12)]
            statuses = await asyncio.gather(*(text(n) for n in numbers + numbers[:3]))
        assert statuses == [200] * 15
        assert len({chat for chat, _ in gateway.sent}) == 12
        assert sms._turns == {}
    finally:
        await sms.stop()


async def test_declining_by_text_names_the_number_that_is_kept(
    dispatcher: Dispatcher, db: Database
):
    """Issue 64, point 2: a new texter who declines the notice reads what is kept of them -
    the number they text from and their language - never "whether the bot reads aloud"."""
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway)
    await sms.take_text(NUMBER, "Hallo")
    await sms.take_text(NUMBER, _choice(gateway.sent[-1][1], "Deutsch"))
    notice = gateway.sent[-1][1]
    await sms.take_text(NUMBER, _choice(notice, "Nein"))
    asked = gateway.sent[-1][1]
    assert "Telefonnummer und Ihre Sprache" in asked, asked
    assert "vorliest" not in asked
    user = await db.users.find("sms", NUMBER)
    assert user is not None and user.consent_at is None and user.language == "de"


async def test_a_text_carries_no_control_characters(dispatcher: Dispatcher, db: Database):
    """A texter's words echoed back ("441\\x0037" is no place the bot knows) carried the NUL
    to the gateway: "@" on a phone (GSM 7-bit's first letter). The one way out drops every
    control character but the line break; a tab is a space."""
    gateway = RecordingAndroid()
    sms = _sms(dispatcher, db, gateway)
    await sms.deliver(NUMBER, Message('"441\x0037" kenne ich nicht.\nBitte\tnochmal\x07.'))
    assert gateway.sent[-1][1] == '"44137" kenne ich nicht.\nBitte nochmal.'
