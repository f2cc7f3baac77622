"""A fake of the SMS Gateway for Android app (capcom6/android-sms-gateway) on 127.0.0.1: its
documented HTTP API and webhooks, for the SMS transport's Android gateway. It is a phone
app, so the tests have no other way to run it.

Followed documentation (the site https://docs.sms-gate.app/, sources in the repository
android-sms-gateway/docs-web, ``docs/features/*.md``):
- sending: https://docs.sms-gate.app/features/sending-messages/ and
  https://docs.sms-gate.app/getting-started/local-server/ (``POST /message`` on the phone's
  local server, ``POST /3rdparty/v1/messages`` on the cloud and private servers; Basic auth;
  JSON ``{"textMessage": {"text": …}, "phoneNumbers": [...]}`` or the deprecated
  ``{"message": …, "phoneNumbers": [...]}``; optional ``id``, ``simNumber``, ``ttl``,
  ``withDeliveryReport``, ``priority``; query ``skipPhoneValidation``);
- the answer and states: https://docs.sms-gate.app/features/status-tracking/ and the
  project's Python client (``MessageState``: ``id``, ``state``, ``recipients`` of
  ``phoneNumber``/``state``/``error``, ``isHashed``, ``isEncrypted``); states ``Pending``,
  ``Processed``, ``Sent``, ``Delivered``, ``Failed``;
- webhooks: https://docs.sms-gate.app/features/webhooks/ (``POST /webhooks``
  ``{"url", "event"}`` registers, ``GET /webhooks`` lists, ``DELETE /webhooks/{id}``; an
  event is a POST of ``{"deviceId", "event", "id", "payload", "webhookId"}``; for
  ``sms:received`` the payload holds ``messageId``, ``message``, ``phoneNumber``,
  ``simNumber``, ``receivedAt``; it is signed: ``X-Signature`` is the hexadecimal
  HMAC-SHA256, with the signing key, of the raw body followed by ``X-Timestamp``, the Unix
  time in seconds; the receiver should accept only timestamps within ±5 minutes; a call
  without a 2xx within 30 s is retried with backoff - the app's SendWebhookWorker posts the
  same serialized event, its ``id`` a NanoID made once when the event was emitted).

``FakeAndroidGateway(username=…, password=…, signing_key=…)``: ``await start()``, ``url``
(the phone's local server, ``http://127.0.0.1:port``), ``sent`` (``SentMessage`` records),
``webhooks`` (registered ``{id, url, event}``), ``refuse_with`` (an HTTP status every send is
answered with, e.g. 500, until set back to ``None``), ``await receive_sms(phone, text)``
(posts a signed ``sms:received`` to each registered webhook, or to ``url=…``; ``signature=``,
``timestamp=`` or ``key=`` make a wrong or old one), ``await post_again(delivery)`` (the
app's retry: the same event, its ``id`` included, signed anew), ``await report(message_id,
"sms:delivered")``, ``await stop()``. ``sign(key, body, timestamp)`` and
``verify_signature(…)`` are the documented algorithm.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from tests.support.ports import free_port

HOST = "127.0.0.1"
DEVICE_ID = "ffffffffceb0b1db0000018e937c815b"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
EVENTS = ("sms:received", "sms:sent", "sms:delivered", "sms:failed", "system:ping")


def sign(key: str, body: str | bytes, timestamp: str) -> str:
    """The documented signature: hex HMAC-SHA256 of the raw body followed by the timestamp."""
    raw = body.decode() if isinstance(body, bytes) else body
    return hmac.new(key.encode(), (raw + timestamp).encode(), hashlib.sha256).hexdigest()


def verify_signature(secret_key: str, payload: str, timestamp: str, signature: str) -> bool:
    """The verification as the documentation shows it (Python)."""
    message = (payload + timestamp).encode()
    expected = hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


@dataclass
class SentMessage:
    id: str
    text: str
    phone_numbers: list[str]
    body: dict[str, Any]
    state: str = "Pending"


@dataclass
class Delivery:
    """One webhook POST the fake made, and the bot's answer."""

    url: str
    body: str
    headers: dict[str, str]
    status: int


