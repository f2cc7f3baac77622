"""Telegram connector on python-telegram-bot: native updates in, rendered messages out.

A Bot API call that is neither an answer nor an outbox item (the command menus, a pressed
button's spinner) is made through :meth:`TelegramTransport._call`, which logs a failure
(without message content) and carries on: one failed call must never stop the bot. Answers
and outbox items fail as a :class:`~bot.transports.sending.DeliveryError` that says whether
trying again is worth it (the contract and the outbox worker decide).
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    LinkPreviewOptions,
    ReactionTypeEmoji,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    TelegramObject,
    Update,
    WebAppInfo,
)
from telegram import Message as TgMessage
from telegram.constants import MessageEntityType, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

from bot.log_redaction import redact_everywhere
from bot.transports.contract import (
    AccountRefused,
    ChatService,
    ChatTurn,
    Routed,
    send_answers,
    send_kept_answers,
    take_update,
)
from bot.transports.markup import split_html
from bot.transports.sending import DeliveryError, voice_filename
from bot.transports.telegram_config import TelegramSection
from bot.transports.telegram_polling import (
    CommittedPolling,
    failure,
    keep_content_out_of_library_logs,
)
from db.conversation_marks import KEYBOARD_KEPT, ConversationMarks
from handlers.channels import MenuCommand, Ports
from handlers.messages import (
    Button,
    ButtonPress,
    ChatMarks,
    Command,
    Delete,
    Document,
    Edit,
    Edited,
    Event,
    Incoming,
    Location,
    Media,
    Message,
    Outgoing,
    Picture,
    React,
    Sender,
    Text,
    Toast,
    Venue,
    Voice,
)
from locales import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES, translator

if TYPE_CHECKING:
    from bot.sections import (
        Sections,  # the webhook's server (aiohttp) is loaded only by a city that uses it
    )
    from bot.transports.telegram_webhook import CommittedWebhook

log = logging.getLogger(__name__)

PLATFORM = "telegram"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# Keyboards built for sending, kept for the next answer with the same buttons (bounded: the
# buttons of place and request lists carry ids from the database).
KEYBOARDS_KEPT = 512
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Takes a location request's reply keyboard away (Telegram keeps one showing until a message
# of the bot's says otherwise; one_time_keyboard only hides it behind a button).
REMOVE_KEYBOARD = ReplyKeyboardRemove()
# The two as every message's request carries them (:func:`_encoded`).
NO_PREVIEW_JSON = json.dumps(NO_PREVIEW.to_dict())
REMOVE_KEYBOARD_JSON = json.dumps(REMOVE_KEYBOARD.to_dict())
# A chat that shows that keyboard is marked so in the city's database, for whichever process
# sends its next message (db/conversation_marks.py ``keyboard``; lapses after KEYBOARD_KEPT).
KEYBOARD = "keyboard"
# An album's later items come within seconds of its first: its mark lapses after an hour.
ALBUM_KEPT = timedelta(hours=1)


class _Answering(NamedTuple):
    """The chat an update came from, its forum topic (None: the General topic, or a chat
    without topics) and its marks as its arrival read them (``Incoming.marks``)."""

    chat_id: str
    topic: int | None
    marks: ChatMarks | None


# While an update's answers are sent (:meth:`TelegramTransport._answer`): they go to its
# topic, as the person expects in a forum, and the chat's keyboard mark is known.
_ANSWERING_IN: ContextVar[_Answering | None] = ContextVar("telegram_answering_in", default=None)
_MEDIA_ATTRS = (
    ("voice", "voice"),
    ("audio", "audio"),
    ("photo", "photo"),
    ("video", "video"),
    ("video_note", "video"),
    ("animation", "video"),
    ("document", "document"),
    ("sticker", "sticker"),
)


def _media(message: TgMessage) -> Media:
    for attr, kind in _MEDIA_ATTRS:
        value = getattr(message, attr, None)
        if value:
            item = value[-1] if isinstance(value, tuple | list) else value
            # python-telegram-bot 22 warns that durations become timedeltas: read either.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                duration: Any = getattr(item, "duration", None)
            if hasattr(duration, "total_seconds"):
                duration = int(duration.total_seconds())
            return Media(
                kind=kind,  # type: ignore[arg-type]
                file_id=item.file_id,
                duration_seconds=duration,
                mime_type=getattr(item, "mime_type", None) or "",
            )
    return Media(kind="other")


def _event_from_message(message: TgMessage, username: str | None = None) -> Event | None:
    """None for a command addressed to another bot in a group (``/help@otherbot``): in a
    group with several bots, each answers only its own. A forwarded message is someone's
    words passed on, never a command given now: a coordinator forwarding an old
    "/publish 5" into the group to talk about it does not publish again."""
    if message.text is not None:
        entities = message.entities or ()
        if message.forward_origin is None and any(
            e.type == MessageEntityType.BOT_COMMAND and e.offset == 0 for e in entities
        ):
            head, _, args = message.text[1:].partition(" ")
            name, _, addressee = head.partition("@")
            if (
                addressee
                and username
                and message.chat.type != "private"
                and addressee.casefold() != username.casefold()
            ):
                return None
            return Command(name=name.lower(), args=args.strip())
        return Text(message.text)
    if message.location is not None:
        return Location(message.location.latitude, message.location.longitude)
    return _media(message)


def to_incoming(update: Update, username: str | None = None) -> Incoming | None:
    """The shared model for a Telegram update; None for updates we do not serve.
    ``username``: the bot's own, to tell commands meant for other bots."""
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message else None
        user = query.from_user
        if _someone_elses(chat, user.id, update.update_id):
            return None
        return Incoming(
            sender=Sender(PLATFORM, str(user.id), user.full_name, user.language_code),
            chat_id=str(chat.id if chat else user.id),
            event=ButtonPress(
                data=query.data or "",
                message_id=str(query.message.message_id) if query.message else None,
            ),
            update_id=str(update.update_id),
            is_private=chat is None or chat.type == "private",
        )
    message = update.message or update.edited_message
    if message is None or message.from_user is None or message.is_automatic_forward:
        # A channel's post, or its copy Telegram forwards into the channel's discussion
        # group: nobody wrote it to the bot.
        return None
    user = message.from_user
    if _someone_elses(message.chat, user.id, update.update_id):
        return None
    event: Event | None
    if update.edited_message is not None:
        if message.text is None:
            return None  # a caption, or a live location moving on: nothing to correct
        if message.chat.type != "private" and not isinstance(
            _event_from_message(message, username), Command
        ):
            return None  # in a group, only a command's edit is the bot's business
        event = Edited(str(message.message_id), message.text)
    else:
        event = _event_from_message(message, username)
    if event is None:
        return None
    return Incoming(
        sender=Sender(
            PLATFORM,
            str(user.id),
            user.full_name,
            user.language_code,
            on_behalf=_on_behalf(message),
        ),
        chat_id=str(message.chat.id),
        event=event,
        update_id=str(update.update_id),
        is_private=message.chat.type == "private",
        message_id=str(message.message_id),
        reply_to=str(message.reply_to_message.message_id) if message.reply_to_message else None,
    )


