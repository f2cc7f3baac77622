"""The SMS gateways behind the transport: send a text, and read an incoming one only when
the gateway proves it sent it (never by the sender's number or address alone).

- **Kannel** (bearerbox and smsbox): a text is sent by smsbox's HTTP interface,
  ``GET /cgi-bin/sendsms?username=…&password=…&from=…&to=…&text=…&charset=UTF-8`` and, when
  the text needs UCS-2, ``coding=2`` (Kannel's user guide, "Sending SMS"). A text that
  arrives is passed on by smsbox's ``sms-service`` ``get-url``, which calls the bot's
  address with the shared secret in its query (docs/sms.md has the lines):
  ``…/sms?secret=…&from=%p&text=%b&coding=%c&charset=%C``.
- **SMS Gateway for Android** (capcom6/android-sms-gateway, "local server" mode): a text is
  sent by ``POST /message`` with basic auth and ``{"textMessage": {"text": …},
  "phoneNumbers": [...]}`` (its README, "Local server"); an ``sms:received`` webhook is
  signed with the app's signing key: ``X-Signature`` is the hexadecimal HMAC-SHA256 of the raw
  body followed by the ``X-Timestamp`` value (Unix seconds) - docs.sms-gate.app
  "Webhooks", "Payload Signing". A timestamp more than ``MAX_SKEW`` seconds away from now is
  refused (a replayed request), as those docs advise. The event's ``id`` is the text's id:
  the app's retries of a webhook (no 2xx within 30 s: again after 10 s, 20 s, 40 s …) post
  the same event, same ``id``.

A send fails with a :class:`~bot.transports.sending.DeliveryError` that says whether trying
again is worth it; errors name the status, never the text or the number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs

import aiohttp

from bot.transports.sending import DeliveryError
from bot.transports.sms.segments import UCS2, encoding

# A signed webhook older or newer than this (seconds) is refused.
MAX_SKEW = 300
# A gateway's id of a text is a UUID; a longer one is not taken as an id.
MAX_ID = 64
TIMEOUT = aiohttp.ClientTimeout(total=20)


class Refused(Exception):
    """An incoming request that is not from the gateway (wrong secret or signature)."""


@dataclass(frozen=True)
class Received:
    """A text that arrived: the sender's number as the gateway gave it, the text, and the
    gateway's id of it ("" none): the same text passed on again comes with the same id."""

    sender: str
    text: str
    id: str = ""


@dataclass(frozen=True)
class Request:
    """What the bot's HTTP endpoint got: the raw query, headers and body."""

    query: bytes
    headers: Mapping[str, str]
    body: bytes


class Gateway(Protocol):
    name: str
    # The number the gateway texts from, as configured ("" unknown: an Android phone's SIM).
    sender: str

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        """Send ``text`` to ``to`` (E.164); the gateway's id if it gives one."""

    def received(self, request: Request, now: float) -> Received | None:
        """The text in ``request`` (None: a request about something else, e.g. a delivery
        report); raise :class:`Refused` when the request is not the gateway's."""


def _same(given: str, expected: str) -> bool:
    # As bytes: compare_digest refuses a str that is not ASCII, and a header may hold anything.
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode())


def _failure(status: int) -> DeliveryError:
    if status == 429:
        return DeliveryError("gateway: too many requests", retry_after=30.0)
    if status >= 500:
        return DeliveryError(f"gateway: HTTP {status}")
    # Refused: wrong credentials or a request the gateway does not take. Not worth many
    # tries, but no proof that the text can never be sent (a password being changed).
    return DeliveryError(f"gateway: HTTP {status}", transient=False)


class _Http:
    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def answer(self, sent: AbstractAsyncContextManager[aiohttp.ClientResponse]) -> bytes:
        """The gateway's answer to the request ``sent`` (the session's get or post); a
        refusal (status 300 and over), a failed connection or a time-out is a
        DeliveryError, and the text may have gone out all the same."""
        try:
            async with sent as response:
                answer = await response.read()
                if response.status >= 300:
                    raise _failure(response.status)
        except aiohttp.ClientError as exc:
            raise DeliveryError(f"gateway: {type(exc).__name__}", maybe_sent=True) from exc
        except TimeoutError as exc:
            raise DeliveryError("gateway: time-out", maybe_sent=True) from exc
        return answer


