"""The privacy notice and a person's data rights: see everything (/mydata), erase it
(/delete, declining or withdrawing consent, inactivity), and the retention job.

What is stored, exported, erased and for how long is declared once, in
db/personal_data.py; this module only speaks to the person and runs that declaration:

- the notice names each purpose of the map in the words of handlers/privacy_purposes.py (a
  test checks they match);
- /mydata sends a summary in the person's language and the complete file (where the
  person cannot receive a file, ``HandlerSettings.channels``: the summary, and
  that the coordinators give the file - the desk's data export, the same document);
- erasure is one path (:func:`erase`): the person's content goes first, then what they
  had running ends through the request lifecycle (the closers features register), then the
  rest. Every way there asks first, except inactivity (nobody to ask). Where a sender can
  be forged but a text to the number reaches its owner (a ``coded`` channel,
  handlers/channels.py), "yes" sends a code to the number instead (:data:`CODE_MINUTES`;
  the transport's store keeps its hash, its tries and the codes of the day),
  and only that code, texted back from the number, erases (state :data:`ERASE_CODE`).
  For a person with nothing of theirs but a language and her consent (db/users.py
  ``has_data``, the rule the phone line's caller check follows too) there is nothing to
  protect: no code (a forged sender could otherwise make the city text codes at will);
  before consent the confirmation says so. A person with data (a resident the desk
  entered, who has a request and no consent yet) is asked and coded as one who agreed:
  declining the notice never erases more than a language unchecked.

Button data (``delete:…``, also before consent), each action its own callback: ``ask``
(show the confirmation, e.g. from the notice), ``yes`` (erase), ``no`` (keep: back to the
notice before consent, else the menu). ``privacy:details[:n]`` shows the full notice (to
a caller or a texter its part ``n``, :func:`details_message`; a caller's first part is what
is kept of a caller, :func:`caller_part`, the others the purposes of other roles). The
consent question is the onboarding's last step (:func:`ask_consent`, state
``onboarding.privacy``); "No, thanks" there (handlers/onboarding.py) leads to the same
confirmation.

The notice has a short form (``Message.brief``) for transports where every text costs: what
one must know and the address of the whole notice on the web (:data:`PAGE`, served by
bot/web/public/privacy_page.py from :func:`notice_lines` and :func:`purpose_texts`). Its
words are true on every platform: a person's phone number is their id by text message and on
the phone line, and never reaches a volunteer anywhere.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db import Database
from db.clock import to_text
from db.data_rights import retention_steps
from db.people_by_number import other_platforms
from db.personal_data import CALLERS, LABELS, PURPOSES
from db.users import User
from handlers import ui
from handlers.channels import CODE_DIGITS, ERASE, CodesPaused
from handlers.context import Backstage, Context
from handlers.helping.render import someone
from handlers.messages import Button, Document, Message, Text
from handlers.numbers.coded_acts import (
    WAITS,
    always_checked,
    issued,
    line,
    paused,
    tell_code_limits,
)
from handlers.parsing import typed
from handlers.privacy_purposes import CALLER_HEAD, CALLER_WORDS
from handlers.privacy_purposes import purpose_texts as purpose_texts
from handlers.reader import Medium
from handlers.router import Router
from handlers.settings import HandlerSettings
from locales import N_, TIMEZONE, Translator, language_name

log = logging.getLogger(__name__)

EXPORT_FORMAT = "nachbarbot-personal-data/1"


# -- the notice --------------------------------------------------------------------------


# The whole notice on the web (bot/web/public/privacy_page.py), ``?lang=`` the reader's.
PAGE = "/privacy"


def notice_lines(t: Translator, city: str, settings: HandlerSettings) -> list[Markup]:
    """The notice's lines: a short one each for what is kept, who sees it, translation
    (when an engine is configured) and the person's rights."""
    lines = [
        t.t("🔒 <b>Privacy notice</b>"),
        t.t(
            "📦 We keep your first name, your language and what you send. Volunteers never "
            "see your phone number."
        ),
        t.t(
            "👀 Coordinators in {city} read requests. A helper sees your request and first name.",
            city=city,
        ),
    ]
    return lines + _translated_and_rights(t, settings)