def _on_behalf(message: TgMessage) -> str:
    """Whose message it is where no person is named (``Sender.on_behalf``): Telegram sets
    ``sender_chat`` for a message sent as a chat - the group itself for its anonymous
    admins (``from`` is then the stand-in @GroupAnonymousBot, the same for all of them), a
    channel for one posting as it - and ``from`` is a stand-in account then."""
    chat = message.sender_chat
    if chat is None or message.chat.type == "private":
        # No one writes to the bot's private chat as a chat: its sender is its person,
        # checked (:func:`_someone_elses`). (Kept so, the notices to those who wrote as
        # a chat are only ever for a group the bot serves: a bounded few.)
        return ""
    return "group" if chat.id == message.chat.id else "channel"


def _topic_of(update: Update) -> int | None:
    """The forum topic an update came from: a message's, or the pressed message's (Bot
    API: ``message_thread_id`` where ``is_topic_message``; a reply thread in a group that
    is no forum has one too, and is not a topic). None for the General topic and chats
    without topics."""
    query = update.callback_query
    message: Any = query.message if query is not None else update.message
    if message is None or not getattr(message, "is_topic_message", False):
        return None
    topic = getattr(message, "message_thread_id", None)
    return topic if isinstance(topic, int) else None


def _someone_elses(chat: Any, user_id: int, update_id: int) -> bool:
    """Whether the update names a private chat that is not its sender's: a private chat's
    id is its person's, so Telegram sends no such update - a forged one (a press on a
    message in another person's chat) would answer into that chat and make it the
    sender's address. Ignored, and only the update's id logged."""
    if chat is None or chat.type != "private" or chat.id == user_id:
        return False
    log.warning("telegram update %s: a private chat not its sender's; ignored", update_id)
    return True