@dataclass
class FakeAndroidGateway:
    username: str = "sms"
    password: str = "android-secret-45"
    signing_key: str = "signing-key-45"
    sent: list[SentMessage] = field(default_factory=list)
    webhooks: list[dict[str, str]] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    refuse_with: int | None = None
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    # ------------------------------------------------------------------ API

    def _authorized(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return hmac.compare_digest(request.headers.get("Authorization", ""), f"Basic {expected}")

    @staticmethod
    def _state(message: SentMessage) -> dict[str, Any]:
        return {
            "id": message.id,
            "state": message.state,
            "recipients": [
                {"phoneNumber": number, "state": message.state} for number in message.phone_numbers
            ],
            "isHashed": False,
            "isEncrypted": False,
        }

    async def _send(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        if self.refuse_with is not None:
            return web.json_response({"message": "refused"}, status=self.refuse_with)
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"message": "invalid JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"message": "invalid request"}, status=400)
        kinds = [key for key in ("textMessage", "dataMessage", "message") if key in body]
        if len(kinds) != 1 or kinds[0] == "dataMessage":
            return web.json_response({"message": "one of textMessage or message"}, status=400)
        if kinds[0] == "textMessage":
            content = body["textMessage"]
            text = content.get("text") if isinstance(content, dict) else None
        else:
            text = body["message"]
        numbers = body.get("phoneNumbers")
        if not isinstance(text, str) or not text:
            return web.json_response({"message": "text is required"}, status=400)
        if not isinstance(numbers, list) or not numbers:
            return web.json_response({"message": "phoneNumbers is required"}, status=400)
        skip = request.query.get("skipPhoneValidation") == "true"
        if not skip and not all(isinstance(n, str) and E164.match(n) for n in numbers):
            return web.json_response({"message": "phone number is not E.164"}, status=400)
        message_id = body.get("id") or secrets.token_urlsafe(15)
        message = SentMessage(str(message_id), text, list(numbers), body)
        self.sent.append(message)
        return web.json_response(self._state(message), status=202)

    async def _get(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        wanted = request.match_info["id"]
        for message in self.sent:
            if message.id == wanted:
                return web.json_response(self._state(message))
        return web.json_response({"message": "not found"}, status=404)

    async def _register(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        body = await request.json()
        if body.get("event") not in EVENTS or not body.get("url"):
            return web.json_response({"message": "url and a known event"}, status=400)
        hook = {"id": body.get("id") or secrets.token_urlsafe(15), "url": body["url"]}
        hook["event"] = body["event"]
        self.webhooks = [h for h in self.webhooks if h["id"] != hook["id"]] + [hook]
        return web.json_response(hook, status=201)

    async def _list(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        return web.json_response(self.webhooks)

    async def _delete(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"message": "Unauthorized"}, status=401)
        self.webhooks = [h for h in self.webhooks if h["id"] != request.match_info["id"]]
        return web.Response(status=204)

    async def start(self) -> None:
        app = web.Application()
        for prefix, send_path in (("", "/message"), ("/3rdparty/v1", "/3rdparty/v1/messages")):
            app.router.add_post(send_path, self._send)
            app.router.add_get(send_path + "/{id}", self._get)
            app.router.add_post(f"{prefix}/webhooks", self._register)
            app.router.add_get(f"{prefix}/webhooks", self._list)
            app.router.add_delete(prefix + "/webhooks/{id}", self._delete)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        self.port = free_port()
        await web.TCPSite(self._runner, HOST, self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ webhooks

    async def _post_event(
        self,
        event: str,
        payload: dict[str, Any],
        *,
        url: str | None,
        timestamp: str | None,
        signature: str | None,
        key: str | None,
    ) -> list[Delivery]:
        targets = [url] if url else [h["url"] for h in self.webhooks if h["event"] == event]
        if not targets:
            raise AssertionError(f"no webhook registered for {event}")
        made = []
        async with aiohttp.ClientSession() as session:
            for target in targets:
                hook_id = next((h["id"] for h in self.webhooks if h["url"] == target), "")
                body = json.dumps(
                    {
                        "deviceId": DEVICE_ID,
                        "event": event,
                        "id": secrets.token_urlsafe(15),
                        "payload": payload,
                        "webhookId": hook_id,
                    },
                    ensure_ascii=False,
                )
                stamp = timestamp if timestamp is not None else str(int(time.time()))
                headers = {
                    "Content-Type": "application/json",
                    "X-Timestamp": stamp,
                    "X-Signature": signature
                    if signature is not None
                    else sign(key if key is not None else self.signing_key, body, stamp),
                }
                async with session.post(target, data=body.encode(), headers=headers) as answer:
                    await answer.read()
                    made.append(Delivery(target, body, headers, answer.status))
        self.deliveries.extend(made)
        return made

    async def receive_sms(
        self,
        phone_number: str,
        text: str,
        *,
        url: str | None = None,
        timestamp: str | None = None,
        signature: str | None = None,
        key: str | None = None,
        sim_number: int | None = 1,
    ) -> list[Delivery]:
        """The phone got ``text`` from ``phone_number``: a signed ``sms:received`` event.

        ``timestamp="…"`` (e.g. ``old_timestamp()``), ``signature="…"`` or ``key="…"`` (a wrong
        signing key) make a request the bot must refuse."""
        payload = {
            "messageId": hashlib.sha256(f"{phone_number}{text}".encode()).hexdigest()[:16],
            "message": text,
            "phoneNumber": phone_number,
            "simNumber": sim_number,
            "receivedAt": datetime.now(ZoneInfo("Europe/Berlin")).isoformat(
                timespec="milliseconds"
            ),
        }
        return await self._post_event(
            "sms:received", payload, url=url, timestamp=timestamp, signature=signature, key=key
        )

    async def post_again(self, delivery: Delivery) -> Delivery:
        """The app's retry of ``delivery`` (its call got no 2xx in time): the same event -
        the same body, its ``id`` included - signed again with a new ``X-Timestamp``, as
        the app's signing plugin signs each request it makes."""
        stamp = str(int(time.time()))
        headers = dict(delivery.headers)
        headers["X-Timestamp"] = stamp
        headers["X-Signature"] = sign(self.signing_key, delivery.body, stamp)
        async with (
            aiohttp.ClientSession() as session,
            session.post(delivery.url, data=delivery.body.encode(), headers=headers) as answer,
        ):
            await answer.read()
            made = Delivery(delivery.url, delivery.body, headers, answer.status)
        self.deliveries.append(made)
        return made

    async def report(
        self, message_id: str, event: str = "sms:delivered", *, url: str | None = None
    ) -> list[Delivery]:
        """A status event (``sms:sent``, ``sms:delivered``, ``sms:failed``) for a sent message."""
        message = next(m for m in self.sent if m.id == message_id)
        message.state = {"sms:sent": "Sent", "sms:delivered": "Delivered"}.get(event, "Failed")
        at = datetime.now(ZoneInfo("Europe/Berlin")).isoformat(timespec="milliseconds")
        stamp_key = {"sms:sent": "sentAt", "sms:delivered": "deliveredAt"}.get(event, "failedAt")
        payload: dict[str, Any] = {
            "messageId": message_id,
            "phoneNumber": message.phone_numbers[0],
            "simNumber": None,
            stamp_key: at,
        }
        if event == "sms:failed":
            payload["reason"] = "RESULT_ERROR_GENERIC_FAILURE"
        return await self._post_event(
            event, payload, url=url, timestamp=None, signature=None, key=None
        )


def old_timestamp(minutes: int = 10) -> str:
    """A timestamp outside the documented ±5 minutes."""
    return str(int(time.time()) - minutes * 60)
