"""Matrix connector on matrix-nio: the same handlers, rendered the Matrix way.

- Messages are ``m.notice`` with an HTML ``formatted_body`` and a plain ``body``.
- Buttons become a numbered list; the user reacts with the keycap emoji (1️⃣ …) or with
  the button's own leading emoji (✅, ❌ …), or types the number. Which number means what
  is stored per message, so it still works after a restart.
- A typed number presses a button only of the newest message the bot sent in the room, and
  only if that message has buttons and allows typing (``Message.typed_choices``): after a
  relayed message "1" may answer "how many crates?". Any later message of the bot ends it,
  but for the message's own voice when it is read aloud (which names its buttons).
  In the coordinators' room typed numbers are never presses (several posts are open at
  once): there a reaction on the post, or a command, decides. Messages whose buttons cannot
  be typed say so under the list.
- A room is private only if the homeserver says the bot and exactly one person are in it
  (joined or invited). That is asked, not taken from the sync (which after a restart knows
  nobody in a room), kept per room and asked again whenever the room's membership changes.
  Only direct chats and the coordinators' room are joined; in any other room the bot says
  why in one line and leaves. Messages in other rooms are ignored, and nothing meant for a
  person is ever sent into one.
- Commands start with ``!`` or ``/``; the bot's own texts name them with ``!`` (Element
  takes a typed ``/help`` for one of its own commands), see :func:`bang_commands`.
  ``m.location`` is understood and sent; ``m.audio`` is accepted where Telegram accepts
  voice, and voice messages go out as ``m.audio`` with their ``info`` (MIME type, duration,
  size) and the voice flags (``org.matrix.msc3245.voice``, ``org.matrix.msc1767.audio``); a
  voice from Telegram is downloaded there (by the outbox worker) and uploaded here, and
  :meth:`MatrixTransport.fetch_media` serves the other way.
- Joining a direct chat, the bot greets as if the person had sent ``/start``.
- The sync token is stored: a restart neither replays old events nor misses new ones. The
  login is stored too and reused (``login.py``). Rooms the bot was removed from are
  forgotten.
- An edit (``m.replace``) of a person's text arrives as ``Edited``, a redaction of their
  message as ``Removed``. An acknowledgement (``React``) is an ``m.reaction`` on the person's
  message; removing an earlier outbox message (``Delete``) redacts the bot's own event.
- Encrypted rooms are read and answered like plain ones, with the bot's own cross-signed
  device (``crypto_state.py``, ``cross_signing.py``; docs/matrix.md, "Encryption"); the keys
  of senders who share no room with the bot are bounded (``stranger_keys.py``), and so is
  the work of decrypting events, per sender and overall an hour, running help before other
  known people before strangers (``decrypt_budget.py``; where a sender stands and what they
  and the coordinators are told: ``strangers_work.py``).

``declaration`` is how the transport declares itself (bot/transports/hooks.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transports import lazily

if TYPE_CHECKING:
    from bot.transports.matrix.render import (
        KEYCAPS,
        PLATFORM,
        REACT_HINT,
        bang_commands,
        number_label,
    )
    from bot.transports.matrix.transport import MatrixTransport, service

# Where each name of the package lives: loaded when asked for, so that its configuration
# (config.py) and its part of the personal-data declaration load without matrix-nio.
_HOMES = {
    "KEYCAPS": "render",
    "PLATFORM": "render",
    "REACT_HINT": "render",
    "bang_commands": "render",
    "number_label": "render",
    "MatrixTransport": "transport",
    "service": "transport",
}

__all__ = [
    "KEYCAPS",
    "PLATFORM",
    "REACT_HINT",
    "MatrixTransport",
    "bang_commands",
    "number_label",
    "service",
]

__getattr__ = lazily(__name__, _HOMES)