def _seconds(exc: RetryAfter) -> float:
    # python-telegram-bot 22 warns that retry_after becomes a timedelta; read it either way
    # without touching the deprecated attribute access twice.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        retry = exc.retry_after
    return retry.total_seconds() if hasattr(retry, "total_seconds") else float(retry)


def _known_marks(chat_id: str) -> set[str] | None:
    """The marks ``chat_id`` carries as the update being answered in it read them on
    arrival and its answers changed them since; None where they were not read."""
    answering = _ANSWERING_IN.get()
    if answering is None or answering.chat_id != chat_id or answering.marks is None:
        return None
    return answering.marks.held


def _private(chat_id: str) -> bool:
    # A private chat's id is the person's (positive) id; groups and channels are negative.
    return not chat_id.startswith("-")


def opens_in_app(button: Button, private: bool) -> bool:
    """Telegram opens a Mini App only in private chats and only from an https address."""
    return button.web_app and private and button.url.startswith("https://")


def inline_button(button: Button, private: bool) -> InlineKeyboardButton:
    if opens_in_app(button, private):
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.url))
    if button.url:
        return InlineKeyboardButton(button.label, url=button.url)
    return InlineKeyboardButton(button.label, callback_data=button.data)


def keyboard(rows: list[list[Button]], private: bool = True) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return _keyboard(tuple(tuple(row) for row in rows), private)


@lru_cache(maxsize=KEYBOARDS_KEPT)
def _keyboard(rows: tuple[tuple[Button, ...], ...], private: bool) -> InlineKeyboardMarkup:
    # Most answers carry a keyboard sent before (a menu, a step's choices in a language);
    # python-telegram-bot's objects are frozen, so one can go out again: building one
    # took a tenth of the handlers' time in the handler mix's profile.
    return _KeptKeyboard([[inline_button(b, private) for b in row] for row in rows])


class _KeptKeyboard(InlineKeyboardMarkup):
    """A keyboard of :func:`_keyboard`'s, turned into its JSON form once: python-telegram-bot
    does that (``to_dict``) for every request that carries it, and it cost as much again as
    building the keyboard in the handler mix's profile. :meth:`as_json` keeps the encoded
    parameter too (see :func:`_parameter`)."""

    __slots__ = ("_as_dict", "_as_json")
    _as_dict: dict[str, Any]
    _as_json: str

    def as_json(self) -> str:
        try:
            return self._as_json
        except AttributeError:
            self._as_json = _encoded(self)
            return self._as_json

    def to_dict(self, recursive: bool = True) -> dict[str, Any]:
        if not recursive:
            return super().to_dict(recursive)
        try:
            kept: dict[str, Any] = self._as_dict
        except AttributeError:
            kept = self._as_dict = super().to_dict()
        # A copy of the top level, as a new dict would be (the rows are only read).
        return dict(kept)


def _encoded(value: TelegramObject) -> str:
    """A parameter of a request as python-telegram-bot encodes it (``RequestParameter``:
    ``json.dumps`` of its ``to_dict()``), which it passes on as it is when given as a string:
    the same bytes go out, without encoding the same keyboard and preview options again for
    every message (a tenth of a send's own time in the handler mix, issue 104)."""
    return json.dumps(value.to_dict())


def _parameter(markup: Any) -> Any:
    """``reply_markup`` for :meth:`TelegramTransport._send_text`: a kept keyboard or the
    removal as its encoded string, any other markup as it is."""
    if isinstance(markup, _KeptKeyboard):
        return markup.as_json()
    if markup is REMOVE_KEYBOARD:
        return REMOVE_KEYBOARD_JSON
    return markup


def location_keyboard(label: str, rows: list[list[Button]], private: bool) -> ReplyKeyboardMarkup:
    """Telegram asks for a location only with a reply keyboard, which replaces the inline
    buttons of this one message; a Mini App button may stand below it (no other kind can)."""
    apps = [b for row in rows for b in row if opens_in_app(b, private)]
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(label, request_location=True)],
            *([KeyboardButton(b.label, web_app=WebAppInfo(b.url))] for b in apps),
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def service(config: Sections, ports: Ports) -> TelegramTransport:
    """A city's Telegram transport (bot/transports/registry.py), from its ``[telegram]``
    section (a city's ``bot.config.Config``, which imports the transports' sections: not the
    other way round)."""
    section = config.section(TelegramSection)
    return TelegramTransport(ports, section, section.token or "", ports.updates.menu())