def _translated_and_rights(
    t: Translator, settings: HandlerSettings, *, by_name: bool = False
) -> list[Markup]:
    """The notice's lines on translation (when an engine is configured) and the person's
    rights: the same in the notice and its short form (``by_name``: the service by its
    name alone, :data:`SERVICE_NAMES`, where every character is paid for)."""
    lines = []
    if engine := settings.translation_rules.engine:
        service = (
            SERVICE_NAMES.get(engine, "") if by_name else t._(TRANSLATION_SERVICES.get(engine, ""))
        )
        lines.append(
            t.t(
                "🌐 If a reader may not read your language, {service} translates your text.",
                service=t.format(service),
            )
        )
    lines.append(t.t("🗑 /mydata shows everything, /delete erases it."))
    return lines


def privacy_notice(ctx: Context) -> Markup:
    """The notice for people who read little: what is kept how long, and everything else,
    is one tap away (*All details*)."""
    return Markup("\n").join(notice_lines(ctx.t, ctx.city, ctx.settings))


def notice_url(settings: HandlerSettings, lang: str, easy: bool = False) -> str:
    """The whole notice on the web in ``lang`` (easy language for an easy reader, as the
    map's link does, handlers/ui.py); "" when the web is off."""
    if not settings.web_url:
        return ""
    return f"{settings.web_url}{PAGE}?lang={lang}" + ("&easy=1" if easy else "")


def brief_notice(ctx: Context) -> Markup:
    """The notice's short form (``Message.brief``): who keeps what, who sees it, and the
    address of the whole notice. "Phone number or chat account": the person's id is one of
    them on every platform."""
    t = ctx.t
    lines = [
        t.t(
            "🔒 We keep your phone number or chat account, your language and what you send. "
            "Coordinators in {city} read requests. Volunteers never see your phone number.",
            city=ctx.city,
        )
    ]
    # The chat notice's promises, each in its own line (a test holds them alike): who sees
    # a request, the translation service, and the rights - for a texted reader in the
    # settings (handlers/media/medium_texts.py), the notice's parts on "All details".
    lines.append(t.t("👀 A helper sees your request and first name."))
    # The service by its name: the whole notice (and "All details") says whose it is.
    lines += _translated_and_rights(t, ctx.settings, by_name=True)
    if url := notice_url(ctx.settings, t.lang, ctx.reader.easy):
        lines.append(t.t("📋 All details: {url}", url=url))
    return Markup("\n").join(lines)


def notice_message(ctx: Context, buttons: list[list[Button]], *, edit: bool = False) -> Message:
    """The notice with its short form, under ``buttons``."""
    return Message(privacy_notice(ctx), buttons, edit=edit, brief=brief_notice(ctx))


# The services a configured engine sends texts to, as the notice names them.
TRANSLATION_SERVICES = {
    "libretranslate": N_("a translation server run by the operators of this bot (LibreTranslate)"),
    "deepl": N_("the translation service DeepL (DeepL SE, Cologne, Germany)"),
}
# ... and as the short form names them (a name, the same in every language).
SERVICE_NAMES = {"libretranslate": "LibreTranslate", "deepl": "DeepL"}


def translation_notice(t: Translator, settings: HandlerSettings) -> list[Markup]:
    """What is sent to the translation engine, if one is configured."""
    engine = settings.translation_rules.engine
    if not engine:
        return []
    return [
        t.t(
            "<b>Translation:</b> if the reader may not read your language, your text is "
            "translated by {service}. Phone numbers, e-mail addresses, links and numbers are "
            "removed first. Translation of messages to you can be switched off under /settings.",
            service=t.format(t._(TRANSLATION_SERVICES.get(engine, ""))),
        )
    ]


