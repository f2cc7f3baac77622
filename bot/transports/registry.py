"""Every transport in one place: its platform name and the module that runs it.

A platform name is what ``Sender.platform`` and a ``Recipient`` say, what the stores keep
beside a person's id, and what an entry of ``bot.admins`` begins with (``telegram:123``).

A chat service that a city runs (:class:`~bot.transports.contract.ChatService`) has a
configuration section of its own (``[telegram]``, ``[matrix]`` in bot/config.py) whose
``enabled`` says whether the city asks for it, and its module offers
``service(config, dispatcher, db)``: the city's transport, not yet connected. A module is
imported only when its service is configured: a city without Matrix never loads
matrix-nio, one without a phone line never loads pjsua2. The console is a transport too,
run only by ``python -m bot console``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from handlers.reader import Medium, declare_medium

if TYPE_CHECKING:  # the configuration asks for names only: nothing more is loaded for it
    from bot.transports.contract import ChatService
    from db import Database
    from handlers.dispatcher import Dispatcher


@dataclass(frozen=True)
class Kind:
    """A transport: its ``platform`` name, its ``module`` and, for a chat service a city
    runs, its configuration ``section`` ("" for the console); ``heard``: the transport
    says every message itself (the phone line), so read aloud is not offered there;
    ``files``: its people can receive a file (the phone line and SMS cannot: /mydata says
    the coordinators give it instead, handlers/privacy.py); ``coded``: a sender can be
    forged but a text to the number reaches its owner (SMS), so erasing takes a code sent
    there (handlers/privacy.py); ``medium``: how its people take messages (handlers/reader.py
    ``Medium``: a chat, said, texted), which chooses the form the reader chain makes for
    them and the variants of the texts they get."""

    platform: str
    module: str
    section: str = ""
    heard: bool = False
    files: bool = True
    coded: bool = False
    medium: Medium = Medium.CHAT

    def configured(self, config: Any) -> bool:
        """Whether ``config`` (a city's :class:`~bot.config.Config`) asks for it."""
        section = getattr(config, self.section, None) if self.section else None
        return bool(section is not None and section.enabled)

    def service(self, config: Any, dispatcher: Dispatcher, db: Database) -> ChatService:
        """The city's transport, made by its module."""
        transport: ChatService = importlib.import_module(self.module).service(
            config, dispatcher, db
        )
        return transport


KINDS = (
    Kind("telegram", "bot.transports.telegram", "telegram"),
    Kind("matrix", "bot.transports.matrix", "matrix"),
    Kind("phone", "bot.transports.phone", "phone", heard=True, files=False, medium=Medium.SPOKEN),
    Kind("sms", "bot.transports.sms", "sms", files=False, coded=True, medium=Medium.TEXTED),
    Kind("console", "bot.transports.console"),
)
PLATFORMS = tuple(kind.platform for kind in KINDS)
# The platforms of the chat services a city runs (people there can be banned, say).
SERVICES = tuple(kind.platform for kind in KINDS if kind.section)
HEARD = frozenset(kind.platform for kind in KINDS if kind.heard)
NO_FILES = frozenset(kind.platform for kind in KINDS if not kind.files)
CODED = frozenset(kind.platform for kind in KINDS if kind.coded)
for _kind in KINDS:
    declare_medium(_kind.platform, _kind.medium)


def configured(config: Any) -> list[Kind]:
    """The chat services ``config`` asks for."""
    return [kind for kind in KINDS if kind.configured(config)]


def chat_services(config: Any, dispatcher: Dispatcher, db: Database) -> list[ChatService]:
    """The transports of the chat services ``config`` asks for, not yet connected."""
    return [kind.service(config, dispatcher, db) for kind in configured(config)]