class TelegramTransport(ChatService):
    platform = PLATFORM

    def __init__(
        self,
        ports: Ports,
        config: TelegramSection,
        token: str,
        commands: Iterable[MenuCommand],
        *,
        rate_limited: bool = True,
    ) -> None:
        redact_everywhere(token)
        keep_content_out_of_library_logs()
        # What the city hands it (bot/city_service.py; handlers/channels.py ``Ports``): the
        # way in for its updates and whatever else it asks; never the dispatcher.
        self.city_ports = ports
        self.config = config
        self.commands = list(commands)
        api = config.api_base_url.rstrip("/")
        # aiohttp is loaded where a Telegram transport is built, not by every command that
        # imports this module (tests/bot/test_light_start.py).
        from bot.transports.telegram_http import AiohttpRequest

        builder = (
            Application.builder()
            .token(token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .post_init(self._post_init)
            # The Bot API's calls over aiohttp, not httpx: a third of an update's CPU
            # (telegram_http.py); getUpdates keeps the library's own request.
            .request(AiohttpRequest())
            # Polling and the webhook are our own (telegram_polling.py, telegram_webhook.py):
            # they confirm an update to Telegram only after it was handled.
            .updater(None)
        )
        if rate_limited:
            # Telegram allows about 30 messages a second. A bucket of one, refilled at the
            # configured rate, paces sends evenly: a burst of 30 at once would be answered
            # with 429s by a server counting over a sliding second.
            rate = config.max_messages_per_second
            limiter: Any = AIORateLimiter(
                overall_max_rate=1, overall_time_period=1 / rate, max_retries=3
            )
            builder = builder.rate_limiter(limiter)
        self.application: Application = builder.build()
        self.polling: CommittedPolling | None = None
        self.webhook: CommittedWebhook | None = None
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)

    @property
    def bot(self) -> Any:
        return self.application.bot

    async def _call(self, method: str, call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            return await call()
        except TelegramError as exc:
            log.warning("telegram %s failed: %s", method, type(exc).__name__)
        except Exception:
            log.exception("telegram %s failed unexpectedly", method)
        return None

    def username(self) -> str | None:
        """The bot's @username, known once the application is initialised (getMe)."""
        try:
            return self.bot.username
        except RuntimeError:
            return None

    async def _post_init(self, application: Application) -> None:
        await self.publish_commands()

    async def publish_commands(self) -> None:
        """Command menus in every language; the default menu is the city's language. The
        coordinators' group gets its own: the commands that work there (everyone else's
        menu - /start, /help - only earns "does not work in this group" there)."""
        group_commands = list(self.city_ports.updates.group_menu())
        groups = sorted(
            chat for platform, chat in self.city_ports.chats.backchannels if platform == PLATFORM
        )
        menus: list[tuple[str | None, list[MenuCommand]]] = [
            (None, self.commands),
            *((group, group_commands) for group in groups),
        ]
        for chat, specs in menus:
            for lang in (None, *SUPPORTED_LANGUAGES):
                t = translator(lang or DEFAULT_LANGUAGE)
                commands = [BotCommand(spec.name, t._(spec.description)[:256]) for spec in specs]
                await self._call("setMyCommands", _set_commands(self.bot, commands, lang, chat))

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The update's id and where it failed; the exception's message may quote the update.
        update_id = update.update_id if isinstance(update, Update) else None
        error = context.error
        log.error(
            "error while handling telegram update %s: %s",
            update_id,
            failure(error) if error is not None else "?",
        )

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.my_chat_member is not None:
            await self._chat_closed(update)
            return
        incoming = to_incoming(update, self.username())
        if incoming is None or await self._album_answered(update):
            return
        if incoming.is_private:
            # Whether the chat shows the location keyboard, read with the update's arrival
            # (:meth:`_shows_keyboard`).
            incoming = replace(incoming, marks=ChatMarks((KEYBOARD,)))
        await take_update(self, incoming, lambda i, o: self._answer(i, o, update))

    @property
    def _marks(self) -> ConversationMarks:
        return self.city_ports.db.marks

    async def _album_answered(self, update: Update) -> bool:
        """Whether the update is a later item of an album whose first was answered: Telegram
        sends each photo of an album as a message of its own, one after the other, and the
        person sent one thing - so it is answered once, not five times, whichever process
        takes each item (the album's mark, db/conversation_marks.py)."""
        message = update.message
        if message is None or not message.media_group_id:
            return False
        now = datetime.now(UTC)
        album = f"album:{message.media_group_id}"
        chat = str(message.chat.id)
        return not await self._marks.claim(PLATFORM, chat, album, now, now + ALBUM_KEPT)

    async def _chat_closed(self, update: Update) -> None:
        """The bot's status in a chat changed (``my_chat_member``): where a person blocked it
        in their private chat (``kicked``), that chat is their address no more - a volunteer
        is offered nothing that would only fail with 403 - until they write again (Telegram's
        "Restart" sends /start). Other changes (unblocking, groups) need nothing: the next
        message says it."""
        member = update.my_chat_member
        assert member is not None
        if member.chat.type != "private" or member.new_chat_member.status != "kicked":
            return
        await self.city_ports.chats.closed(
            PLATFORM, str(member.from_user.id), str(member.chat.id), str(update.update_id)
        )

    async def _answer(self, incoming: Incoming, outgoing: list[Outgoing], update: Update) -> None:
        """The answers; a pressed button's spinner (``update``'s callback query) ends with
        them. (A kept answer sent after a restart has no query left to answer: it is sent
        by the contract's ``answer``.)"""
        query = update.callback_query
        acknowledged: asyncio.Future[Any] | None = None
        if query is not None:
            # Telegram shows a spinner on the button until the press is answered. That
            # answer goes out alongside the messages rather than before them: one round trip
            # to Telegram less before the person sees the reply.
            toast = next((item for item in outgoing if isinstance(item, Toast)), None)
            acknowledged = asyncio.ensure_future(
                self._call(
                    "answerCallbackQuery",
                    (lambda: query.answer(toast.text[:200], show_alert=toast.alert))
                    if toast is not None
                    else query.answer,
                )
            )
        answering = _ANSWERING_IN.set(
            _Answering(incoming.chat_id, _topic_of(update), incoming.marks)
        )
        try:
            await send_answers(self, incoming, outgoing)
        finally:
            _ANSWERING_IN.reset(answering)
        if acknowledged is not None:
            await acknowledged

    def _topic(self, chat_id: str) -> dict[str, int]:
        """Where in ``chat_id`` a new message goes, as the Bot API's ``message_thread_id``
        (none: the chat itself, a forum's General topic): an answer to the topic its update
        came from (:data:`_ANSWERING_IN`); the bot's own posts to the coordinators' group
        to the topic the operator configured (``telegram.backchannel_topic``)."""
        answering = _ANSWERING_IN.get()
        if answering is not None and answering.chat_id == chat_id:
            topic = answering.topic
        elif self.city_ports.chats.is_backchannel(PLATFORM, chat_id):
            topic = self.config.backchannel_topic or None
        else:
            topic = None
        return {"message_thread_id": topic} if topic else {}

    async def send_answer(self, answer: Routed) -> None:
        """One answer; a toast is the pressed button's answer (above), nothing of its own."""
        if not isinstance(answer.item, Toast):
            await self.deliver(answer.chat_id, answer.item, answer.edit_message_id)

    async def _send_aside(self, chat_id: str, item: Message, private: bool) -> str | None:
        """A message has one keyboard: a location request's reply keyboard carries no
        callback data, so the message's other buttons (Skip, Cancel …) follow in a message
        of their own, under the line the handler gave (None: no such buttons)."""
        aside = [
            kept
            for row in item.buttons
            for kept in ([b for b in row if not opens_in_app(b, private)],)
            if kept
        ]
        if not aside:
            return None
        return await self._send_text(
            chat_id, str(item.location_aside or "👇"), keyboard(aside, private)
        )

    async def _send_removing(
        self,
        chat_id: str,
        chunks: list[str],
        markup: InlineKeyboardMarkup | None,
    ) -> str:
        """A message to a chat that shows a location request's reply keyboard (the person
        typed a district instead of sharing their location): its first part takes the
        keyboard away, else the "share my location" button stayed under the input field
        for every later step, the chat relayed to a helper too.

        A message carries one reply markup, and Telegram edits only messages sent without
        one or with inline buttons (a message sent with ReplyKeyboardRemove cannot be
        given its buttons afterwards: "message can't be edited"). So the buttons go on
        the last part of a long text, or, under a text of one part, in a message of their
        own, as under the location request itself; its id is returned, for the edits of
        the buttons' presses."""
        sent = await self._send_text(chat_id, chunks[0], REMOVE_KEYBOARD)
        await self._marks.drop(PLATFORM, chat_id, KEYBOARD)
        if (known := _known_marks(chat_id)) is not None:
            known.discard(KEYBOARD)
        for index, chunk in enumerate(chunks[1:], 1):
            last = index == len(chunks) - 1
            sent = await self._send_text(chat_id, chunk, markup if last else None)
        if markup is not None and len(chunks) == 1:
            sent = await self._send_text(chat_id, "👇", markup)
        return sent

    async def _send_text(self, chat_id: str, text: str, markup: Any) -> str:
        """sendMessage, reading only the new message's id. python-telegram-bot's
        ``send_message`` parses the message Telegram sends back - its keyboard included -
        into objects that nobody here reads (about 0.14 ms a message with a keyboard;
        a send to the bench's fake server 1.5 -> 1.4 ms, bench/profiles/README.md).
        ``Bot._post`` is what ``send_message`` itself calls (defaults, the rate limiter,
        the errors); the transport's tests send through it, so a change there fails them."""
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML,
            "link_preview_options": NO_PREVIEW_JSON,
        }
        if markup is not None:
            data["reply_markup"] = _parameter(markup)
        topic = self._topic(chat_id)
        try:
            sent = await self.bot._post("sendMessage", {**data, **topic})
        except BadRequest as exc:
            if not topic or "thread not found" not in str(exc).lower():
                raise
            # The topic was deleted (the configured one, or the one written in, since):
            # the General topic rather than nothing.
            log.warning("telegram: a forum topic is gone; sent to the General topic")
            sent = await self.bot._post("sendMessage", data)
        return str(sent["message_id"])

    async def _shows_keyboard(self, chat_id: str) -> bool:
        """Whether the chat shows a location request's reply keyboard: as the update being
        answered found it on arrival (issue 104: a statement before every message sent,
        a fifth of an answer's time), else - an outbox item, a kept answer sent after a
        restart - as the city's database says now."""
        known = _known_marks(chat_id)
        if known is not None:
            return KEYBOARD in known
        return await self._marks.holds(PLATFORM, chat_id, KEYBOARD, datetime.now(UTC))

    async def _send(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        """Send or edit one item; raises TelegramError; returns the (last) message id."""
        if isinstance(item, Message | Edit):
            chunks = split_html(str(item.text), MESSAGE_LIMIT)
            private = _private(chat_id)
            markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | None = keyboard(
                item.buttons, private
            )
            if isinstance(item, Message) and item.request_location:
                markup = location_keyboard(item.request_location, item.buttons, private)
                edit_message_id = None
            elif isinstance(item, Message) and private and await self._shows_keyboard(chat_id):
                # An edit cannot take a reply keyboard away: a new message does.
                return await self._send_removing(chat_id, chunks, keyboard(item.buttons, private))
            if edit_message_id is not None and len(chunks) == 1:
                try:
                    await self.bot.edit_message_text(
                        chunks[0],
                        chat_id=chat_id,
                        message_id=int(edit_message_id),
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                        link_preview_options=NO_PREVIEW,
                    )
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
                return edit_message_id
            sent = None
            for index, chunk in enumerate(chunks):
                last = index == len(chunks) - 1
                sent = await self._send_text(chat_id, chunk, markup if last else None)
            if isinstance(item, Message) and item.request_location:
                until = datetime.now(UTC) + KEYBOARD_KEPT
                await self._marks.put(PLATFORM, chat_id, KEYBOARD, until)
                if (known := _known_marks(chat_id)) is not None:
                    known.add(KEYBOARD)
                sent = await self._send_aside(chat_id, item, private) or sent
            return sent
        if isinstance(item, Delete):
            if edit_message_id is None:
                return None
            try:
                await self.bot.delete_message(chat_id, int(edit_message_id))
            except BadRequest as exc:
                # Already gone (the person deleted it in their chat): nothing left to do.
                if "not found" not in str(exc).lower():
                    raise
            return edit_message_id
        if isinstance(item, Voice):
            return await self._send_voice(chat_id, item)
        if isinstance(item, Venue):
            return await self._send_place(chat_id, item)
        if isinstance(item, Picture | Document):
            return await self._send_file(chat_id, item)
        if isinstance(item, React) and item.message_id.isdigit():
            await self.bot.set_message_reaction(
                chat_id, int(item.message_id), [ReactionTypeEmoji(item.emoji)]
            )
        return None

    async def _send_place(self, chat_id: str, venue: Venue) -> str:
        """A place with its name and address, or a bare location without a name."""
        if venue.title:
            sent = await self.bot.send_venue(
                chat_id,
                venue.latitude,
                venue.longitude,
                venue.title[:256],
                venue.address[:256] or venue.title[:256],
                **self._topic(chat_id),
            )
        else:
            sent = await self.bot.send_location(
                chat_id, venue.latitude, venue.longitude, **self._topic(chat_id)
            )
        return str(sent.message_id)

    async def _send_file(self, chat_id: str, item: Picture | Document) -> str:
        """A picture or a document, uploaded, with its caption's first part."""
        send = self.bot.send_photo if isinstance(item, Picture) else self.bot.send_document
        caption = split_html(str(item.caption), CAPTION_LIMIT)[0] if item.caption else None
        sent = await send(
            chat_id,
            InputFile(item.content, filename=item.filename),
            caption=caption,
            parse_mode=ParseMode.HTML,
            **self._topic(chat_id),
        )
        return str(sent.message_id)

    async def _send_voice(self, chat_id: str, voice: Voice) -> str:
        """Telegram's own files are sent again by their id; a file from another platform
        arrives as bytes (fetched by the outbox worker) and is uploaded."""
        if voice.platform == PLATFORM:
            audio: str | InputFile = voice.file_id
        elif voice.content:
            audio = InputFile(voice.content, filename=voice_filename(voice.mime_type))
        else:
            raise DeliveryError(f"a voice from {voice.platform} without its file", permanent=True)
        caption = split_html(str(voice.caption), CAPTION_LIMIT)[0] if voice.caption else None
        sent = await self.bot.send_voice(
            chat_id,
            audio,
            caption=caption,
            parse_mode=ParseMode.HTML,
            duration=round(voice.duration_seconds) if voice.duration_seconds else None,
            **self._topic(chat_id),
        )
        return str(sent.message_id)

    async def fetch_media(self, file_id: str) -> tuple[bytes, str]:
        """A file sent to the bot (a voice message), for a chat on another platform."""
        try:
            file = await self.bot.get_file(file_id)
            content = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise _delivery_error(exc) from None
        path = (file.file_path or "").lower()
        return content, "audio/ogg" if path.endswith((".oga", ".ogg")) else ""

    async def deliver(
        self, chat_id: str, item: Outgoing, edit_message_id: str | None = None
    ) -> str | None:
        """For the outbox: send, and say whether a failure is worth retrying."""
        try:
            return await self._send(chat_id, item, edit_message_id)
        except TelegramError as exc:
            raise _delivery_error(exc) from None

    async def start(self) -> None:
        """Connect and take updates (by webhook or by polling): a process of its own."""
        await self.connect()
        await self.start_taking()

    @property
    def pace(self) -> float | None:
        """Telegram's limit for one bot's messages, as configured."""
        return self.config.max_messages_per_second

    @property
    def update_role(self) -> str | None:
        """Polling is one process's at a time; webhook updates reach every process."""
        return "polling" if self.polls else None

    async def open_for_files(self) -> None:
        """Only what :meth:`fetch_media` needs, for a process that runs no chat (the web
        alone, bot/file_sources.py): no commands published, no answers sent, no updates
        taken. :meth:`stop` closes it."""
        await self.application.initialize()

    async def connect(self, chat_turn: ChatTurn | None = None) -> None:
        """Connect, send kept answers, and take webhook updates (every process does);
        polling waits for :meth:`start_taking`. ``chat_turn`` makes one chat's webhook
        updates wait for each other across processes."""
        app = self.application
        try:
            await app.initialize()
        except InvalidToken as exc:  # getMe answered 401: the token was revoked or mistyped
            raise AccountRefused(f"InvalidToken: {exc}") from exc
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await self.answer_unanswered()
        if self.config.mode == "webhook":
            assert self.config.webhook_url, "checked when the configuration is loaded"
            from bot.transports.telegram_webhook import CommittedWebhook

            self.webhook = CommittedWebhook(
                app,
                listen=self.config.webhook_listen,
                port=self.config.webhook_port,
                url=self.config.webhook_url,
                secret=self.config.webhook_secret,
                chat_turn=chat_turn,
            )
            await self.webhook.start()

    @property
    def polls(self) -> bool:
        """Whether updates come by polling (then one process at a time may take them)."""
        return self.config.mode != "webhook"

    async def start_taking(self) -> None:
        if self.polls:
            await self.start_polling()

    async def stop_taking(self) -> None:
        await self.stop_polling()

    async def start_polling(self) -> None:
        # Updates that a process fetched but did not confirm before it died come again;
        # the duplicate check answers them from what was kept.
        self.polling = CommittedPolling(
            self.application,
            self.config.poll_timeout,
            self._polling_error,
            _seconds,
            chats_at_once=self.city_ports.updates.at_once,
        )
        await self.polling.start()

    async def stop_polling(self) -> None:
        if self.polling is not None and self.polling.running:
            await self.polling.stop()

    async def answer_unanswered(self) -> None:
        """Send the answers the bot committed but did not send before it last stopped."""
        await send_kept_answers(self)

    def _polling_error(self, exc: TelegramError) -> None:
        # Network trouble while polling: polling retries with back-off by itself.
        log.warning("telegram getUpdates failed: %s: %s", type(exc).__name__, str(exc)[:120])

    async def stop(self) -> None:
        app = self.application
        if self.polling is not None and self.polling.running:
            await self.polling.stop()
        if self.webhook is not None and self.webhook.running:
            await self.webhook.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        # The application shuts its bot down only if its own start went through: after a
        # failed one (getMe refused or out of reach) the bot's HTTP sessions are open all
        # the same. (A no-op for a bot shut down already.)
        await app.bot.shutdown()


# The Bot API's 403 descriptions for a private chat its person closed for good: they
# blocked the bot, or deleted their account. (A group that removed the bot, or a person who
# never started it, is refused too, but is no person's closed address.)
CLOSED_BY_PERSON = ("bot was blocked by the user", "user is deactivated")
# The 403 for a person who never started a chat with this bot (a token changed, a chat
# id from elsewhere): no block, but nothing reaches them until they write to it.
NEVER_STARTED = "bot can't initiate conversation with a user"


def _delivery_error(exc: TelegramError) -> DeliveryError:
    """A Bot API failure as a :class:`DeliveryError`: whether it is worth retrying."""
    if isinstance(exc, RetryAfter):
        return DeliveryError("rate limited", retry_after=_seconds(exc))
    if isinstance(exc, Forbidden) and any(why in str(exc).lower() for why in CLOSED_BY_PERSON):
        # Only the kind: the Bot API's words here name no one, but the chat is a person's.
        return DeliveryError("Forbidden: the person closed the chat", closed=True)
    if isinstance(exc, Forbidden) and NEVER_STARTED in str(exc).lower():
        return DeliveryError("Forbidden: the person never started the chat", unstarted=True)
    if isinstance(exc, Forbidden | BadRequest):
        return DeliveryError(f"{type(exc).__name__}: {str(exc)[:100]}", permanent=True)
    if isinstance(exc, NetworkError):  # includes TimedOut: the server is away or slow
        return DeliveryError(type(exc).__name__, maybe_sent=_maybe_sent(exc))
    # Anything else (e.g. an answer that could not be parsed) is not known to pass by
    # itself: tried a few times, then given up (bot/delivery.py).
    return DeliveryError(type(exc).__name__, transient=False)


# A connection lost after the request went out (httpx's, then aiohttp's names).
LOST_ON_THE_WAY = (
    "ReadError",
    "RemoteProtocolError",
    "ServerDisconnectedError",
    "ClientPayloadError",
    "ClientOSError",
)


def _maybe_sent(exc: NetworkError) -> bool:
    """Whether the request may have reached Telegram: an answer that never came (a read
    time-out, a connection lost while waiting), not a connection that was never made or a
    request that never left the pool. httpx's names (getUpdates) and aiohttp's (every
    other call, telegram_http.py): a connector error never reached Telegram."""
    text = str(exc)
    if isinstance(exc, TimedOut):
        return "pool" not in text.lower() and "connect" not in text.lower()
    return any(lost in text for lost in LOST_ON_THE_WAY)


def _set_commands(
    bot: Any, commands: list[BotCommand], lang: str | None, chat: str | None = None
) -> Any:
    """The call that publishes one language's command menu, everyone's or one chat's
    (bound now, not in a loop)."""
    scope = BotCommandScopeChat(chat) if chat is not None else None
    return lambda: bot.set_my_commands(commands, scope=scope, language_code=lang)