def notice_buttons(t: Translator) -> list[Button]:
    return [Button("📋 " + t._("All details"), "privacy:details")]


def consent_buttons(ctx: Context) -> list[list[Button]]:
    return [
        [
            Button("✅ " + ctx.t._("I agree"), "consent:yes"),
            Button("❌ " + ctx.t._("No, thanks"), "consent:no"),
        ],
        notice_buttons(ctx.t),
    ]


# The onboarding's last step: the notice is shown, its answer awaited (handlers/onboarding.py).
READING_NOTICE = "onboarding.privacy"


def ask_consent(ctx: Context) -> Message:
    """Before consent, once the language (and read aloud) is chosen: the notice to accept,
    as the newest message with buttons (what a typed number chooses from). What the
    onboarding keeps (a deep link) stays. The message, for a caller that has it said."""
    previous = ctx.get_state()
    ctx.set_state(READING_NOTICE, previous.data if previous else {})
    notice = notice_message(ctx, consent_buttons(ctx))
    ctx.send(notice)
    return notice


DETAILS_HEAD = N_("📋 <b>What we store, who sees it, how long</b>")


def _purpose_blocks(t: Translator, settings: HandlerSettings) -> list[Markup]:
    """Each purpose of the map, a block: its title, what, who sees it, how long."""
    texts = purpose_texts(t, settings.retention, settings.inactive_account_days)
    blocks = []
    for purpose in PURPOSES:
        title, what, seen_by, kept = texts[purpose.key]
        blocks.append(
            Markup("\n").join(
                [Markup("<b>{}</b>").format(title), what, "👁 " + seen_by, "⏳ " + kept]
            )
        )
    return blocks


def notice_details(t: Translator, settings: HandlerSettings) -> Markup:
    """The whole notice in one message, as a chat shows it."""
    blocks = [t.t(DETAILS_HEAD), *translation_notice(t, settings), *_purpose_blocks(t, settings)]
    return Markup("\n\n").join(blocks)


def detail_parts(
    t: Translator,
    settings: HandlerSettings,
    *,
    first: str = DETAILS_HEAD,
    keys: tuple[str, ...] = (),
) -> list[Markup]:
    """The whole notice in parts, for a reader who hears or texts it (one purpose a part,
    the translation service with its purpose): a caller follows one at a time, a text
    message holds one. Each begins with its number, so a listener knows how much is left.
    ``keys``: only these purposes' parts (all: none given), the first headed ``first``."""
    blocks = _purpose_blocks(t, settings)
    translation = Markup("\n").join(translation_notice(t, settings))
    if translation:
        at = [purpose.key for purpose in PURPOSES].index("translation")
        blocks[at] = Markup("\n").join([blocks[at], translation])
    if keys:
        blocks = [block for block, p in zip(blocks, PURPOSES, strict=True) if p.key in keys]
    parts = []
    for number, block in enumerate(blocks, start=1):
        head = t.t("📋 Part {n} of {count}.", n=number, count=len(blocks))
        if number == 1:
            head = Markup("\n").join([t.t(first), head])
        parts.append(Markup("\n").join([head, block]))
    return parts


# The caller's part's way on: the purposes of other people's roles (not ``CALLERS``).
THE_REST = N_("The rest, for volunteers and coordinators")
REST_HEAD = N_("📋 For volunteers and coordinators.")


def caller_part(t: Translator, settings: HandlerSettings, city: str) -> Markup:
    """Key 3 on the phone, first: what is kept of a caller (db/personal_data.py
    ``CALLERS``), who hears it, how long, and their rights - nothing of the chat, the
    desk or the roles (issue 80: the whole notice took 8-10 minutes, most about others)."""
    limits, inactive = settings.retention, settings.inactive_account_days
    lines = [t.t(CALLER_HEAD)]
    lines += [words(t, limits, inactive, city) for words in CALLER_WORDS.values()]
    return Markup("\n").join(lines + _translated_and_rights(t, settings))


