"""What a helper's acts by text say when they wait for the code texted to the number
(handlers/numbers/coded_acts.py; a sender there can be forged): taking an offer and
reporting (offers.py, relay.py), a call to the resident and the number it rings
(bridged_calls.py). Texts only: SMS alone holds acts for a code, so none of them is ever
said on the phone line (they are kept out of the caller's modules for that reason)."""

from __future__ import annotations

from locales import N_

TAKE = N_(
    "🔐 To take request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
REPORT = N_(
    "🔐 To report request #{id} to the coordinators, reply {code} within a quarter of an "
    "hour. If you did not ask for this, do nothing."
)
CALL = N_(
    "🔐 To start a call about request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
CALL_NUMBER = N_(
    "🔐 To change the number we call you on, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
# The number typed after a confirmed "Call" or "Change number": a forged text could come in
# its place, so the number itself waits for a code whose text names it (bridged_calls.py).
NUMBER_GIVEN = N_(
    "🔐 To have us call you on {number}, reply {code} within a quarter of an hour. "
    "If this is not your number, do nothing."
)
