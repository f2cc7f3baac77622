"""What a listener hears, for the tests of lists and pages said aloud: a chat in which
voices speak some languages, the one speech of an answer, and the words the voice says
for it (the speech script, bot/speech/script.py)."""

from __future__ import annotations

from bot.speech.script import script
from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import Outgoing, Speech
from handlers.settings import HandlerSettings
from locales import translator
from tests.support.memory_transport import MemoryTransport

VOICES = frozenset({"de", "en", "ar", "fa"})


def listening_chat(db: Database, settings: HandlerSettings) -> MemoryTransport:
    """The in-memory chat where ``VOICES`` speak (read aloud is offered in them)."""
    heard = HandlerSettings(**{**vars(settings), "speech_languages": VOICES})
    return MemoryTransport(Dispatcher(db, build_router(), heard))


def said(out: list[Outgoing]) -> Speech:
    """The one speech among an answer's items."""
    [speech] = [item for item in out if isinstance(item, Speech)]
    return speech


def word_count(speech: Speech) -> int:
    """The words the voice says for ``speech``: its lines, then its buttons named."""
    return len(script(str(speech.text), speech.labels, translator(speech.lang)).split())