def caller_parts(t: Translator, settings: HandlerSettings, city: str) -> list[Markup]:
    """What key 3 says to a caller: their part, then the parts of the purposes of others."""
    rest = tuple(purpose.key for purpose in PURPOSES if purpose.key not in CALLERS)
    return [caller_part(t, settings, city), *detail_parts(t, settings, first=REST_HEAD, keys=rest)]


def details_message(ctx: Context, number: int) -> tuple[Markup, list[list[Button]]]:
    """What "All details" answers: in a chat the whole notice; to a caller or a texter
    part ``number`` (from 1) of it, and under every part the answer to agree (before
    consent: a caller agrees from any part) and "Next" (the phone's 9, button role
    ``next``) but on the last."""
    t = ctx.t
    answer = consent_buttons(ctx)[:1] if ctx.user.consent_at is None else []
    if ctx.reader.medium == Medium.CHAT:
        return notice_details(t, ctx.settings), answer
    # A caller hears what is kept of them first, the rest on "The rest" (9).
    spoken = ctx.reader.medium == Medium.SPOKEN
    parts = caller_parts(t, ctx.settings, ctx.city) if spoken else detail_parts(t, ctx.settings)
    number = min(max(number, 1), len(parts))
    rows = list(answer)
    if number < len(parts):
        label = t._(THE_REST) if spoken and number == 1 else t._("Next")
        rows.append([Button("➡️ " + label, f"privacy:details:{number + 1}", role="next")])
    if ctx.user.consent_at is not None:
        rows += ui.back_to_menu(ctx)
    return parts[number - 1], rows


# -- /mydata -----------------------------------------------------------------------------

# The export's sections (db/personal_data.py) as the summary names them; a transport's own
# come with its declaration (:func:`section_labels`).
SECTION_LABELS = {
    "account": N_("👤 Your account"),
    "roles": N_("🏷 Your roles"),
    "on_duty": N_("🟢 Since when you are on duty"),
    "conversation": N_("💭 What you are doing now"),
    "conversation_marks": N_("💭 What the bot notes of your chat for a while"),
    "requests": N_("🤝 Your help requests"),
    "help_given": N_("🙋 Help you gave"),
    "requests_entered": N_("📝 Requests you entered for others"),
    "requests_decided": N_("⚖️ Requests you decided on"),
    "volunteer_profile": N_("🙋 Your volunteer profile"),
    "call_number": N_("📞 Your number for calls"),
    "volunteers_verified": N_("🎓 Volunteers you confirmed"),
    "offers_received": N_("📨 Requests offered to you"),
    "certificates": N_("📄 Your certificates"),
    "certificates_signed": N_("✍️ Certificates you signed"),
    "messages_written": N_("💬 Messages you wrote"),
    "messages_received": N_("💬 Messages you received"),
    "reports": N_("⚠️ Your reports"),
    "reports_handled": N_("⚠️ Reports you handled"),
    "feedback": N_("⭐ Your feedback"),
    "decisions": N_("📒 Your decisions"),
    "decisions_about_you": N_("📒 Decisions about you"),
    "events_followed": N_("📅 Events you are reminded of"),
    "reminders": N_("⏰ Your reminders"),
    "subscriptions": N_("🔔 Your subscriptions"),
    "messages_for_you": N_("📨 Messages for you"),
    "messages_about_you": N_("📤 Messages to others about you"),
    "spoken_texts": N_("🔊 Messages kept to read aloud to you"),
    "notices": N_("📣 Notices to the coordinators about you"),
    "updates_handled": N_("⚙️ Messages the bot answered"),
    "place_changes": N_("🏠 Places you changed"),
    "translations": N_("🌐 Translations of your texts"),
    "desk_logins": N_("🖥 Your login links to the web desk"),
    "desk_sessions": N_("🖥 Your sessions on the web desk"),
}


