"""Text messages (issue 45): what a help story costs in segments, and 1,000 reminders
through real Kannel.

Both run under ``[sms]``'s default caps (per number an hour and a day, first contacts, the
reserve: bot/transports/sms/budget.py), so a whole story must fit them.

(a) Segments per help story, German and Arabic: a resident with a simple phone comes in by
    SMS (language, consent), asks for help with shopping in numbered choices (its
    description, the postcode 44147, "as soon as possible"), a coordinator publishes it and
    a volunteer takes it on (both on the in-memory chat); every text the resident gets - the
    answers and the outbox's notices (helper, code word) - is counted with the transport's
    own segment counter (bot/transports/sms/segments.py). The gateway records instead of
    sending: what is measured is the texts, not a network.
(b) 1,000 reminders by SMS through Kannel (bearerbox and smsbox on 127.0.0.1, fakesmsc as
    the phones): queued in the outbox for 1,000 numbers, sent by the outbox worker through
    the SMS transport and smsbox's sendsms at the gateway's configured rate (``[sms]
    max_messages_per_second``, the transport's pace; Kannel's fake SMSC is given the same
    ``throughput``, which it does not enforce: without the pace it passed 240 a second);
    each number must get its reminder once (counted per recipient on fakesmsc's side, again
    after a pause, so that a late duplicate shows), and the rate at which they reached the
    phones (first to last) is set against the configured one.

Run: .venv/bin/python bench/sms_bench.py (needs Kannel: ``make sms``). ``--quick``: the German
story and 20 reminders, for CI's pass over every benchmark (its figures not judged).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from markupsafe import Markup  # noqa: E402

from bench.table import Row, at_most, judged, print_table  # noqa: E402
from bot.config import SmsSection  # noqa: E402
from bot.delivery import OutboxWorker  # noqa: E402
from bot.transports.sms.budget import Budget, limits_of  # noqa: E402
from bot.transports.sms.gateways import Kannel  # noqa: E402
from bot.transports.sms.segments import count, encoding  # noqa: E402
from bot.transports.sms.transport import SmsTransport  # noqa: E402
from db import Database  # noqa: E402
from handlers import build_router  # noqa: E402
from handlers.dispatcher import Dispatcher  # noqa: E402
from handlers.messages import Message, encode  # noqa: E402
from handlers.settings import HandlerSettings  # noqa: E402
from tests.support.help_story import GROUP, grant_role_to, press, register_volunteer  # noqa: E402
from tests.support.memory_transport import MemoryTransport  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.sms.fakesmsc import FakePhoneNetwork  # noqa: E402
from tests.support.sms.kannel import KannelGateway  # noqa: E402

RESIDENT = "+4917611111111"
# [sms]'s defaults: texts per number an hour and a day, first contacts, the reserve.
DEFAULT_LIMITS = limits_of(SmsSection())
REMINDERS = 1_000
QUICK_REMINDERS = 20  # --quick
THROUGHPUT = 50.0  # [sms] max_messages_per_second, and Kannel's throughput
REMINDER = "Erinnerung: Sprachcafe morgen 17:00, Dietrich-Keuning-Haus. Absagen: 2 senden"
STORIES = {
    "de": ("Hallo", "Ich brauche Hilfe beim Einkaufen am Dienstag"),
    "ar": ("مرحبا", "أحتاج مساعدة في التسوق يوم الثلاثاء"),
}


def _settings() -> HandlerSettings:
    return HandlerSettings(
        city="Dortmund",
        inactive_account_days=365,
        max_text_length=500,
        backchannels=frozenset({("memory", GROUP)}),
        new_user_cooldown_minutes=0,  # as measured: the texters are new, and wait for none
        max_messages_per_minute=1000,  # as measured: the handlers' default then ([bot]: 20)
        max_presses_per_minute=1000,
    )


class RecordingKannel(Kannel):
    """The Kannel gateway, recording its texts instead of calling smsbox."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9", "bench", "bench", "+4923150000045", "secret")
        self.sent: list[str] = []

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        self.sent.append(text)
        return None


async def _press(sms: SmsTransport, data: str) -> None:
    """Type the number of the newest text's choice ``data``, as the resident reads it: the
    choices are whole in a text's first part (handlers/media/texted_form.py), so the rest of a
    long one ("More: send 0") is not asked for."""
    newest = await sms.store.newest(RESIDENT)
    listed = newest[2] if newest else []
    numbers = [n for n, (_, d) in enumerate(listed, 1) if d == data]
    if not numbers:
        offered = ", ".join(d for _, d in listed) or "none"
        raise RuntimeError(f"no choice {data} by text (the newest text's: {offered})")
    await sms.take_text(RESIDENT, str(numbers[0]))


