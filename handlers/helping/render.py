"""How a help request reads: for the requester, in the coordinators' backchannel, in offers
to volunteers, and the buttons that go with each. Nothing here changes anything.

User text (descriptions, names, "when") is always put into the bot's lines as an escaped,
isolated value, and free text as a quoted block, so it can never pass for the bot's own
lines (such as "✅ Published by …").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db import Database
from db.clock import to_text
from db.requests import HelpRequest
from db.users import User
from handlers.helping.text_language import detect
from handlers.helping.vocabulary import DAY_PARTS, HELP_CATEGORIES, TALK, WHEN, chosen_day, noon
from handlers.helping.warnings import warnings_for
from handlers.language_bridge import Reader, backchannel_reader, words
from handlers.media.door_codes import DOOR_SYMBOLS
from handlers.messages import Button, Voice
from handlers.messenger import backchannel_language
from handlers.numbers.channel_line import channel_line
from handlers.places.render import language_names
from handlers.reader import Medium, reader_of
from handlers.settings import HandlerSettings
from handlers.text_safety import visible
from handlers.ui import shortened
from locales import DEFAULT_LANGUAGE, N_, Translator, isolate

# A voice request's offer: the voice goes only to the one who takes it (offer_sending.py).
OFFERED_VOICE = N_("🎤 Spoken request: only the helper who takes it hears it.")

# In place of a description's language when it is none of those the bot speaks (the
# detector knows only those, text_language.py): the coordinators read why volunteers may
# not understand it, where a bare "?" said nothing.
UNSPOKEN = N_("a language the volunteers here do not speak")

# A voice request in review without the coordinators' summary.
NO_SUMMARY = N_("⚠️ no summary yet: volunteers only read the offer, they never hear the voice")

# How far back a new request is compared with others, for the "very similar" warning.
SIMILAR_WITHIN = timedelta(days=14)


def category_label(t: Translator, key: str) -> str:
    icon, label = HELP_CATEGORIES.get(key, HELP_CATEGORIES["other"])
    return f"{icon} {t._(label)}"


def describe(
    t: Translator,
    draft: dict[str, Any] | HelpRequest,
    for_reader: Reader | None = None,
    *,
    beside: bool = False,
    offered: bool = False,
) -> Markup:
    """The request as the requester, a coordinator or a volunteer reads it. For someone
    other than the requester (``for_reader``), texts in a language they may not read are
    translated at delivery (``beside``: the original shown in full, for checking).
    ``offered``: in an offer, which never carries the voice - it says who will hear it."""
    if isinstance(draft, dict):
        get = draft.get
    else:

        def get(key: str, default: Any = None) -> Any:
            return getattr(draft, key, default)

    lines = [t.format("<b>{category}</b>", category=category_label(t, get("category") or "other"))]
    description = get("description") or ""
    request_id, requester_id = get("id"), get("requester_id")
    if description:
        lang = get("description_lang") or ""
        text = words(
            t,
            description,
            lang,
            for_reader,
            owner_id=requester_id,
            request_id=request_id,
            beside=beside,
        )
        lines.append(
            t.t(
                "💬 {text} ({language})",
                text=text,
                language=language_names(t, (lang,)) if lang else t._(UNSPOKEN),
            )
        )
    if get("voice_file_id"):
        lines.append(t.t(OFFERED_VOICE) if offered else t.t("🎤 voice message"))
    summary = get("summary") or ""
    if summary:
        # Written by a coordinator for those who cannot listen (or not in this language).
        # Its language matters only to a reader it may be translated for.
        translating = for_reader is not None and for_reader.engine
        text = words(
            t,
            summary,
            detect(summary, DEFAULT_LANGUAGE) if translating else "",
            for_reader,
            request_id=request_id,
            beside=beside,
        )
        lines.append(t.t("📝 Summary by the coordinators:") + "\n" + text)
    if get("area_name"):
        lines.append(t.t("📍 {area}", area=get("area_name")))
    when = get("when_kind") or "asap"
    lines.append(
        t.t("🕓 {when}", when=t._(WHEN.get(when, WHEN["asap"])))
        + _when_detail(
            t,
            get("when_text") or "",
            get("description_lang") or "",
            for_reader,
            request_id,
            requester_id,
            beside,
        )
    )
    languages = get("languages") or ()
    if languages:
        lines.append(t.t("🗣 {languages}", languages=language_names(t, tuple(languages))))
    return Markup("\n").join(lines)


def _when_detail(
    t: Translator,
    when_text: str,
    lang: str,
    for_reader: Reader | None,
    request_id: int | None,
    requester_id: int | None,
    beside: bool,
) -> Markup:
    """ ": Tuesday, 25 November, in the afternoon" in the reader's language for a day
    chosen by button; the person's own words otherwise, translated for a reader who may
    not read them (as the description is)."""
    if not when_text:
        return Markup("")
    day = chosen_day(when_text)
    if day is not None:
        text = t.skeleton(noon(day), "MMMMEEEEd")
        part = DAY_PARTS.get(when_text.partition(" ")[2])
        return t.format(": {day}", day=text) + (Markup(t.comma) + t.t(part) if part else Markup(""))
    written = words(
        t,
        when_text,
        detect(when_text, lang or DEFAULT_LANGUAGE),
        for_reader,
        owner_id=requester_id,
        request_id=request_id,
        beside=beside,
    )
    return t.format(": {text}", text=written)


async def recent_texts(db: Database) -> list[tuple[int, str]]:
    """The texts a new request is compared with (the "very similar to" warning), as
    :func:`warnings.warnings_for` compares them: made visible once, for a page of posts."""
    since = to_text(datetime.now(UTC) - SIMILAR_WITHIN)
    return [(other, visible(text)) for other, text in await db.requests.recent_descriptions(since)]


def easy_tag(t: Translator) -> Markup:
    """The tag beside a requester who reads easy language (handlers/easy_language.py): the
    coordinators answer them simply. On the review post and the desk's request page."""
    return t.t("🟢 Uses easy language")