def section_labels() -> dict[str, str]:
    """Every export section's label: ours and those the transports declared."""
    return {**SECTION_LABELS, **LABELS}


# How many of the events or places a part of the data refers to the summary names.
SHOWN_NAMES = 3


def _what(t: Translator, row: dict[str, Any]) -> str:
    """What a row of the export is about, as the person knows it: an event's title and
    time, a place's or a district's name; "" for rows that are not about one."""
    if row.get("event"):
        if row.get("event_rrule") and not row.get("occurrence_local"):
            return str(row["event"])  # every time: not the day the series began
        when = row.get("occurrence_local") or row.get("event_starts") or ""
        try:
            at = datetime.fromisoformat(when).replace(tzinfo=TIMEZONE)  # Berlin's clock
        except ValueError:
            return str(row["event"])
        # Plain text: export_summary's list escapes and isolates it.
        return t._("{event}, {when}").format(event=row["event"], when=t.day_and_time(at))
    if row.get("place"):
        return str(row["place"])
    if row.get("kind") == "district":
        return str(row.get("target") or "")
    return ""


def export_summary(
    t: Translator, user: User, sections: dict[str, list], *, file_follows: bool = True
) -> Markup:
    """One line per part that holds something, in the reader's language; the last line
    points at the file below, or (``file_follows`` false: a platform that cannot receive
    one) says the coordinators give it."""
    since = datetime.fromisoformat(user.created_at)
    lines = [
        t.t("📄 <b>What we store about you</b>"),
        t.t(
            "You have used the bot since {date}. Language: {language}.",
            date=t.date(since),
            language=language_name(user.language or "de"),
        ),
        Markup(""),
    ]
    for name, rows in sections.items():
        if rows and name != "account":
            label = t._(section_labels()[name])
            line = t.format("{label}: {count}", label=label, count=len(rows))
            named = [what for row in rows if (what := _what(t, row))]
            if named:
                shown = t.list_of(dict.fromkeys(named[:SHOWN_NAMES]))
                line += Markup(" (") + shown + (" …" if len(named) > SHOWN_NAMES else "") + ")"
            lines.append(line)
    last = (
        t.t("The file below has all of it.")
        if file_follows
        else t.t("📄 The coordinators can give you all of it as a file. Just ask them.")
    )
    lines += [Markup(""), last]
    return Markup("\n").join(lines)


async def export_file(db: Database, person: User) -> tuple[dict[str, list], bytes]:
    """Everything stored about ``person``: the map's sections (for the summary) and the
    JSON file of them - the one document /mydata sends and the desk hands out
    (bot/web/desk/data_export.py)."""
    sections = await db.data_rights.export(person)
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sections": sections,
    }
    return sections, json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode()


async def _my_data(ctx: Context) -> None:
    sections, content = await export_file(ctx.db, ctx.user)
    # A call or a text message cannot carry a file: the summary alone, and who gives it.
    takes_files = ctx.settings.channels.files(ctx.incoming.sender.platform)
    ctx.reply(export_summary(ctx.t, ctx.user, sections, file_follows=takes_files))
    if takes_files:
        ctx.send(
            Document(
                filename="nachbarbot-my-data.json",
                content=content,
                caption=ctx.t.t("📄 This is everything we store about you."),
                mime_type="application/json",
            )
        )


# -- erasure -----------------------------------------------------------------------------

Closer = Callable[[Context | Backstage, User, str], Awaitable[None]]


