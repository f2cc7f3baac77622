"""What a texter is told of the texting line's own limits and of the check on forged
senders: the words, the features'; when to tell and the sending, the texting transport's
(issue 103, point 3: a transport carries and reports, the features word; it asks these
through its city's ports, ``Ports.told``, as STOP's rule through ``Ports.stops``).

- **Turned away** (:meth:`TextersTold.turned_away`): a new number today's first contacts
  cannot take, told once a day when to text again and, where the city has one, whom to
  call (bot/transports/sms/transport.py ``_turned_away``).
- **Capped** (:meth:`TextersTold.capped`): a number past its texts of the hour or the
  day, told once a cap period when the bot answers it again - today or tomorrow - and
  whom to call if it is urgent.
- **The check on forged senders** (bot/transports/sms/checking.py; docs/sms.md "Forged
  senders"): the code that shows the number's holder is there (:meth:`TextersTold.check_asked`),
  the reminder that a code still works (:meth:`TextersTold.still_works`), and the thanks
  once it came back right (:meth:`TextersTold.checked`).

No icons but the leading one: a text in the GSM alphabet costs half of one in UCS-2. Each
fits two segments in every language (tests/bot/transports/sms/test_limits.py), a capped
number's line with a number to call too (the translations are written short for it: in
UCS-2, 134 characters with a number as long as "+49 231 1234567"). Every time in the
reader's way (``Translator.time``). States: none. Button data: none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from markupsafe import Markup

from locales import N_, Translator

# A new number today's first contacts turned away (once a day).
TURNED_AWAY: Final = N_(
    "⏳ Sorry, we cannot answer any more new numbers today. Please text us again tomorrow."
)
TURNED_AWAY_CALL: Final = N_(
    "⏳ Sorry, we cannot answer any more new numbers today. Please text us again tomorrow "
    "or call {number}."
)
# A number past its texts of the hour or day (once a cap period).
CAPPED_AT: Final = N_("⏳ You have had all our texts for now. We answer you again at {time}.")
CAPPED_TOMORROW: Final = N_(
    "⏳ You have had all our texts for today. We answer you again tomorrow at {time}."
)
CAPPED_CALL: Final = N_("For something urgent, please call {number}.")
# The check on forged senders: the code, the thanks, the reminder that backs off.
CHECK_ASKED: Final = N_(
    "⏳ Many texts came from your number. To go on, reply {code} within 15 minutes. If it "
    "was not you, do nothing."
)
CHECKED: Final = N_("✅ Thank you. We answer your texts again.")
STILL_WORKS: Final = N_(
    "⏳ We did not answer. Our code from {sent} works until {until}. If you did not ask for "
    "it, do nothing."
)


class TextersTold:
    """The words of a texting line's own texts (the module's docstring), in the words of
    their reader ``t``; ``call``: the number a texter may call instead, as people read it
    ("" none)."""

    def turned_away(self, t: Translator, call: str) -> Markup:
        return t.t(TURNED_AWAY_CALL, number=call) if call else t.t(TURNED_AWAY)

    def capped(self, t: Translator, until: datetime, today: bool, call: str) -> Markup:
        """``until``: when the number's texts go again (``today``: later today)."""
        text = t.t(CAPPED_AT if today else CAPPED_TOMORROW, time=t.time(until))
        return Markup(" ").join((text, t.t(CAPPED_CALL, number=call))) if call else text

    def check_asked(self, t: Translator, code: str) -> Markup:
        return t.t(CHECK_ASKED, code=code)

    def still_works(self, t: Translator, sent: datetime, until: datetime) -> Markup:
        return t.t(STILL_WORKS, sent=t.time(sent), until=t.time(until))

    def checked(self, t: Translator) -> Markup:
        return t.t(CHECKED)
