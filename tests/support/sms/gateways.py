"""The SMS transport's gateway and transport as the SMS tests watch them:
``RecordingKannel`` (the Kannel gateway, its sends recorded instead of posted),
``CountingKannel`` (the real Kannel gateway, counting what it handed to sendsms) and
``CountingSms`` (the transport, counting the texts it has taken) - so that a test waits
for texts, never for a time. ``NUMBER``: a phone that texts the bot; ``SECRET``: the
shared secret of ``RecordingKannel``'s incoming endpoint."""

from __future__ import annotations

from collections import Counter

from bot.transports.sms.gateways import Kannel
from bot.transports.sms.transport import SmsTransport

NUMBER = "+4917612345678"
SECRET = "kannel-get-url-secret"


class RecordingKannel(Kannel):
    """The Kannel gateway, its sends recorded in ``sent`` as (to, text) instead of posted
    to a Kannel; its incoming endpoint takes ``SECRET``."""

    def __init__(self) -> None:
        super().__init__("http://kannel.invalid:13013", "bot", "pw", "+4923100000", SECRET)
        self.sent: list[tuple[str, str]] = []

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        self.sent.append((to, text))
        return None


class CountingKannel(Kannel):
    """The real Kannel gateway, counting the texts it handed to sendsms per number
    (``sent``; ``sent.total()`` all of them)."""

    def __init__(self, *args: str) -> None:
        super().__init__(*args)
        self.sent: Counter[str] = Counter()

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        found = await super().send(to, text, key)
        self.sent[to] += 1
        return found


class CountingSms(SmsTransport):
    """The SMS transport, counting the texts it has taken (handled or not)."""

    handled = 0

    async def take_text(self, number: str, text: str, gateway_id: str = "") -> None:
        try:
            await super().take_text(number, text, gateway_id)
        finally:
            self.handled += 1
