"""What the phone line keeps about people, its part of the personal-data declaration
(db/personal_data.py, declared by bot/transports/registry.py): the month's calls, today's
call-backs per number, the check calls waiting and placed today, a person's PIN for calls
(only its hash), today's wrong PINs typed for numbers without one, and the callers'
recordings (files named by rows)."""

from __future__ import annotations

from db.personal_data import (
    DETAIL,
    IDENTITY,
    LINK,
    PUBLIC,
    Declaration,
    Files,
    Retention,
    Table,
    numbered,
    owned,
)
from locales import N_

DECLARED = Declaration(
    tables=(
        Table(
            "call_budget",
            None,
            {"month": PUBLIC, "calls": PUBLIC, "told": PUBLIC},
            note="The installation's calls per month against [phone] monthly_calls (counted in "
            "the main city's database) and the share each city's coordinators were told of: "
            "nothing about a person.",
        ),
        Table(
            "call_days",
            "technical",
            {"day": DETAIL, "number": IDENTITY, "calls": DETAIL},
            links=(
                numbered(
                    "phone",
                    note="Today's count of call-backs to the number, against [phone] "
                    "calls_per_number_day; gone the next day.",
                ),
            ),
            retention=(
                Retention("call_days", ("DELETE FROM call_days WHERE day < :today_local",)),
            ),
            note="Per phone number (E.164) the call-backs made to it today "
            "(bot/transports/phone/calls/dialling.py); rows of earlier days are removed when the "
            "next call is counted, and by the retention job.",
        ),
        Table(
            "phone_pins",
            "account",
            {
                "user_id": LINK,
                "pin_hash": DETAIL,
                "set_at": DETAIL,
                "wrong": DETAIL,
                "wrong_day": DETAIL,
                "lock_told_day": DETAIL,
            },
            links=(
                owned(
                    "phone_pin",
                    "set_at",
                    "wrong",
                    "wrong_day",
                    "lock_told_day",
                    refers=(("pin", "'set'"),),
                    withheld=("pin_hash",),
                    note="The export says that a PIN is set and since when, never its hash.",
                ),
            ),
            retention=(
                Retention(
                    "phone_pin_tries",
                    (
                        "UPDATE phone_pins SET wrong = 0, wrong_day = ''"
                        " WHERE wrong_day <> '' AND wrong_day < :today_local",
                    ),
                ),
            ),
            note="A phone person's PIN for calls (handlers/numbers/phone_pin.py), chosen by them "
            "in a "
            "call the bot made to their number: only a slow salted hash (scrypt), never the "
            "digits; the wrong tries of one day (at three the PIN is not asked that day), "
            "and the day she was last told of a lockout (told once a week at most). "
            "Coordinators see only that one is set, and clear it on the desk; gone with the "
            "account.",
            coded=("pin_hash",),
        ),
        Table(
            "phone_pin_hours",
            None,
            {"hour": PUBLIC, "wrong": PUBLIC, "told": PUBLIC},
            note="The wrong PINs typed in the city within the clock hour, all residents "
            "together, against the city-wide limit (handlers/numbers/phone_pin.py), and "
            "whether the coordinators were told; nobody's data, only the hour at hand kept.",
        ),
        Table(
            "phone_no_pin_tries",
            "technical",
            {"day": DETAIL, "number": IDENTITY, "wrong": DETAIL},
            links=(
                numbered(
                    "phone",
                    note="Today's wrong PINs typed in calls from the number while it had no "
                    "PIN; gone the next day.",
                ),
            ),
            retention=(
                Retention(
                    "phone_no_pin_tries",
                    ("DELETE FROM phone_no_pin_tries WHERE day < :today_local",),
                ),
            ),
            note="Per phone number (E.164) without a PIN - nobody has it, or its person chose "
            "none - the PINs typed today in calls from it, all wrong, answered as a PIN's "
            "wrong tries are (handlers/numbers/phone_pin.py): at three the call-back is the "
            "only check that day. At most 5,000 numbers a day; rows of earlier days are "
            "removed when the next try is counted, and by the retention job.",
        ),
        Table(
            "check_calls",
            "technical",
            {
                "number": IDENTITY,
                "data": DETAIL,
                "language": DETAIL,
                "consented": DETAIL,
                "easy": DETAIL,
                "tries": DETAIL,
                "next_at": DETAIL,
                "asked_at": DETAIL,
            },
            links=(
                numbered(
                    "phone",
                    note="A call to the number that checks who asked for help, waiting to be "
                    "placed or tried again; gone once answered or given up.",
                ),
            ),
            retention=(
                Retention(
                    "check_calls",
                    ("DELETE FROM check_calls WHERE asked_at < :conversation_before",),
                ),
            ),
            note="Per phone number (E.164) the check call waiting for it "
            "(bot/transports/phone/calls/check_calls.py): the button the call begins with and the "
            "asking call's language, consent (never given to the person the call reaches) and "
            "easy texts; removed once the call was "
            "answered or given up after its tries, else with unfinished conversations.",
        ),
        Table(
            "check_call_days",
            "technical",
            {"day": DETAIL, "number": IDENTITY, "calls": DETAIL, "last_at": DETAIL},
            links=(
                numbered(
                    "phone",
                    note="Today's check calls to the number and when the last was; gone the "
                    "next day.",
                ),
            ),
            retention=(
                Retention(
                    "check_call_days", ("DELETE FROM check_call_days WHERE day < :today_local",)
                ),
            ),
            note="Per phone number (E.164) the check calls placed today and the time of the "
            "last, against the number's cap; the city's pool of the day and hour as the "
            "numbers '*' and '*HH', the share of callers with nothing to protect as '*new' and "
            "'*newHH', a pool's running dry told as '!' and its name "
            "(bot/transports/phone/calls/check_calls.py). Rows of earlier "
            "days "
            "are removed when the next call is counted, and by the retention job.",
        ),
    ),
    files=(
        Files(
            "phone recordings",
            folder="phone.recordings",
            ids=r"rec-[0-9a-f]{32}",
            in_use=(
                "SELECT voice_file_id FROM help_requests WHERE voice_file_id LIKE 'rec-%'",
                "SELECT payload FROM outbox WHERE payload LIKE '%rec-%'",
                "SELECT data FROM conversations WHERE data LIKE '%rec-%'",
            ),
            note="What a caller said after the tone on the phone line (OGG/Opus), named by a "
            "help request's voice, a voice message in the outbox (to the coordinators, to the "
            "helper who took the request - never in an offer) or a form's draft: "
            "bot/transports/phone/calls/recording.py removes the files no row names any more right "
            "after an erasure and every few minutes (a file younger than a few minutes is kept: "
            "its row may not be written yet).",
        ),
    ),
    labels={"phone_pin": N_("🔢 Your PIN for calls")},
)