async def erase(scene: Context | Backstage, router: Router, person: User, why: str) -> None:
    """The one way a person's data goes (``why``: "deleted", "consent" or "inactive")."""

    async def close() -> None:
        for closer in router.closers:
            await closer(scene, person, why)

    await scene.db.data_rights.erase(person, close)
    await scene.db.requests.audit(None, f"user.erased.{why}", "user:erased")
    if scene.db.erasure_ledger is not None:
        # Also where a restore does not undo it (db/erasure_ledger.py): ``db restore``
        # erases the person again. A number's person on each platform the number reaches.
        accounts = [
            (platform, person.platform_user_id)
            for platform in (person.platform, *other_platforms(person.platform))
        ]
        try:
            await scene.db.erasure_ledger.record(datetime.now(UTC), why, accounts)
        except Exception as exc:
            raise ErasureListFailed(type(exc).__name__) from exc
    if isinstance(scene, Context) and person.id == scene.user.id:
        scene.user_erased = True


async def erase_inactive(
    db: Database,
    settings: HandlerSettings,
    router: Router,
    seen_before: datetime,
    *,
    unagreed: bool = False,
) -> tuple[int, int]:
    """Accounts silent since ``seen_before`` go the same way as with /delete, each in its
    own transaction: (erased, failed). One that fails is logged by number and the next
    goes on. With ``unagreed``: only people who never agreed and have nothing of their
    own beyond a language (db/users.py ``has_data``) - a caller who heard places and hung
    up, since the phone asks for consent only where something is kept
    (handlers/first_kept.py); what is not agreed to is not kept for a year."""
    erased = failed = 0
    found = db.users.unagreed if unagreed else db.users.inactive
    for user in await found(seen_before):
        try:
            async with db.transaction():
                if unagreed and await db.users.has_data(user.id):
                    continue
                await erase(Backstage(db, settings), router, user, "inactive")
            erased += 1
        except Exception as exc:
            failed += 1
            log.error("retention: erasing inactive user %d failed: %s", user.id, type(exc).__name__)
    return erased, failed


async def apply_retention(
    db: Database, settings: HandlerSettings, router: Router, now: datetime
) -> dict[str, int | None]:
    """Every retention step on its own: rows changed per step, None for a step that failed
    (logged; the others still run). Steps are idempotent."""
    report: dict[str, int | None] = {}
    seen_before = now - timedelta(days=settings.inactive_account_days)
    erased, failed = await erase_inactive(db, settings, router, seen_before)
    report["inactive_accounts"] = None if failed else erased
    # Never agreed, nothing of their own: forgotten when their unfinished step would be.
    unseen = now - timedelta(days=settings.retention.conversation_days)
    erased, failed = await erase_inactive(db, settings, router, unseen, unagreed=True)
    report["unagreed_accounts"] = None if failed else erased
    for step in retention_steps():
        try:
            report[step.name] = await db.data_rights.retain(step, settings.retention, now)
        except Exception as exc:
            report[step.name] = None
            log.error("retention step %s failed: %s", step.name, type(exc).__name__)
    if db.erasure_ledger is not None:
        # No backup is older than privacy.backup_days: no restore needs an older entry.
        try:
            before = (now - timedelta(days=settings.retention.backup_days)).date()
            report["erasure_list"] = await db.erasure_ledger.prune(before)
        except Exception as exc:
            report["erasure_list"] = None
            log.error("retention: pruning the erasure list failed: %s", type(exc).__name__)
    try:
        await db.checkpoint()
    except Exception as exc:
        log.error("retention: the WAL checkpoint failed: %s", type(exc).__name__)
    return report


async def _keeps_more(ctx: Context) -> bool:
    """Whether the person has more to lose than a language: they agreed to the notice, or
    they have data (db/users.py ``has_data``: a resident the desk entered has, unasked)."""
    return ctx.user.consent_at is not None or await ctx.db.users.has_data(ctx.user.id)


def _confirmation(ctx: Context, keeps_more: bool) -> tuple[Markup, list[list[Button]]]:
    t = ctx.t
    text = t.t(
        "🗑 <b>Delete all your data?</b>\nThis cannot be undone. Your requests are withdrawn, "
        "a running contact ends, and the bot forgets you."
    )
    if not keeps_more:
        text = t.t(
            "Without your agreement the bot cannot help you.\n🗑 <b>Delete what we stored?</b> "
            "So far that is only your language and whether the bot reads aloud to you."
        )
    return text, [
        [
            Button("🗑 " + t._("Yes, delete everything"), "delete:yes"),
            Button("↩️ " + t._("No, keep it"), "delete:no"),
        ]
    ]