async def story_segments(lang: str) -> tuple[int, int, int, int, str]:
    """(texts, segments, most segments of one text, UCS-2 texts, codings) of the story."""
    greeting, description = STORIES[lang]
    with tempfile.TemporaryDirectory() as folder:
        db = await Database.open(str(Path(folder) / "bench.sqlite3"))
        try:
            dispatcher = Dispatcher(db, build_router(), _settings())
            gateway = RecordingKannel()
            # The default caps per number and for new numbers (issue 53): the story fits them.
            budget = Budget(db, 100_000, dispatcher.settings.backchannels, limits=DEFAULT_LIMITS)
            sms = SmsTransport(dispatcher.ports, db, gateway, budget)
            story = MemoryTransport(dispatcher)
            story.worker = OutboxWorker(db, [story, sms], chain=dispatcher.chain)

            await sms.take_text(RESIDENT, greeting)
            for data in (f"lang:{lang}", "consent:yes", "menu:help", "hr:new", "hr:cat:shopping"):
                await _press(sms, data)
            await sms.take_text(RESIDENT, description)
            await sms.take_text(RESIDENT, "44147")
            await _press(sms, "hr:when:asap")
            await _press(sms, "hr:langs-done")
            await _press(sms, "hr:send")
            user = await db.users.find("sms", RESIDENT)
            assert user is not None
            (request,) = await db.requests.for_requester(user.id)

            vera = await register_volunteer(story, db, "vera")
            await db.volunteers.verify(vera, vera)
            await story.onboard("cora", "de")
            await grant_role_to(db, "cora", "coordinator")
            await story.in_group("cora", press(f"mod:ok:{request.id}"))
            await story.flush()
            await story.press("vera", f"mt:acc:{request.id}")
            await story.flush()
            matched = await db.requests.get(request.id)
            assert matched is not None and matched.state == "matched"
            told = "\n".join(gateway.sent)
            assert "Vera" in told and matched.door_code.split()[-1] in told
        finally:
            await db.close()
    sizes = [count(text) for text in gateway.sent]
    ucs2 = sum(encoding(text) == "ucs2" for text in gateway.sent)
    return len(sizes), sum(sizes), max(sizes), ucs2, lang


async def _until(condition: Callable[[], bool], guard: float = 300.0) -> None:
    deadline = time.monotonic() + guard
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the reminders did not all arrive")
        await asyncio.sleep(0.01)


async def reminders_through_kannel(reminders: int = REMINDERS) -> dict[str, float]:
    numbers = [f"+491765{n:07d}" for n in range(reminders)]
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        kannel = KannelGateway(
            incoming_url=f"http://127.0.0.1:{port}/sms",
            throughput=THROUGHPUT,
            folder=Path(folder) / "kannel",
        )
        kannel.start()
        phones = FakePhoneNetwork(kannel)
        db = await Database.open(str(Path(folder) / "bench.sqlite3"))
        sms = None
        try:
            phones.start()
            dispatcher = Dispatcher(db, build_router(), _settings())
            gateway = Kannel(
                kannel.sendsms_url.removesuffix("/cgi-bin/sendsms"),
                kannel.username,
                kannel.password,
                kannel.bot_number,
                kannel.secret,
            )
            budget = Budget(db, 100_000, dispatcher.settings.backchannels, limits=DEFAULT_LIMITS)
            sms = SmsTransport(dispatcher.ports, db, gateway, budget, port=port, pace=THROUGHPUT)
            await sms.connect()
            async with db.transaction():
                for number in numbers:
                    await db.outbox.enqueue("sms", number, encode(Message(Markup(REMINDER))))
            # One process, as bot/city_service.py makes it alone: the transport paces itself.
            worker = OutboxWorker(db, [sms])

            arrivals: list[float] = []

            async def watch() -> None:
                seen = 0
                while seen < reminders:
                    now_seen = len(phones.received)
                    arrivals.extend([time.monotonic()] * (now_seen - seen))
                    seen = now_seen
                    await asyncio.sleep(0.005)

            watcher = asyncio.create_task(watch())
            began = time.monotonic()
            while await worker.run_once():
                pass
            handed = time.monotonic() - began
            await asyncio.wait_for(watcher, 600)
            # A pause after the last, so that a late second copy would show.
            await asyncio.sleep(3 if reminders == REMINDERS else 1)
            got = Counter(text.receiver for text in phones.received if text.text == REMINDER)
        finally:
            if sms is not None:
                await sms.stop()
            await db.close()
            phones.stop()
            kannel.stop()
    lost = sum(1 for number in numbers if got[number] == 0)
    twice = sum(1 for number in numbers if got[number] > 1)
    spread = arrivals[-1] - arrivals[0]
    return {
        "arrived": float(sum(got.values())),
        "lost": float(lost),
        "twice": float(twice),
        "handed_s": handed,
        "spread_s": spread,
        "rate": (len(arrivals) - 1) / spread if spread else float("inf"),
    }


async def main(quick: bool = False) -> None:
    reminders = QUICK_REMINDERS if quick else REMINDERS
    rows: list[Row] = []
    for lang in ("de",) if quick else STORIES:
        texts, segments, most, ucs2, _ = await story_segments(lang)
        rows.append(
            (
                f"help story segments ({lang})",
                f"{segments}",
                f"{texts} texts to the resident, {ucs2} UCS-2, at most {most} a text"
                " (2, or as long as its choices need: docs/sms.md)",
            )
        )
    result = await reminders_through_kannel(reminders)
    rows += [
        judged(
            f"{reminders:,} reminders via Kannel: arrived",
            f"{result['arrived']:,.0f}",
            result["lost"] + result["twice"],
            at_most(0, shown="≤ 0 lost or twice"),
            f"lost {result['lost']:.0f}, twice {result['twice']:.0f}",
        ),
        (
            f"{reminders:,} reminders via Kannel: rate",
            f"{result['rate']:.1f}/s",
            f"configured {THROUGHPUT:.0f}/s; first to last {result['spread_s']:.1f} s,"
            f" handed to smsbox in {result['handed_s']:.1f} s",
        ),
    ]
    print_table(f"SMS benchmark{', quick' if quick else ''}, {datetime.now(UTC):%Y-%m-%d}", rows)
    if result["lost"] or result["twice"]:
        raise SystemExit("reminders lost or sent twice")


if __name__ == "__main__":
    asyncio.run(main(quick="--quick" in sys.argv[1:]))