async def review_post(
    db: Database,
    request: HelpRequest,
    t: Translator,
    for_reader: Reader | None = None,
    *,
    settings: HandlerSettings | None = None,
    recent: list[tuple[int, str]] | None = None,
    heading: bool = True,
    requesters: dict[int, User] | None = None,
) -> Markup:
    """The request as the coordinators check it: with who asked and what to look at (in
    the group, ``for_reader``: with a translation beside the original; the warnings are
    about the original). ``recent``: :func:`recent_texts`, and ``requesters``: the
    requesters by id (``db.users.get_many``), each read once for a page of posts.
    ``heading``: the "🆕 Request #N - please check" line (the desk's card has its own).
    ``settings``: the city's, to say how a person who is not in a chat is reached."""
    if requesters is None:
        requester = await db.users.get(request.requester_id) if request.requester_id else None
    else:
        requester = requesters.get(request.requester_id or 0)
    if recent is None:
        recent = await recent_texts(db)
    recent = [(other, text) for other, text in recent if other != request.id]
    lines = [
        *(
            [t.t("🆕 <b>Request #{id}</b> - please check", id=request.id), Markup("")]
            if heading
            else []
        ),
        describe(t, request, for_reader, beside=True),
    ]
    if requester is not None:
        lines.append(
            t.t("👤 {name} (user {user_id})", name=first_name(t, requester), user_id=requester.id)
        )
        if requester.easy_language:
            lines.append(easy_tag(t))
        channel = await channel_line(db, settings, t, requester) if settings else None
        if channel:
            lines.append(channel)
    if request.offline_contact:
        lines.append(
            t.t("☎️ Contact (coordinators only): {contact}", contact=request.offline_contact)
        )
    flags = warnings_for(t, request.description, recent)
    if request.voice_file_id and not request.summary:
        # An offer never carries the voice (offer_sending.py): without a summary, volunteers
        # would read no word of what is needed.
        flags.append(t.t(NO_SUMMARY))
    if flags:
        lines += [Markup(""), *flags]
    return Markup("\n").join(lines)