async def ask_to_delete(ctx: Context, *, edit: bool = False) -> None:
    text, buttons = _confirmation(ctx, await _keeps_more(ctx))
    ctx.reply(text, buttons, edit=edit)


# The code that erases by SMS: texted to the number, valid this long, in this state.
CODE_MINUTES = 15
ERASE_CODE = "privacy.erase_code"
DELETED = N_("✅ All your data has been deleted. If you write again, you start from the beginning.")
# Channel-neutral (a caller, a texter read it too): no command to send.
NOT_DELETED = N_(
    "😔 Your data could not be deleted just now: it is all still stored. The coordinators "
    "have been told and will take care of it."
)
# What the coordinators are told, with why (the person's words are never in it).
ERASURE_FAILED = N_(
    "⚠️ {name} asked to delete all their data, but it could not be erased: {reason}. "
    "Nothing was deleted. Please have the server checked (python -m bot doctor), then "
    "erase the account or ask them to send /delete again."
)
LIST_FAILED = N_("the list of erased accounts could not be written")
ERASE_FAILED = N_("the database refused the erasure")


class ErasureListFailed(RuntimeError):
    """The list of erased accounts (db/erasure_ledger.py) could not be written."""


async def erase_or_tell(ctx: Context, router: Router, why: str) -> bool:
    """:func:`erase` of the person writing, all or nothing: where it fails, nothing of it
    stays (its savepoint rolls back), the coordinators are told with the reason and the
    person that their data is still stored. Whether it was erased."""
    try:
        async with ctx.db.transaction():
            await erase(ctx, router, ctx.user, why)
    except Exception as exc:
        # Logged by kind and account number only: no content in the logs.
        log.exception("erasure of user %s failed (%s)", ctx.user.id, type(exc).__name__)
        reason = LIST_FAILED if isinstance(exc, ErasureListFailed) else ERASE_FAILED
        person = ctx.user

        def compose(t: Translator) -> Message:
            return Message(t.t(ERASURE_FAILED, name=someone(t, person), reason=t.t(reason)))

        await ctx.mail.to_backchannel(compose, about=(person.id,))
        ctx.reply(ctx.t.t(NOT_DELETED), ui.back_to_menu(ctx))
        return False
    return True


async def send_erase_code(ctx: Context) -> None:
    """Instead of erasing: a code to the number, which only its owner reads."""
    code = await issued(ctx, ERASE, timedelta(minutes=CODE_MINUTES))
    t = ctx.t
    if code is None:
        ctx.clear_state()
        return
    # Held as an act is (coded_acts.gate): until the code lapses nothing else from the
    # number drops it - a forged text could otherwise keep her from ever erasing - and no
    # "No" choice, which a forged "1" would press.
    until = datetime.now(UTC) + timedelta(minutes=CODE_MINUTES)
    ctx.set_state(ERASE_CODE, {"until": until.isoformat(), WAITS: True})
    ctx.reply(
        t.tn(
            "🗑 To delete all your data, reply {code} within {n} minute. If you did not ask "
            "for this, do nothing.",
            "🗑 To delete all your data, reply {code} within {n} minutes. If you did not ask "
            "for this, do nothing.",
            CODE_MINUTES,
            code=code,
        ),
        edit=True,
    )


