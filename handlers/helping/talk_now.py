"""Talk now (issue 57 point 8): a "just talk" request (the kind ``talk``), often from a lonely
senior on the phone line, goes first to volunteers who are on a talk shift now.

- When such a request opens (``waves.start``), its search is a talk search for
  ``talk_hours``: city-wide, ``talk_wave`` volunteers at a time whose talk shift is now
  (their setting, handlers/helping/volunteers.py), who share a language with the requester
  and are not in their quiet hours (``ranking.candidates`` with ``talk``); the next ones
  after ``talk_wave_minutes`` without a taker, at once when all of them said "not this
  time". After ``talk_hours`` the usual waves take over (``waves.next_wave``). The caps and
  the budget hold as for every wave.
- The coordinators see every talk request at once: a notice in their backchannel
  (:func:`announce`, with "⏹ End") and the desk's request page; a coordinator may end it
  (``lifecycle.end_by_coordinator``).
- The first who accepts is matched as usual (the lifecycle); when both can be called, the
  bot then calls the volunteer and connects them with the requester by the bridged call
  that hides both numbers (:func:`call`, handlers/helping/bridged_calls.py): into the
  requester's call with the bot if it is up (the number is not rung), else by calling
  their number, where whoever answers is asked "if you are …, press 1" first - a
  first-time caller's number is a caller ID nobody checked (bot/transports/phone/
  bridging.py); otherwise they talk through the relayed chat, where "📞 Call" stays
  offered.

Button data: ``mod:end:<id>`` (a coordinator ends the request; handlers/helping/
moderation.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup

from db.requests import HelpRequest
from db.users import User
from handlers.channels import CallOrder
from handlers.helping.bridged_calls import may_start
from handlers.helping.render import category_label
from handlers.helping.scene import Scene
from handlers.helping.vocabulary import TALK
from handlers.messages import Button, Message
from handlers.settings import HandlerSettings
from locales import Translator


def talk_until(settings: HandlerSettings, request: HelpRequest, now: datetime) -> datetime | None:
    """Until when an opening request is offered to volunteers on a talk shift; None: it
    is no "just talk" request (or the city has no talk shifts, ``talk_hours`` 0)."""
    hours = settings.offer_rules.talk_hours
    if request.category != TALK or hours <= 0:
        return None
    return now + timedelta(hours=hours)


def next_at(settings: HandlerSettings, now: datetime, until: datetime) -> datetime:
    """When the next talk wave (or look) goes: after ``talk_wave_minutes``, at the latest
    when the talk search ends."""
    return min(now + timedelta(minutes=settings.offer_rules.talk_wave_minutes), until)


def end_button(t: Translator, request_id: int) -> Button:
    return Button("⏹ " + t._("End request"), f"mod:end:{request_id}")


async def announce(scene: Scene, request: HelpRequest, until: datetime) -> None:
    """The coordinators see the talk request at once, with "⏹ End"."""
    rules = scene.settings.offer_rules
    spoken = request.languages or tuple(filter(None, [request.description_lang]))

    def notice(t: Translator) -> Message:
        lines = [
            t.t(
                "📞 Request #{id} ({category}): someone would like to talk now.",
                id=request.id,
                category=category_label(t, request.category),
            ),
            t.t(
                "Volunteers on a talk shift who speak {languages} are asked, {n} at a time.",
                languages=t.list_of([t.language(code) for code in spoken], style="or"),
                n=rules.talk_wave,
            )
            if spoken
            else t.t("Volunteers on a talk shift are asked, {n} at a time.", n=rules.talk_wave),
            t.t("From {time} the usual search.", time=t.time(until)),
        ]
        return Message(
            Markup("\n").join(lines),
            [[end_button(t, request.id)]],
            typed_choices=False,
        )

    await scene.mail.to_backchannel(notice, about=[request.requester_id])


async def call(scene: Scene, request: HelpRequest, volunteer: User, requester: User | None) -> bool:
    """The volunteer took a "just talk" request: when both can be called (the requester
    is known by their number, the volunteer gave theirs, not in the phone's quiet hours),
    the bot calls the volunteer and connects them with the requester, both numbers hidden,
    and tells the volunteer so. False: no call; they talk through the relay."""
    port = scene.settings.bridged_calls
    if (
        request.category != TALK
        or requester is None
        or port is None
        or not scene.settings.channels.callable(requester.platform)
    ):
        return False
    number = await scene.db.call_numbers.get(volunteer.id)
    if number is None or port.quiet_until() is not None:
        return False
    order = CallOrder(
        request_id=request.id,
        helper_id=volunteer.id,
        helper_number=number,
        helper_lang=volunteer.language or requester.language or "de",
        resident_number=requester.chat_id,
        resident_lang=requester.language or volunteer.language or "de",
    )
    if not may_start(scene.db, scene.settings, request.id):
        return False
    port.start(order)
    await scene.mail.to_user(
        volunteer,
        lambda t: Message(
            t.t(
                "📞 I am calling you now. When you answer, I call the resident and connect"
                " you. Both numbers stay hidden."
            )
        ),
    )
    return True