CHANGED_FROM = N_("✏️ Changed by the requester. Before the change it read:")


async def group_review_post(
    db: Database,
    settings: HandlerSettings,
    request: HelpRequest,
    *,
    heading: bool = True,
    before: HelpRequest | None = None,
) -> Markup:
    """The review post as the coordinators' group reads it: in the group's language, with a
    translation beside an original in another language (``heading``: see
    :func:`review_post`). ``before``: the request as it was before its requester changed
    it, shown below the new version - what changed is what needs checking."""
    bt = backchannel_language()
    reader = backchannel_reader(settings, bt)
    post = await review_post(db, request, bt, reader, settings=settings, heading=heading)
    if before is None:
        return post
    return Markup("\n").join(
        [post, Markup(""), bt.t(CHANGED_FROM), describe(bt, before, reader, beside=True)]
    )


def decision_buttons(t: Translator, request_id: int) -> list[list[Button]]:
    return [
        [
            Button("✅ " + t._("Publish"), f"mod:ok:{request_id}"),
            Button("❌ " + t._("Reject"), f"mod:no:{request_id}"),
        ],
        [
            Button("✏️ " + t._("Edit text"), f"mod:ed:{request_id}"),
            Button("❓ " + t._("Ask the requester"), f"mod:ask:{request_id}"),
        ],
        [Button("📝 " + t._("Summary"), f"mod:sum:{request_id}")],
    ]


def offer_text(t: Translator, request: HelpRequest, for_reader: Reader | None = None) -> Markup:
    """An offer, in the volunteer's language (``for_reader``: the volunteer). A "just talk"
    request is offered city-wide, for now (handlers/helping/talk_now.py): it says so."""
    heading = (
        t.t("📞 <b>Someone would like to talk now</b> (#{id})", id=request.id)
        if request.category == TALK
        else t.t("🔔 <b>Someone nearby needs help</b> (#{id})", id=request.id)
    )
    return heading + "\n\n" + describe(t, request, for_reader, offered=True)


def request_voice(t: Translator, request: HelpRequest) -> Voice:
    """A request's voice description: sent right after its review post, and to the helper
    once they took the request - never with an offer."""
    return Voice(
        request.voice_file_id,
        request.voice_platform,
        caption=t.t("🎤 Request #{id}", id=request.id),
    )


def offer_buttons(t: Translator, request_id: int) -> list[list[Button]]:
    return [
        [
            Button("🙋 " + t._("I can help"), f"mt:acc:{request_id}"),
            Button("🙅 " + t._("Not this time"), f"mt:dec:{request_id}"),
        ],
        [Button("⚠️ " + t._("Report"), f"mt:rep:{request_id}")],
    ]


WRITE_TO = "rl:to:"


def _write_to(t: Translator, request_id: int, partner_name: str) -> Button:
    # Names can be long or right-to-left: shortened, and isolated inside the label.
    name = shortened(partner_name, 20)
    # The message's own answer: a call-back offers it after the tone (``answer_of``).
    return Button(
        "💬 " + t._("Write to {name}").format(name=isolate(name)),
        f"{WRITE_TO}{request_id}",
        role="answer",
    )


def _ending(t: Translator, request_id: int, *, requester: bool) -> Button:
    """How this side ends a contact: the requester says the help is done, the volunteer
    hands the request back."""
    if requester:
        return Button("✅ " + t._("Help is done"), f"rl:done:{request_id}")
    return Button("↩️ " + t._("Hand back"), f"mt:back:{request_id}")


def relay_endings(t: Translator, request_id: int, *, requester: bool) -> list[list[Button]]:
    """The contact's buttons besides "Write to": ending it, and reporting."""
    report = Button("⚠️ " + t._("Report"), f"rl:rep:{request_id}")
    ending = _ending(t, request_id, requester=requester)
    if requester:
        return [[ending], [Button("🚪 " + t._("End contact"), f"rl:end:{request_id}"), report]]
    return [[ending, report]]