async def _erase_by_code(ctx: Context, router: Router) -> None:
    """The state :data:`ERASE_CODE`: the code erases; another number is a wrong try;
    anything else, once the code lapsed (coded_acts.gate answers it before), keeps the
    data."""
    event = ctx.incoming.event
    code = typed(event.text).strip() if isinstance(event, Text) else ""
    t = ctx.t
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        ctx.clear_state()
        ctx.reply(t.t("👍 Nothing was deleted."), ui.back_to_menu(ctx))
        return
    try:
        found = await line(ctx).check_code(
            ctx.incoming.chat_id,
            ERASE,
            code,
            to_text(datetime.now(UTC)),
            always=await always_checked(ctx),
        )
    except CodesPaused:
        await paused(ctx, [])  # still asked: the code after the pause erases
        return
    if not found:
        await tell_code_limits(ctx)
    if found:
        if await erase_or_tell(ctx, router, "deleted"):
            ctx.reply(t.t(DELETED))
    elif found is False:
        ctx.reply(t.t("❌ That is not the code. Please try again."))
    else:
        ctx.clear_state()
        ctx.reply(
            t.t(
                "⌛ The code is no longer valid. Nothing was deleted. Send /delete to start again."
            ),
            ui.back_to_menu(ctx),
        )


def register(router: Router) -> None:
    @router.command("privacy", N_("Read the privacy notice"), before_consent=True, unchecked=True)
    async def show_notice(ctx: Context) -> None:
        rows = [notice_buttons(ctx.t)]
        if ctx.user.consent_at is not None:
            rows.append([Button("🗑 " + ctx.t._("Withdraw consent and delete"), "delete:ask")])
        ctx.send(notice_message(ctx, rows + ui.back_to_menu(ctx)))

    @router.action("privacy", "details", before_consent=True, unchecked=True)
    async def show_details(ctx: Context) -> None:
        # Read before agreeing, the whole notice comes with the answer: it is the newest
        # message then, and a caller, who has no older message to press, agrees right here.
        # A part's number, bounded by the parts there are (a forged one says the first).
        given = ctx.args
        number = int(given) if given.isascii() and given.isdigit() and len(given) <= 3 else 1
        ctx.reply(*details_message(ctx, number))

    @router.command("mydata", N_("Download everything stored about you"))
    async def my_data(ctx: Context) -> None:
        await _my_data(ctx)

    @router.command("delete", N_("Delete all your data"), before_consent=True)
    async def ask_delete(ctx: Context) -> None:
        await ask_to_delete(ctx)

    @router.action("delete", "ask", before_consent=True)
    async def ask_delete_button(ctx: Context) -> None:
        await ask_to_delete(ctx)

    @router.action("delete", "yes", before_consent=True, unchecked=True)
    async def confirm_delete(ctx: Context) -> None:
        keeps_more = await _keeps_more(ctx)
        # A code only where there is something to protect (db/users.py ``has_data``): a
        # person with nothing but her consent and language loses nothing a forger could
        # want, and a code to her number would be a text he makes the city pay for.
        if (
            keeps_more
            and ctx.settings.channels.coded(ctx.incoming.sender.platform)
            and await ctx.db.users.has_data(ctx.user.id)
        ):
            await send_erase_code(ctx)
            return
        if await erase_or_tell(ctx, router, "deleted" if keeps_more else "consent"):
            ctx.reply(ctx.t.t(DELETED), edit=True)

    # Before consent too: a person with data who never agreed is erased by the code alone.
    @router.state(ERASE_CODE, before_consent=True)
    async def erase_code(ctx: Context) -> None:
        await _erase_by_code(ctx, router)

    @router.action("delete", "no", before_consent=True, unchecked=True)
    async def keep_data(ctx: Context) -> None:
        state = ctx.get_state()
        if state is not None and state.state == ERASE_CODE:
            ctx.clear_state()
        if ctx.user.consent_at is None:
            # Declined the notice, then kept the data: the notice again, to agree after all.
            ctx.send(notice_message(ctx, consent_buttons(ctx), edit=True))
            return
        ctx.reply(ctx.t.t("👍 Nothing was deleted."), ui.back_to_menu(ctx), edit=True)
