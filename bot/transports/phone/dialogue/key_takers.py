"""Keys that are not the conversation's: while a dialogue or a step of the call runs, its keys
are its own - a helper's bridged call offered ("1": talk, handed_call.py), a recording (any
key ends it, spoken_answers.py), a number to call back being typed (who_calls.py), a PIN
(pin_line.py), the offer of a check call ("1": call me back, handlers/numbers/caller_check.py).
transport.py asks here first; what none of them takes is the conversation's (keypad.py).
"""

from __future__ import annotations

from bot.transports.phone.calls.answered_call import Call, CallMeBack
from bot.transports.phone.calls.call_runner import HUSH
from bot.transports.phone.dialogue import pin_line, who_calls
from handlers.numbers.caller_check import takes_offer


def taken_apart(line: pin_line.PhoneTransport, call: Call, key: str) -> bool:
    """Whether ``key`` of ``call`` was taken by one of them (then it means nothing else)."""
    if call.handed is not None:  # the bridged call's (its offer's "1")
        if key == "1" and not call.handed.done():
            call.handed.set_result(key)
    elif call.audio.listening is not None:  # a key ends the recording, nothing else
        call.audio.listening.stop.set()
    elif call.entry is not None:
        who_calls.number_key(line, call, call.entry, key)
    elif call.pin is not None:
        pin_line.key(line, call, call.pin, key)
    elif call.waiting is not None and takes_offer(key):
        line.voice.runner(call).start(HUSH)
        call.keys.put_nowait(CallMeBack())
    else:
        return False
    return True
