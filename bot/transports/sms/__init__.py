"""Text messages (SMS), a transport like the others (issue 45).

``segments`` counts what a text costs and fits a message's texted form to it (the form -
plain text, numbered choices, paging, no direction marks - is the reader's, made by the
reader chain's texted link: handlers/media/texted_form.py); ``gateways`` sends and takes texts
through Kannel or the Android gateway app; ``budget`` keeps the month's segments;
``transport`` is the contract over them, and ``service`` the city's texts (``[sms]``).
docs/sms.md says how an operator connects it. ``declaration`` is how the transport
declares itself (bot/transports/hooks.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.transports import lazily

if TYPE_CHECKING:
    from bot.transports.sms.transport import PLATFORM, SmsTransport, service

__all__ = ["PLATFORM", "SmsTransport", "service"]

# The transport when asked for: its configuration (config.py) and its store load without it
# (bot/transports/registry.py).
__getattr__ = lazily(__name__, dict.fromkeys(__all__, "transport"))
