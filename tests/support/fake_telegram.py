"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

It speaks enough of the Bot API for python-telegram-bot's real ``Application``: long-polled
``getUpdates`` fed by :meth:`FakeTelegram.inject` (only the update types ``allowed_updates``
asked for, with Telegram's default until then), message sending, editing and deleting,
reactions, callback answers and command menus, and the reply keyboard each chat shows. Like
Telegram it rejects malformed HTML and over-long texts, reactions that are not one of the
standard emoji, deletions of messages it does not know and edits of messages sent with a
reply keyboard (or its removal), so rendering bugs fail tests. Every call is recorded for
assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import html.parser
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

TOKEN = "123456:TEST-TOKEN"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "Nachbarbot", "username": "nachbar_bot"}
# The stand-in accounts in ``from`` of a group message sent as a chat (Bot API, Message:
# "for backward compatibility ... a fake sender user"): a group's anonymous admins, a channel
# posting in a group, and Telegram itself for a channel's posts forwarded into its
# discussion group.
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
TELEGRAM_SERVICE = {"id": 777000, "is_bot": False, "first_name": "Telegram"}
ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
}
JSON_FIELDS = {
    "reply_markup",
    "commands",
    "entities",
    "scope",
    "link_preview_options",
    "reaction",
    "allowed_updates",
}
# What Telegram sends when allowed_updates was never given.
DEFAULT_UPDATES_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
# The emoji a bot may react with (Bot API, ReactionTypeEmoji).
REACTION_EMOJI = set(
    [
        "❤",
        "👍",
        "👎",
        "🔥",
        "🥰",
        "👏",
        "😁",
        "🤔",
        "🤯",
        "😱",
        "🤬",
        "😢",
        "🎉",
        "🤩",
        "🤮",
        "💩",
        "🙏",
        "👌",
        "🕊",
        "🤡",
        "🥱",
        "🥴",
        "😍",
        "🐳",
        "❤\u200d🔥",
        "🌚",
        "🌭",
        "💯",
        "🤣",
        "⚡",
        "🍌",
        "🏆",
        "💔",
        "🤨",
        "😐",
        "🍓",
        "🍾",
        "💋",
        "🖕",
        "😈",
        "😴",
        "😭",
        "🤓",
        "👻",
        "👨\u200d💻",
        "👀",
        "🎃",
        "🙈",
        "😇",
        "😨",
        "🤝",
        "✍",
        "🤗",
        "🫡",
        "🎅",
        "🎄",
        "☃",
        "💅",
        "🤪",
        "🗿",
        "🆒",
        "💘",
        "🙉",
        "🦄",
        "😘",
        "💊",
        "🙊",
        "😎",
        "👾",
        "🤷\u200d♂",
        "🤷",
        "🤷\u200d♀",
        "😡",
    ]
)


def _command_entities(text: str) -> dict[str, Any]:
    """A text's ``entities`` as Telegram marks a leading /command (none: no key)."""
    if not text.startswith("/"):
        return {}
    length = len(text.split(" ", 1)[0])
    return {"entities": [{"type": "bot_command", "offset": 0, "length": length}]}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    at: float = field(default_factory=time.monotonic)

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        return markup.get("inline_keyboard", [])

    @property
    def button_labels(self) -> list[str]:
        return [b["text"] for row in self.buttons for b in row]

    def button_data(self, label_part: str) -> str:
        for row in self.buttons:
            for button in row:
                if label_part in button["text"]:
                    return button["callback_data"]
        raise AssertionError(f"no button containing {label_part!r} in {self.button_labels}")


