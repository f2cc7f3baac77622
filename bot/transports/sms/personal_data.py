"""What text messages keep about people, their part of the personal-data declaration
(db/personal_data.py, declared by bot/transports/registry.py): the month's budget, the
first contacts of the day, and per number a STOP, the rest of a text cut to fit, the
choices of its newest text and the code that confirms an erasure or an act (store.py)."""

from __future__ import annotations

from db.personal_data import (
    CONTENT,
    DETAIL,
    IDENTITY,
    PUBLIC,
    Declaration,
    Retention,
    Table,
    numbered,
)
from locales import N_

DECLARED = Declaration(
    tables=(
        Table(
            "sms_budget",
            None,
            {"month": PUBLIC, "segments": PUBLIC, "told": PUBLIC},
            note="The installation's text message segments per month against [sms] "
            "monthly_segments (counted in the main city's database) and the share each city's "
            "coordinators were told of: nothing about a person.",
        ),
        Table(
            "sms_first_contacts",
            None,
            {"day": PUBLIC, "prefix": PUBLIC, "texts": PUBLIC, "refused": PUBLIC, "told": PUBLIC},
            retention=(
                Retention(
                    "sms_first_contacts",
                    ("DELETE FROM sms_first_contacts WHERE day < :today_local",),
                ),
            ),
            note="First texts from unknown numbers per day against [sms] new_numbers_per_day "
            "and per prefix (a number without its last four digits, which 10,000 numbers share), "
            "and the texters turned away who were told so (prefix 'told'), counted in the main "
            "city's database for the day, and whether each city's coordinators were told that "
            "they ran out; and, in each city's, the STOPs kept from numbers nobody has per clock "
            "hour (prefix 'stops' and the hour) and whether its coordinators were told they "
            "ran out: nothing about a person.",
        ),
        Table(
            "sms_code_hours",
            None,
            {"hour": PUBLIC, "wrong": PUBLIC, "told": PUBLIC},
            note="The wrong codes texted back in the city within the clock hour, all numbers "
            "together, against the city-wide limit (store.py CITY_WRONG_CODES), and whether "
            "the coordinators were told; nobody's data, only the hour at hand kept.",
        ),
        Table(
            "sms_code_texts",
            None,
            {"hour": PUBLIC, "sent": PUBLIC, "told": PUBLIC},
            note="The code texts sent within the clock hour, all numbers together, against "
            "[sms] codes_per_hour (budget.py take_code; counted in the main city's database), "
            "and how far each city's coordinators were told they ran out; nobody's data, only "
            "the hour at hand kept.",
        ),
        Table(
            "sms_numbers",
            "technical",
            {
                "number": IDENTITY,
                "stopped_at": DETAIL,
                "more": CONTENT,
                "newest": PUBLIC,
                "choices": CONTENT,
                "typed": DETAIL,
                "updated_at": DETAIL,
                "sent_hour": DETAIL,
                "sent_in_hour": DETAIL,
                "sent_day": DETAIL,
                "sent_in_day": DETAIL,
                "stop_told_at": DETAIL,
                "start_told_at": DETAIL,
                "help_kept": DETAIL,
                "code_hash": DETAIL,
                "code_for": DETAIL,
                "code_until": DETAIL,
                "code_tries": DETAIL,
                "codes_day": DETAIL,
                "codes_in_day": DETAIL,
                "confirmed_at": DETAIL,
                "stranger": DETAIL,
                "turned_told_at": DETAIL,
                "capped_told_at": DETAIL,
                "capped_until": DETAIL,
                "busy_told_until": DETAIL,
                "codes_confirmed": DETAIL,
                "wrong_hour": DETAIL,
                "wrong_in_hour": DETAIL,
                "code_sent_at": DETAIL,
                "held_hour": DETAIL,
                "held_in_hour": DETAIL,
                "held_told_at": DETAIL,
            },
            links=(
                numbered(
                    "sms",
                    section="sms",
                    export=(
                        "number",
                        "stopped_at",
                        "help_kept",
                        "more",
                        "choices",
                        "typed",
                        "sent_hour",
                        "sent_in_hour",
                        "sent_day",
                        "sent_in_day",
                        "updated_at",
                        "stop_told_at",
                        "start_told_at",
                        "code_for",
                        "code_until",
                        "code_tries",
                        "codes_day",
                        "codes_in_day",
                        "confirmed_at",
                        "stranger",
                        "turned_told_at",
                        "capped_told_at",
                        "capped_until",
                        "busy_told_until",
                        "codes_confirmed",
                        "wrong_hour",
                        "wrong_in_hour",
                        "code_sent_at",
                        "held_hour",
                        "held_in_hour",
                        "held_told_at",
                    ),
                    withheld=("code_hash",),
                    note="The code itself is withheld: only its hash is kept, a secret.",
                ),
            ),
            retention=(
                Retention(
                    "sms_numbers",
                    (
                        # A STOP holds until START or erasure; the rest is a conversation's.
                        "DELETE FROM sms_numbers WHERE stopped_at IS NULL"
                        " AND updated_at < :buttons_before",
                        "UPDATE sms_numbers SET more = '', choices = '[]', newest = ''"
                        " WHERE updated_at < :buttons_before"
                        " AND (more <> '' OR choices <> '[]' OR newest <> '')",
                        # A code works a day at most (bot/transports/sms, handlers/privacy.py).
                        "UPDATE sms_numbers SET code_hash = '', code_for = '', code_until = NULL"
                        " WHERE code_until < :outbox_before",
                    ),
                ),
            ),
            note="Per phone number (the person's id on 'sms' and 'phone', E.164, whichever channel "
            "they chose): whether it sent STOP (and whether that kept the notices of its running "
            "help), when STOP and START were confirmed, the texts sent to it this hour and day, "
            "the hash of the one code it was sent to confirm a STOP, an erasure or an act that "
            "ends or redirects running help, when it last texted a right code back, whether its "
            "STOP came while the number was nobody's, when it was last told that the day's "
            "first contacts turned it away, when the coordinators were last told that it had "
            "all its texts of the hour or day, until when it was last told that the hour's code "
            "texts were used up, how many of its codes of the day it texted back right and its "
            "wrong codes of the clock hour, when its code was sent, the hour its answers were "
            "held for a check and how many, when the coordinators were told so, the rest of a "
            "bot text cut to fit and the choices of its newest text "
            "(bot/transports/sms).",
            coded=("code_hash",),
        ),
    ),
    labels={"sms": N_("⚙️ Your text messages (STOP, what is still to come)")},
)
