"""Every text that asks for the code texted to the number (handlers/numbers/coded_acts.py; a
sender there can be forged), so the wording and its length are settled in one place: a
resident's request sent, changed or withdrawn (requests_flow.py), her "the help is done" and
ending the contact, and a text for the helper passed on (relay/chat.py) or taken back
(relay/edits.py); a volunteer taking an offer, declining it ("Not this time"), reporting and
handing back (offers.py, relay/chat.py), a helper's time spent and money laid out and the
requester's answer whether that amount is right (relay/chat.py); a helper's call to the resident
and the number it rings, changed or removed (bridged_calls.py); a volunteer's own profile -
a change of it, pausing, resuming, leaving and the talk shift (volunteers.py); agreeing to
the privacy notice for a number with data (handlers/onboarding.py). Texts only: SMS alone
holds acts for a code, so none of them is ever said on the phone line (they are kept out of
the caller's modules for that reason). Not here: how messages come
(handlers/numbers/reach.py, below this package), deleting all data (handlers/privacy.py, a
count of minutes) and texts for STOP (the SMS transport's own)."""

from __future__ import annotations

from locales import N_

# A resident's own request: a forger would otherwise put words, an address or another number
# into her name and send it to review, or withdraw it.
SEND = N_(
    "🔐 To send the help request you wrote, reply {code} within a quarter of an hour. "
    "If you did not write one, do nothing."
)
CHANGE = N_(
    "🔐 To change your request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
# Below a request's code text, in a text of its own (requests_flow.py ``what_is_sent``):
# the request as it would be sent, so the holder sees whose words the code confirms.
QUOTED = N_("🔐 The code sends your request as it reads here:")
WITHDRAW = N_(
    "🔐 To withdraw your request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
# A text for the helper ("come to another address instead"); the text follows on its own line.
PASS_ON = N_(
    "🔐 To pass this on to {name}, reply {code} within a quarter of an hour. "
    "If you did not write it, do nothing."
)
# "I agree" for a person with data (a resident the desk entered): a forger would otherwise
# give her consent.
AGREE = N_(
    "🔐 To agree to the privacy notice for this number, reply {code} within a quarter of an "
    "hour. If you did not ask for this, do nothing."
)
TAKE = N_(
    "🔐 To take request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
# "Not this time": a forger would otherwise turn the volunteer's offers away in her name.
DECLINE = N_(
    "🔐 To say no to request #{id} this time, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
REPORT = N_(
    "🔐 To report request #{id} to the coordinators, reply {code} within a quarter of an "
    "hour. If you did not ask for this, do nothing."
)
HAND_BACK = N_(
    "🔐 To hand back request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
DONE = N_(
    "🔐 To mark the help for request #{id} as done, reply {code} within a quarter of "
    "an hour. If you did not ask for this, do nothing."
)
END = N_(
    "🔐 To end the contact and withdraw your request #{id}, reply {code} within a "
    "quarter of an hour. If you did not ask for this, do nothing."
)
CALL = N_(
    "🔐 To start a call about request #{id}, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
CALL_NUMBER = N_(
    "🔐 To change the number we call you on, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
# "Remove number": a forger would otherwise send the helper's calls about a help elsewhere.
CALL_NUMBER_REMOVE = N_(
    "🔐 To remove the number we call you on, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
# The number typed after a confirmed "Call" or "Change number": a forged text could come in
# its place, so the number itself waits for a code whose text names it (bridged_calls.py).
NUMBER_GIVEN = N_(
    "🔐 To have us call you on {number}, reply {code} within a quarter of an hour. "
    "If this is not your number, do nothing."
)
# Taking back one's last message to the contact (relay/edits.py): a forger would otherwise
# take back what the holder told her contact ("I am not at home today").
UNDO = N_(
    "🔐 To take back your last message to your contact, reply {code} within a quarter of "
    "an hour. If you did not ask for this, do nothing."
)
# A volunteer's profile (where, with what, in which languages, how much) and whether she is
# offered requests at all: a forger would otherwise steer or stop what she is offered.
PROFILE = N_(
    "🔐 To save these answers in your volunteer profile, reply {code} within a quarter of "
    "an hour. If you did not ask for this, do nothing."
)
PAUSE = N_(
    "🔐 To pause your volunteering, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
RESUME = N_(
    "🔐 To resume your volunteering, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
LEAVE = N_(
    "🔐 To stop volunteering and delete your volunteer profile, reply {code} within a "
    "quarter of an hour. If you did not ask for this, do nothing."
)
# A helper's time spent and money laid out, and the requester's answer whether that amount is
# right (relay/chat.py): a forger would otherwise put a sum into the helper's name, or confirm or
# dispute one in the requester's.
TIME_SPENT = N_(
    "🔐 To report the time you spent on request #{id}, reply {code} within a quarter of an "
    "hour. If you did not ask for this, do nothing."
)
LAID_OUT = N_(
    "🔐 To report {amount} laid out for request #{id}, reply {code} within a quarter of an "
    "hour. If you did not ask for this, do nothing."
)
AMOUNT_RIGHT = N_(
    "🔐 To confirm the amount your helper laid out for request #{id}, reply {code} within a "
    "quarter of an hour. If you did not ask for this, do nothing."
)
AMOUNT_WRONG = N_(
    "🔐 To say that the amount your helper laid out for request #{id} is not right, reply "
    "{code} within a quarter of an hour. If you did not ask for this, do nothing."
)
TALK_SHIFT = N_(
    "🔐 To change your talk shift, reply {code} within a quarter of an hour. "
    "If you did not ask for this, do nothing."
)