def relay_buttons(
    t: Translator, request_id: int, partner_name: str, *, requester: bool
) -> list[list[Button]]:
    """Under every relayed message and contact notice: write back, and the way to end
    the contact that belongs to this side (done for the requester, hand back for the
    volunteer)."""
    return [
        [_write_to(t, request_id, partner_name)],
        *relay_endings(t, request_id, requester=requester),
    ]


def relay_row(
    t: Translator, request_id: int, partner_name: str, *, requester: bool
) -> list[Button]:
    """One row for a running contact in the main menu and in /myrequests."""
    return [_write_to(t, request_id, partner_name), _ending(t, request_id, requester=requester)]


def first_name(t: Translator, user: User | None) -> str:
    """A person's first name as others read it. Someone who has none - a caller on the phone
    line, a person texting: their number is who they are there, and it is never shown - is
    "Resident" (how they are reached: :func:`handlers.numbers.channel_line.channel_line`)."""
    if user is None:
        return "?"
    return user.first_name or t._("Resident")


def someone(t: Translator, user: User) -> Markup:
    """A person as coordinators read them everywhere: first name and user number together."""
    return named(t, first_name(t, user), user.id)


def named(t: Translator, first_name: str, user_id: int) -> Markup:
    """:func:`someone` from the name and number alone (a record's actor)."""
    return t.t("{name} (user {user_id})", name=first_name or "?", user_id=user_id)


# What the volunteer reads where the resident takes the code word without its picture
# (issue 64): said on the phone, or texted (an SMS may lose the picture) - in the
# resident's language. Each side is told what the other has: the number is the same in
# every language, the picture's name is not ("روباه" where the volunteer reads "Fuchs").
HEARD_CODE = {
    Medium.SPOKEN: N_(
        "{name} hears this code word on the phone, in their language: “{word}” and the "
        "number {number}. At the door, show the picture and the number on your phone. The "
        "number is the same in every language."
    ),
    Medium.TEXTED: N_(
        "{name} gets this code word by SMS, in their language: “{word}” and the number "
        "{number}. At the door, show the picture and the number on your phone. The number "
        "is the same in every language."
    ),
}


def door_code_text(
    t: Translator,
    code: str,
    *,
    requester: bool,
    partner_name: str,
    partner: User | None = None,
) -> Markup:
    """The code word at the door: the same emoji and number for both, readable without
    a shared language. A resident on the phone or by SMS has no picture: their own text
    (handlers/media/medium_texts.py) says that the helper shows one and the number, and the
    volunteer (``partner``: the resident) reads the word the resident got and its
    number."""
    code_line = t.format("🔐 <b>{code}</b>", code=code)
    symbol, _, digits = code.partition(" ")
    number = int(digits) if digits.isdigit() else digits
    if requester:
        advice = t.t(
            "Ask {name} for this code word at the door. Open only if it is right. The code "
            "word works in every language.",
            name=partner_name,
            number=number,  # said by the phone's and the SMS's texts
        )
        return code_line + "\n" + advice
    resident = reader_of(partner) if partner is not None else None
    if resident is not None and resident.medium in HEARD_CODE:
        name = DOOR_SYMBOLS.get(symbol)
        word = resident.t.gettext(name) if name else symbol
        advice = t.t(HEARD_CODE[resident.medium], name=partner_name, word=word, number=number)
        return code_line + "\n" + advice
    advice = t.t(
        "Show or say this code word at the door, so that {name} knows it is you.",
        name=partner_name,
    )
    return code_line + "\n" + advice


def reoffer_buttons(t: Translator, request_id: int) -> list[list[Button]]:
    return [[Button("📣 " + t._("Offer again"), f"mod:re:{request_id}")]]


def write_button(t: Translator, user_id: int) -> Button:
    """✉️ on a backchannel post about a volunteer: write to them (handlers/helping/letters)."""
    return Button("✉️ " + t._("Write"), f"wr:to:{user_id}")
