"""Keys that are not the conversation's: while a step of the call runs, its keys are its
own - a helper's bridged call offered ("1": talk, handed_call.py), a recording (any key
ends it, spoken_answers.py). (The offer of a check call, a withheld caller's number to call
back and the PIN are steps of the conversation: handlers/numbers/caller_check.py,
number_entry.py, phone_pin.py.) transport.py asks here first; what none of them takes is
the conversation's (what_keys_mean.py).
"""

from __future__ import annotations

from bot.transports.phone.calls.answered_call import Call


def taken_apart(call: Call, key: str) -> bool:
    """Whether ``key`` of ``call`` was taken by one of them (then it means nothing else)."""
    if call.handed is not None:  # the bridged call's (its offer's "1")
        if key == "1" and not call.handed.done():
            call.handed.set_result(key)
    elif call.listening is not None:  # a key ends the recording, nothing else
        call.listening.stop.set()
    else:
        return False
    return True