class _HtmlChecker(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.visible: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = f'can\'t find end tag corresponding to start tag "{tag}"'
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def check_html(text: str) -> tuple[str | None, str]:
    """(error or None, visible text) as Telegram would parse ``parse_mode=HTML``."""
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.error is None and checker.stack:
        checker.error = f'unclosed tag "{checker.stack[-1]}"'
    return checker.error, "".join(checker.visible)


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        # method name -> list of HTTP statuses to answer with, consumed one per call;
        # an entry of 0 means "answer normally".
        self.failures: dict[str, list[int]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        # Set while stopping: a long-polled getUpdates is answered at once, empty.
        self._closing = False
        self.url = ""
        # First names the fake users send (default "Test").
        self.names: dict[int, str] = {}
        self.sent_updates: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}  # calls per method, for cheap waiting in benchmarks
        # Telegram's limits, when switched on: (messages per second overall, per chat).
        self.limits: tuple[float, float] | None = None
        self.too_many = 0  # 429 answers given because of the limits
        # Awaited with each call before it is answered: a test holds the bot's sending at a
        # point of its choosing, to show an order by what happened instead of by the clock.
        self.hold: Callable[[Call], Awaitable[None]] | None = None
        self._sent_at: list[tuple[float, str]] = []
        # Private chats whose person closed them (blocked the bot, deleted their account),
        # by chat id: every message sent or edited there is refused with 403 and this
        # description, as the Bot API refuses it ("Forbidden: bot was blocked by the user").
        self.closed_chats: dict[str, str] = {}
        # Chats in which the bot is an administrator (getChatMember).
        self.admin_in: set[str] = set()
        # Files on "Telegram's servers" by file id: what people sent (put there by a test
        # with add_file) and what the bot uploaded; served by getFile and the file URL.
        self.files: dict[str, bytes] = {}
        self._file_ids = itertools.count(1)
        # The messages in each chat, by (chat id, message id): what the users and the bot
        # sent and did not delete (deleteMessage, setMessageReaction need them).
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}
        # The bot's reactions, by (chat id, message id).
        self.reactions: dict[tuple[str, int], list[str]] = {}
        # The update types the bot asked for (getUpdates / setWebhook); None: the default.
        self.allowed_updates: list[str] | None = None
        # The reply keyboard each chat shows (the ``keyboard`` of the newest reply_markup
        # that had one), until a message with ``remove_keyboard`` takes it away. A one-time
        # keyboard counts too: Telegram only hides it behind a button once it was used.
        self.reply_keyboards: dict[str, list[list[dict[str, Any]]]] = {}
        # Forum supergroups (topics on), by chat id: their topics' ids (message_thread_id).
        # A message sent into a topic that is not there (or with a topic into a chat that
        # has none) is refused as Telegram refuses it ("message thread not found"); one
        # sent without a topic goes to the General topic.
        self.forums: dict[str, set[int]] = {}
        # The bot's messages sent with a reply markup that is not an inline keyboard (a
        # reply keyboard, its removal, force_reply): Telegram refuses to edit them.
        self._not_editable: set[tuple[str, int]] = set()

    # -- server lifecycle -------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving. A getUpdates still waiting for updates is answered at once, empty,
        as Telegram ends a long poll early: aiohttp's cleanup waits for every request being
        handled, and a bot that had cancelled its poll (or died) left one waiting out its
        timeout (the tests' 1 s) in every test's teardown."""
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what a test does --------------------------------------------------------------
    def redeliver(self, update_id: int) -> None:
        """Send an update again with its old id, as Telegram may after a network error."""
        original = next(u for u in self.sent_updates if u["update_id"] == update_id)
        self._updates.append(dict(original))
        asyncio.get_running_loop().create_task(self._notify())

    def inject(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.sent_updates.append({"update_id": update_id, **update})
        self._updates.append({"update_id": update_id, **update})
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def user(
        self, user_id: int, language_code: str | None = None, name: str = ""
    ) -> dict[str, Any]:
        name = name or self.names.get(user_id, "Test")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": name}
        if language_code:
            user["language_code"] = language_code
        return user

    def send_text(
        self,
        user_id: int,
        text: str,
        language_code: str | None = None,
        chat_type: str = "private",
        chat_id: int | None = None,
        sender: dict[str, Any] | None = None,
        **extra: Any,
    ) -> int:
        """A text from ``user_id`` (or from ``sender``, such as one of Telegram's stand-in
        accounts: :data:`GROUP_ANONYMOUS_BOT`), with ``extra`` fields of the Bot API's
        Message (``sender_chat``, ``message_thread_id`` ...)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id or user_id, "type": chat_type},
            "from": sender or self.user(user_id, language_code),
            "text": text,
            **extra,
        }
        message.update(_command_entities(text))
        self.messages[(str(message["chat"]["id"]), message["message_id"])] = message
        return self.inject({"message": message})

    def edit_text(self, chat_id: int, message_id: int, text: str) -> int:
        """The user edits a text message of theirs: an ``edited_message`` update (its
        entities as Telegram finds them in the new text)."""
        before = self.messages[(str(chat_id), message_id)]
        message = {key: value for key, value in before.items() if key != "entities"}
        message.update(text=text, **_command_entities(text))
        message["edit_date"] = int(time.time())
        self.messages[(str(chat_id), message_id)] = message
        return self.inject({"edited_message": message})

    def last_message_id(self, user_id: int) -> int:
        """The id of the newest message the user sent in their private chat."""
        return max(
            mid
            for (chat, mid), m in self.messages.items()
            if chat == str(user_id) and m["from"].get("id") == user_id
        )

    def send_message(self, user_id: int, language_code: str | None = None, **content: Any) -> int:
        """A private message with arbitrary content (location, voice, photo …)."""
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self.user(user_id, language_code),
            **content,
        }
        self.messages[(str(user_id), message["message_id"])] = message
        return self.inject({"message": message})

    def add_file(self, content: bytes) -> str:
        """Store a file as if a user had sent it to Telegram; its file id."""
        file_id = f"file{next(self._file_ids)}"
        self.files[file_id] = content
        return file_id

    def send_voice(self, user_id: int, content: bytes, duration: int = 3) -> str:
        """A private voice message (OGG/Opus as Telegram records it); its file id."""
        file_id = self.add_file(content)
        self.send_message(
            user_id,
            voice={
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": len(content),
            },
        )
        return file_id

    def press(
        self, user_id: int, data: str, message: Call | None = None, language_code: str | None = None
    ) -> int:
        result = message.result if message is not None else None
        query: dict[str, Any] = {
            "id": f"cb{next(self._update_ids)}",
            "from": self.user(user_id, language_code),
            "chat_instance": "1",
            "data": data,
        }
        if isinstance(result, dict):
            query["message"] = result
        return self.inject({"callback_query": query})

    def unconfirmed(self) -> list[int]:
        """Ids of the updates Telegram would still deliver: not yet confirmed by a
        getUpdates with a higher offset."""
        return [u["update_id"] for u in self._updates]

    def calls_to(self, method: str, **match: Any) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and all(str(c.params.get(k)) == str(v) for k, v in match.items())
        ]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] = lambda c: True,
        *,
        after: int = 0,
        timeout: float = 90.0,
        **match: Any,
    ) -> Call:
        """The first call (from index ``after`` on) to ``method`` matching; waits for it.
        ``timeout`` guards against a hang, never a measure: on a busy machine (CI with every
        worker's servers and browsers) a bot's answer has taken over 10 s."""

        def find() -> Call | None:
            for call in self.calls[after:]:
                if (
                    call.method == method
                    and predicate(call)
                    and all(str(call.params.get(k)) == str(v) for k, v in match.items())
                ):
                    return call
            return None

        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None), timeout)
            except TimeoutError:
                seen = [(c.method, c.text[:50]) for c in self.calls[after:]]
                raise AssertionError(f"no {method} {match} within {timeout}s; got {seen}") from None
        found = find()
        assert found is not None
        return found

    async def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no call has arrived for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            count = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == count and not self._updates:
                return

    # -- the Bot API ------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                # The Bot API's uploads are one level of named fields, never nested.
                assert isinstance(part, BodyPartReader), part
                name = part.name or ""
                if part.filename:
                    params[name] = {"filename": part.filename, "content": await part.read()}
                else:
                    params[name] = await part.text()
        elif request.can_read_body:
            params.update(dict(await request.post()))
        for key in JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                params[key] = json.loads(params[key])
        return params

    def _message(self, chat_id: Any, **content: Any) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": int(chat_id),
            "type": "supergroup" if int(chat_id) < 0 else "private",
        }
        if str(chat_id) in self.forums:
            chat["is_forum"] = True
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            **content,
        }
        self.messages[(str(chat_id), message["message_id"])] = message
        return message

    @staticmethod
    def _error(status: int, description: str, **extra: Any) -> web.Response:
        body = {"ok": False, "error_code": status, "description": description, **extra}
        return web.json_response(body, status=status)

    def _check_text(self, params: dict[str, Any], key: str, limit: int) -> web.Response | None:
        text = str(params.get(key) or "")
        if params.get("parse_mode") == "HTML":
            error, visible = check_html(text)
            if error:
                return self._error(400, f"Bad Request: can't parse entities: {error}")
        else:
            visible = text
        if key == "text" and not visible.strip():
            return self._error(400, "Bad Request: message text is empty")
        if len(visible.encode("utf-16-le")) // 2 > limit:
            return self._error(400, "Bad Request: message is too long")
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "getUpdates":
            return await self._get_updates(params)
        call = Call(method, params)
        self.calls.append(call)
        self.counts[method] = self.counts.get(method, 0) + 1
        try:
            if self.hold is not None:
                await self.hold(call)
            planned = self.failures.get(method)
            if planned:
                status = planned.pop(0)
                if status == 429:
                    return self._error(
                        429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
                    )
                if status:
                    description = {
                        502: "Bad Gateway",
                        403: "Forbidden: bot was blocked by the user",
                        400: "Bad Request: chat not found",
                    }.get(status, "Error")
                    return self._error(status, description)
            closed = self.closed_chats.get(str(params.get("chat_id")))
            if closed is not None and method.startswith(("send", "edit", "copy", "forward")):
                return self._error(403, closed)
            limited = self._over_limit(method, params)
            if limited is not None:
                return limited
            topic = params.get("message_thread_id")
            topics = self.forums.get(str(params.get("chat_id")), set())
            if topic is not None and method.startswith("send") and int(topic) not in topics:
                return self._error(400, "Bad Request: message thread not found")
            response = self._answer(method, params)
            if isinstance(response, web.Response):
                return response
            if topic is not None and isinstance(response, dict):
                # The same dict as kept in self.messages: the message is in that topic.
                response.update(message_thread_id=int(topic), is_topic_message=True)
            call.result = response
            return web.json_response({"ok": True, "result": response})
        finally:
            await self._notify()

    def _over_limit(self, method: str, params: dict[str, Any]) -> web.Response | None:
        """Like Telegram: too many messages overall or to one chat get 429 with retry_after."""
        if self.limits is None or method not in (
            "sendMessage",
            "sendDocument",
            "sendPhoto",
            "sendVenue",
            "sendLocation",
            "sendVoice",
        ):
            return None
        overall, per_chat = self.limits
        now = time.monotonic()
        self._sent_at = [(t, c) for t, c in self._sent_at if now - t < 1.0]
        chat = str(params.get("chat_id"))
        if len(self._sent_at) >= overall or sum(c == chat for _, c in self._sent_at) >= per_chat:
            self.too_many += 1
            return self._error(
                429, "Too Many Requests: retry after 1", parameters={"retry_after": 1}
            )
        self._sent_at.append((now, chat))
        return None

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                **BOT_USER,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "setWebhook" and "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"])
        if method in (
            "deleteWebhook",
            "setWebhook",
            "setMyCommands",
            "answerCallbackQuery",
            "close",
            "logOut",
        ):
            return True
        if method == "sendMessage":
            return self._check_text(params, "text", 4096) or self._markup_sent(
                params, self._message(params["chat_id"], text=params["text"])
            )
        if method in ("editMessageText", "editMessageReplyMarkup"):
            key = (str(params["chat_id"]), int(params["message_id"]))
            if key in self._not_editable:
                return self._error(400, "Bad Request: message can't be edited")
            markup = params.get("reply_markup") or {}
            if markup and "inline_keyboard" not in markup:
                return self._error(400, "Bad Request: inline keyboard expected")
            if method == "editMessageReplyMarkup":
                return self._edited(params)
            return self._check_text(params, "text", 4096) or self._edited(params)
        if method == "deleteMessage":
            key = (str(params["chat_id"]), int(params["message_id"]))
            if self.messages.pop(key, None) is None:
                return self._error(400, "Bad Request: message to delete not found")
            self.reactions.pop(key, None)
            return True
        if method == "setMessageReaction":
            key = (str(params["chat_id"]), int(params["message_id"]))
            if key not in self.messages:
                return self._error(400, "Bad Request: message to react not found")
            reaction = params.get("reaction") or []
            emoji = [r.get("emoji", "") for r in reaction if r.get("type") == "emoji"]
            if len(emoji) != len(reaction) or not set(emoji) <= REACTION_EMOJI:
                return self._error(400, "Bad Request: REACTION_INVALID")
            self.reactions[key] = emoji
            return True
        if method == "sendDocument":
            document = params["document"]
            return self._check_text(params, "caption", 1024) or self._message(
                params["chat_id"],
                document={
                    "file_id": "doc1",
                    "file_unique_id": "doc1",
                    "file_name": document["filename"],
                },
            )
        if method == "sendPhoto":
            photo = params["photo"]
            if not isinstance(photo, dict) or not photo["content"].startswith(b"\x89PNG"):
                return self._error(400, "Bad Request: IMAGE_PROCESS_FAILED")
            file_id = self.add_file(photo["content"])
            return self._check_text(params, "caption", 1024) or self._message(
                params["chat_id"],
                photo=[
                    {
                        "file_id": file_id,
                        "file_unique_id": f"u{file_id}",
                        "width": 1000,
                        "height": 750,
                        "file_size": len(photo["content"]),
                    }
                ],
                **({"caption": params["caption"]} if params.get("caption") else {}),
            )
        if method == "sendVoice":
            voice = params["voice"]
            if isinstance(voice, dict):  # an upload
                file_id = self.add_file(voice["content"])
            elif voice in self.files:
                file_id = voice
            else:
                return self._error(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return self._check_text(params, "caption", 1024) or self._message(
                params["chat_id"],
                voice={
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "duration": int(params.get("duration") or 0),
                    "file_size": len(self.files[file_id]),
                },
                **({"caption": params["caption"]} if params.get("caption") else {}),
            )
        if method == "getFile":
            file_id = str(params.get("file_id"))
            if file_id not in self.files:
                return self._error(400, "Bad Request: invalid file_id")
            return {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(self.files[file_id]),
                "file_path": f"voice/{file_id}.oga",
            }
        if method == "getChat":
            chat_id = str(params.get("chat_id"))
            return {
                "id": int(chat_id),
                "type": "supergroup" if int(chat_id) < 0 else "private",
                "title": "Koordination",
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
                **({"is_forum": True} if chat_id in self.forums else {}),
            }
        if method == "getChatMember":
            return {
                "status": "administrator"
                if str(params.get("chat_id")) in self.admin_in
                else "left",
                "user": BOT_USER,
                "can_be_edited": False,
                "is_anonymous": False,
                "can_manage_chat": True,
                "can_delete_messages": True,
                "can_manage_video_chats": False,
                "can_restrict_members": False,
                "can_promote_members": False,
                "can_change_info": False,
                "can_invite_users": True,
                "can_post_stories": False,
                "can_edit_stories": False,
                "can_delete_stories": False,
            }
        if method in ("sendLocation", "sendVenue"):
            location = {
                "latitude": float(params["latitude"]),
                "longitude": float(params["longitude"]),
            }
            return self._message(params["chat_id"], location=location)
        return self._error(404, "Not Found: method not found")

    async def _download(self, request: web.Request) -> web.Response:
        """A file by the path getFile gave, as Telegram serves it."""
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        path = request.match_info["path"]
        self.calls.append(Call("download", {"path": path}))
        file_id = path.rsplit("/", 1)[-1].split(".", 1)[0]
        if file_id not in self.files:
            return self._error(404, "Not Found")
        await self._notify()
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    def _markup_sent(self, params: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
        """What a sent message's reply_markup does to its chat: a reply keyboard shows until
        a ``remove_keyboard`` (or another reply keyboard); such a message is not editable."""
        markup = params.get("reply_markup") or {}
        if not markup or "inline_keyboard" in markup:
            return message
        chat = str(params["chat_id"])
        self._not_editable.add((chat, message["message_id"]))
        if "keyboard" in markup:
            self.reply_keyboards[chat] = markup["keyboard"]
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(chat, None)
        return message

    def _edited(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageText, editMessageReplyMarkup: the message as changed (a message the
        fake does not know, such as one of a button press a test made up, is taken as the
        bot's)."""
        key = (str(params["chat_id"]), int(params["message_id"]))
        before = self.messages.get(key) or {
            "message_id": key[1],
            "date": int(time.time()),
            "chat": {"id": int(key[0]), "type": "supergroup" if int(key[0]) < 0 else "private"},
            "from": BOT_USER,
        }
        message = {**before, "edit_date": int(time.time())}
        if "text" in params:
            message["text"] = params["text"]
        self.messages[key] = message
        return message

    def _wanted(self, update: dict[str, Any]) -> bool:
        """Whether Telegram would send this update under the bot's allowed_updates."""
        kinds = set(update) - {"update_id"}
        if not self.allowed_updates:  # never given, or an empty list: the default
            return not kinds & DEFAULT_UPDATES_EXCLUDED
        return bool(kinds & set(self.allowed_updates))

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        if "allowed_updates" in params:
            self.allowed_updates = list(params["allowed_updates"])
        self._updates = [u for u in self._updates if u["update_id"] >= offset and self._wanted(u)]
        if not self._updates and timeout and not self._closing:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._changed.wait_for(lambda: bool(self._updates) or self._closing),
                        timeout,
                    )
        if self._closing:
            return web.json_response({"ok": True, "result": []})
        # What came while the call waited meets allowed_updates too, as Telegram's would.
        self._updates = [u for u in self._updates if self._wanted(u)]
        batch = list(self._updates[:100])
        return web.json_response({"ok": True, "result": batch})


class LoadBalancedWebhook:
    """Telegram's webhook delivery through a load balancer, for several bot processes:
    each queued update is POSTed to the next process in turn (round-robin), up to
    ``parallel`` at once, as Telegram opens several connections. An update that is not
    answered 200 (the process is down, or died while handling it) is posted again, to the
    next process, after ``retry_seconds``, until one takes it."""

    def __init__(
        self,
        fake: FakeTelegram,
        targets: list[str],
        *,
        parallel: int = 3,
        retry_seconds: float = 0.5,
        secret: str = "",
    ) -> None:
        self.fake = fake
        self.targets = targets
        self.parallel = parallel
        self.retry_seconds = retry_seconds
        self.secret = secret
        self.delivered: list[tuple[int, str]] = []  # (update id, target) answered 200
        self._next = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy: set[int] = set()
        self._stopping = False

    def start(self) -> None:
        self._stopping = False
        self._tasks = [asyncio.create_task(self._pump()) for _ in range(self.parallel)]

    async def stop(self) -> None:
        # The flag too, not only the cancel: a cancel that comes just as a pump's wait
        # ends can be lost (asyncio.wait_for on Python 3.11 returned the result instead),
        # and the pump then ran forever and this waited for it forever.
        self._stopping = True
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _take(self) -> dict[str, Any] | None:
        for update in self.fake._updates:
            if update["update_id"] not in self._busy:
                self._busy.add(update["update_id"])
                return update
        return None

    async def _pump(self) -> None:
        import aiohttp

        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret} if self.secret else {}
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            while not self._stopping:
                update = self._take()
                if update is None:
                    # asyncio.timeout, not asyncio.wait_for: on Python 3.11 wait_for swallows
                    # a cancel that comes as the wait ends (the fake notifies on every call).
                    async with self.fake._changed:
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(0.2):
                                await self.fake._changed.wait()
                    continue
                target = self.targets[next(self._next) % len(self.targets)]
                ok = False
                try:
                    async with session.post(target, json=update, headers=headers) as answer:
                        ok = answer.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                if ok:
                    self.delivered.append((update["update_id"], target))
                    with contextlib.suppress(ValueError):
                        self.fake._updates.remove(update)
                    self._busy.discard(update["update_id"])
                else:
                    self._busy.discard(update["update_id"])
                    await asyncio.sleep(self.retry_seconds)