class Kannel(_Http):
    name = "kannel"

    def __init__(self, url: str, username: str, password: str, sender: str, secret: str) -> None:
        super().__init__()
        self.url = url.rstrip("/")
        self.username = username
        self.password = password
        self.sender = sender
        self.secret = secret

    def send_params(self, to: str, text: str) -> dict[str, str]:
        params = {
            "username": self.username,
            "password": self.password,
            "to": to,
            "text": text,
            "charset": "UTF-8",
        }
        if self.sender:
            params["from"] = self.sender
        if encoding(text) == UCS2:
            params["coding"] = "2"
        return params

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        await self.answer(
            self.session().get(f"{self.url}/cgi-bin/sendsms", params=self.send_params(to, text))
        )
        return None

    def received(self, request: Request, now: float) -> Received | None:
        # Parsed as Latin-1, which maps each %-escaped byte to one character and back: the
        # text's bytes stay as smsbox sent them (UTF-8 with mo-recode, else UTF-16BE for
        # coding 2) until its charset says how to read them. (parse_qs on bytes would
        # read them as ASCII and fail on the first ü or Arabic letter.)
        fields = parse_qs(
            request.query.decode("latin-1"), keep_blank_values=True, encoding="latin-1"
        )

        def field(name: str) -> bytes:
            values = fields.get(name, [""])
            return values[0].encode("latin-1")

        if not self.secret or not _same(field("secret").decode("utf-8", "replace"), self.secret):
            raise Refused("kannel: wrong secret")
        sender = field("from").decode("utf-8", "replace").strip()
        raw = field("text")
        charset = field("charset").decode("ascii", "replace").upper()
        # A UCS-2 text smsbox did not recode (mo-recode off) comes as UTF-16BE bytes.
        text = raw.decode("utf-16-be" if charset in ("UTF-16BE", "UCS-2") else "utf-8", "replace")
        # %I, smsbox's id of the text (a UUID): the same on a call of the get-url again.
        found = _text_id(field("id").decode("ascii", "replace"))
        return Received(sender, text, found) if sender else None


class Android(_Http):
    name = "android"

    def __init__(self, url: str, username: str, password: str, signing_key: str) -> None:
        super().__init__()
        self.url = url.rstrip("/")
        # Built by hand: aiohttp deprecates its BasicAuth and the session's ``auth``.
        basic = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {"Authorization": f"Basic {basic}"}
        self.signing_key = signing_key
        # The phone's own number is its SIM's: the app does not say it.
        self.sender = ""

    async def send(self, to: str, text: str, key: str | None = None) -> str | None:
        body: dict[str, object] = {"textMessage": {"text": text}, "phoneNumbers": [to]}
        if key:
            # The app keeps a message's id: the same send repeated is one message.
            body["id"] = base64.urlsafe_b64encode(
                hashlib.sha256(key.encode()).digest()[:15]
            ).decode()
        answer = await self.answer(
            self.session().post(f"{self.url}/message", json=body, headers=self.headers)
        )
        try:
            found = json.loads(answer or b"{}").get("id")
        except (ValueError, AttributeError):
            found = None
        return str(found) if found else None

    def received(self, request: Request, now: float) -> Received | None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        signature = headers.get("x-signature", "")
        stamp = headers.get("x-timestamp", "")
        if not self.signing_key or not signature or not stamp.isdecimal():
            raise Refused("android: unsigned")
        expected = hmac.new(
            self.signing_key.encode(), request.body + stamp.encode(), hashlib.sha256
        ).hexdigest()
        if not _same(signature.lower(), expected):
            raise Refused("android: wrong signature")
        if abs(now - int(stamp)) > MAX_SKEW:
            raise Refused("android: old signature")
        try:
            event = json.loads(request.body)
        except ValueError:
            return None
        if not isinstance(event, dict) or event.get("event") != "sms:received":
            return None
        payload = event.get("payload") or {}
        sender, text = payload.get("phoneNumber"), payload.get("message")
        if not isinstance(sender, str) or not isinstance(text, str):
            return None
        # The event's id (a NanoID the app makes once per event and webhook, and posts
        # again, same body, when a call got no 2xx in time: its retries), not the payload's
        # messageId - "generated based on the message content and not guaranteed to be
        # unique" (docs.sms-gate.app "Webhooks"): "1" typed twice would be one text.
        found = event.get("id")
        return Received(sender, text, _text_id(found) if isinstance(found, str) else "")


def _text_id(given: str) -> str:
    """A gateway's id of a text as the bot takes it: short and printable, else none ("")."""
    given = given.strip()
    return given if len(given) <= MAX_ID and given.isprintable() else ""


def sign_android(signing_key: str, body: bytes, stamp: int) -> str:
    """The app's signature of a webhook (for tests and fakes of the app)."""
    return hmac.new(signing_key.encode(), body + str(stamp).encode(), hashlib.sha256).hexdigest()
