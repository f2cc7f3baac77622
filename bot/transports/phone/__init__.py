"""The phone line: the bot as a SIP user agent (PJSIP's pjsua2), a transport like the others.

``stack`` runs the SIP stack in its own thread and posts what it tells to the event loop;
``calls`` makes a caller's number their chat id; ``keypad`` says what keys mean;
``prompts`` turns the bot's words into the audio a call plays; ``transport`` is the
transport contract over them, and ``service`` the city's phone line (``[phone]``). docs/phone.md
says how an operator connects it. ``declaration`` is how the transport declares itself
(bot/transports/hooks.py): not here, as a line process imports this package and neither
the handlers nor the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transports import lazily

if TYPE_CHECKING:
    from bot.transports.phone.transport import PLATFORM, PhoneTransport, service

__all__ = ["PLATFORM", "PhoneTransport", "service"]

# The transport (and with it the bot) when asked for, not on importing the package: a line
# process (line_process.py) needs the stack only.
__getattr__ = lazily(__name__, dict.fromkeys(__all__, "transport"))
