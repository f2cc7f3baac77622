""" "0" for a person, and what a call does once all it was to hear is said (and the
goodbye to a caller who does nothing, transport.py).

The main menu's last choice on the phone is a person, on "0" (:data:`CHOICE`, said after its
own choices, what_keys_mean.py ``keys_said``). "0" pressed where the caller chooses from a list (not
while typing digits of their own, a postcode, where 0 is a digit) asks for a person: during
the coordinators' hours (``[phone] coordinators_hours``, OpenStreetMap opening_hours as the
places' hours read, locales/hours.py) and with ``forward_to`` set, the caller hears
that they are connected, and the call is transferred there (a blind transfer, SIP REFER: the
caller's phone or provider calls ``forward_to``; the bot leaves the call once it answered).
Otherwise, or when the transfer fails, the caller leaves a message for the coordinators
after the tone (``/coordinators``, handlers/to_coordinators.py), which reaches their
backchannel as a voice message.
"""

from __future__ import annotations

from handlers.messages import Edit, Message
from locales import N_

# "0": a person.
PERSON = "0"
CONNECTING = N_("☎️ One moment, I am connecting you with a coordinator.")
NOBODY = N_("😔 Nobody can answer just now.")
# Said before the tone (after who will hear it, the message's own line).
AFTER_TONE = N_("Speak after the tone. Press the hash key when you are done.")
NOTHING_HEARD = N_("🙉 I heard nothing.")
# A caller who pressed no key and said nothing for ``[phone] idle_seconds``: then hung up.
IDLE_GOODBYE = N_("👋 I hear nothing. Goodbye - call again any time.")
# A call as long as ``[phone] longest_call_seconds``: then hung up, keys or not.
LONGEST_GOODBYE = N_("⌛ This call has reached its longest time. Goodbye - call again any time.")
# The main menu's choice of a person, as its line says it ("A person: press 0.").
CHOICE = N_("☎️ A person")


def offers_person(item: Message | Edit, choices: list[tuple[str, str]]) -> bool:
    """Whether ``item``, said with these (label, data) choices on keys, offers a person: the
    main menu (``Message.main_menu``, never known by a button's data)."""
    return bool(choices) and isinstance(item, Message) and item.main_menu
