"""Residents without a chat reached by phone: a request a coordinator entered for someone
who phoned or came by (``/enter``) gets the resident's phone number on its desk page, and
the resident becomes a person on the phone platform - the number in E.164 as their id and
chat, the identity a call from that number gets (bot/transports/phone/calls/callers_number.py). From
then
on what the outbox has for them (published, who comes when, the code word, reminders, a
volunteer's messages) reaches them in a call-back - or by text, where the city runs SMS too
and the coordinator chose it (one number, one person: db/people_by_number.py) - and when they
call or text in they are greeted as that person, in their language at once. A caller ID or
a sender is only a claim: the resident has a name and a request and so is checked from her
first call on (handlers/numbers/caller_check.py: a call-back her number answers, or her PIN, before
anything of hers is said or done, her consent too), and declining the notice by text erases
her only by the code texted to her number (handlers/privacy.py). The person with that
number already is reused (db/users.py ``enter_resident``, the one rule): one with data of
their own (a request, a name a coordinator entered) as they are, on the channel they chose
themselves; one without is whoever texted or called first - anyone can, in the number's
name - so the coordinator's name, language and channel win, and consent given from the
number before is dropped (she is asked herself). A STOP the number texted while it was
nobody's or its person had no data of their own (bot/transports/sms/store.py ``release``)
does not bind the resident either. The page after saving says each of these it changed
(``also``, requests.py ``ALSO``), and that nobody is called yet where the city runs no phone
line (``idle``: the calls wait for one); the resident can send STOP themselves.

Routes: ``POST /desk/requests/<id>/phone`` (``number``: as typed, national numbers read as
German; ``first_name``; ``language``; ``channel``: the platform of the channel that calls,
the default, or of the one that texts where it runs, handlers/channels.py). A
number that is no valid number, one the bot may not call (locales/phone_numbers.py: premium,
shared-cost, personal, satellite, of a country not in ``[phone] call_countries``), a
missing name, a language the city does not offer (``bot.languages``: the chats' own
choice offers no other) or a channel the city does not run is a 422 with
the reason, and nothing changes; so is a name longer than ``NAME_LIMIT`` (never cut short).
The same form sent twice (a second press on a slow network, or another coordinator with the
same number a moment before) is answered as the first was. The request
changes owner through ``lifecycle.reach_by_phone`` (coordinators only, at the moment of
acting; only a request without a requester). The number is never logged nor shown to
volunteers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from markupsafe import Markup

from bot.web.desk import requests as request_pages
from bot.web.desk.auth import Desk, desk_of, desk_page
from bot.web.i18n import translator_for
from bot.web.inputs import path_id
from db.users import User
from handlers.channels import Channel, Channels
from handlers.dispatcher import TOO_LONG
from handlers.helping import lifecycle, moved_on
from handlers.helping.lifecycle import Refused
from handlers.helping.render import someone
from handlers.text_safety import clean_name
from locales import N_, Translator
from locales.phone_numbers import EXAMPLE_NUMBER, dialable, valid

NAME_LIMIT = 50
# The audit trail's record of a resident's number entered here.
AUDIT = "desk.phone"
BAD_NUMBER = N_(
    "⚠️ This is not a phone number we can call. Please type it with the area code, "
    "for example {example}."
)
NOT_DIALABLE = N_(
    "⚠️ The bot may not call this number. It calls only ordinary landline and mobile "
    "numbers of the countries set up here, no premium or service numbers."
)
# A colleague entered the resident's number first: who, when, and the number this one typed
# (its form is gone from the page, the request having its resident now).
ENTERED_MEANWHILE = N_(
    "📞 Meanwhile {name} entered how the resident of request #{id} is reached, at {time}. "
    "Nothing was saved. The number you typed: {number}"
)
NO_NAME = N_("⚠️ Please write the resident's first name.")
BAD_LANGUAGE = N_("⚠️ Please choose a language from the list.")
BAD_CHANNEL = N_("⚠️ Please choose a call or a text message.")
# The form's field each refusal is about (the page marks it, describes it by the error and
# puts the focus in it: a keyboard or a screen reader is at the field to correct).
FIELDS = {
    BAD_NUMBER: "number",
    NOT_DIALABLE: "number",
    NO_NAME: "first_name",
    TOO_LONG: "first_name",
    BAD_LANGUAGE: "language",
}


def _channel(channels: Channels, chosen: str) -> Channel | None:
    """The channel a resident is reached on: the one that calls (the default: called back
    even before the line runs here), or one that texts where it runs; None for any other."""
    calling = channels.calling(running=False)
    channel = channels.of(chosen) if chosen else calling
    if channel is None or not channel.by_number:
        return None
    return channel if channel == calling or channel.platform in channels.running else None


async def _resident(
    desk: Desk, number: str, name: str, language: str, channel: Channel
) -> tuple[User, list[str]]:
    """The person with ``number`` (db/users.py ``enter_resident``: the one with data of
    their own as they are, else the coordinator's) and what the desk says it changed
    (requests.py ``ALSO``): a person with data of their own kept as they are, or a
    stranger's choices replaced, their consent dropped, and a STOP the number sent while it
    was nobody's set aside (anyone could have sent it)."""
    entered = await desk.site.db.users.enter_resident(channel.platform, number, name, language)
    # Entered before the city runs a line (the calls wait for it): the coordinator is told.
    idle = [] if channel.platform in desk.site.settings.channels.running else ["idle"]
    if not (entered.new or entered.taken):
        return entered.user, ["kept", *idle]
    changed = ["taken", *idle] if entered.taken else idle
    if entered.consent_dropped:
        changed.append("unconsented")
    channels = desk.site.settings.channels
    texting = channels.texting(running=False)
    line = channels.line(texting.platform, desk.site.db.transactions) if texting else None
    if line is not None and await line.release(number):
        changed.append("unstopped")
    return entered.user, changed


@desk_page
async def reach_by_phone(request: web.Request) -> web.StreamResponse:
    desk = desk_of(request)
    t = translator_for(request)
    request_id = path_id(request)
    form = await request.post()
    # As typed: a refused form comes back with it (the resident may still be on the line).
    typed = {
        key: str(form.get(key) or "") for key in ("number", "first_name", "language", "channel")
    }
    number = valid(typed["number"])
    # The whole name as typed: one longer than a name keeps is refused, never cut short.
    name = clean_name(typed["first_name"], limit=max(len(typed["first_name"]), NAME_LIMIT))
    language = typed["language"]
    channels = desk.site.settings.channels
    channel = _channel(channels, typed["channel"])
    problem = (
        BAD_NUMBER
        if number is None
        else NOT_DIALABLE
        if not dialable(number, desk.site.settings.call_countries)
        else NO_NAME
        if not name
        else BAD_LANGUAGE
        if language not in desk.site.settings.languages
        else BAD_CHANNEL
        if channel is None
        else None
    )
    error = refusal_text(t, problem) if problem is not None else None
    if error is None and len(name) > NAME_LIMIT:
        error = t.t(TOO_LONG, length=len(name), limit=NAME_LIMIT)
        problem = TOO_LONG
    if error is not None or number is None or channel is None:
        return await request_pages.detail_page(
            request,
            error=error or refusal_text(t, BAD_NUMBER),
            typed=typed,
            invalid=FIELDS.get(problem or BAD_NUMBER, ""),
        )
    try:
        async with desk.site.db.transaction():
            resident, changed = await _resident(desk, number, name, language, channel)
            await lifecycle.reach_by_phone(desk.site.scene(), desk.user, request_id, resident)
            await desk.site.db.requests.audit(desk.user.id, AUDIT, f"request:{request_id}")
    except Refused as refusal:
        reached = await _reached_already(desk, request_id, number, channel)
        if reached is not None:  # the same form sent twice: it was done, say so again
            raise web.HTTPSeeOther(_done(channels, reached, request_id)) from None
        error = await _entered_meanwhile(desk, t, request_id, typed["number"])
        if error is None:
            error = await moved_on.said(desk.site.db, t, refusal, request_id)
        return await request_pages.detail_page(request, error=error, status=409, typed=typed)
    desk.site.wake()
    also = "".join(f"&also={each}" for each in changed)
    raise web.HTTPSeeOther(_done(channels, resident, request_id) + also)


async def _entered_meanwhile(
    desk: Desk, t: Translator, request_id: int, number: str
) -> Markup | None:
    """Where another coordinator gave the request its resident first (another number):
    who and when, by the request's audit trail, and the number typed here; else None."""
    request = await desk.site.db.requests.get(request_id)
    if request is None or request.requester_id is None:
        return None
    entered = await moved_on.last_entry(desk.site.db, request_id, AUDIT)
    if entered is None or entered.actor_id is None:
        return None
    actor = await desk.site.db.users.get(entered.actor_id)
    if actor is None:
        return None
    time = moved_on.when(t, entered.at, datetime.now(UTC))
    return t.t(ENTERED_MEANWHILE, id=request_id, name=someone(t, actor), time=time, number=number)


def refusal_text(t: Translator, problem: str) -> Markup:
    """A refusal of the form in the reader's words (BAD_NUMBER with its example)."""
    return t.t(problem, example=t.digits(EXAMPLE_NUMBER))


async def _reached_already(
    desk: Desk, request_id: int, number: str, channel: Channel
) -> User | None:
    """The resident with ``number`` where the request is theirs already: the form was sent
    twice (a second press while the first was on its way, a phone's slow network) or
    another coordinator entered the same number a moment before - nothing to refuse."""
    request = await desk.site.db.requests.get(request_id)
    resident = await desk.site.db.users.find(channel.platform, number)
    if request is None or resident is None or request.requester_id != resident.id:
        return None
    return resident


def _done(channels: Channels, resident: User, request_id: int) -> str:
    """The request's page saying how the resident is reached now."""
    done = "call" if channels.of(resident.platform).calls else "text"
    return f"/desk/requests/{request_id}?done={done}"


def add_routes(app: web.Application) -> None:
    app.router.add_post("/desk/requests/{id}/phone", reach_by_phone)
