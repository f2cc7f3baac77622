"""First contact: greeting → language → read aloud offered, said aloud (where a voice
speaks the language, handlers/read_aloud.py) → privacy notice (said aloud when read aloud
was chosen) → main menu. Where consent is asked at the first step that keeps something
(handlers/first_kept.py: the phone, a person with nothing kept yet) the language is followed
by the main menu; the notice comes with that step, kept in its state as ``then``, and "I
agree" presses it again instead of showing the menu.

One step at a time: each step's message is the newest with buttons until it is answered,
so that a number typed (Matrix, console) presses a button of the message just read or
heard - never the notice's "No, thanks" for someone who heard the offer's "second button".

States (kept in the database so a restart continues where the user was):
``onboarding.language`` - waiting for a language; ``onboarding.read_aloud`` - waiting for
the answer to the read-aloud offer; ``onboarding.privacy`` - waiting for consent. Anything
else before consent shows the step again. A ``/start <payload>`` deep link is kept through
onboarding and opened afterwards.

Button data (all usable before consent): ``lang:<code>`` (one callback: the part after
``lang:`` is the language, not an action; any time, also from /language), ``consent:yes``
(any time) and ``consent:no`` (only while the notice is read, ``onboarding.privacy``; it
asks to confirm the deletion, handlers/privacy.py).

Who agrees: where a sender can be forged but a text to the number reaches its owner (a
``coded`` channel, handlers/channels.py: SMS), "I agree" for a person who has data
(db/users.py ``has_data``: a resident the desk entered, with a name and a request) is held
and a code texted to the number (handlers/numbers/coded_acts.py, held act :data:`AGREE`); only that
code agrees. A new texter, who has nothing here, agrees at once. On the phone line the
caller check (handlers/numbers/caller_check.py) checks such a caller before the notice.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handlers import first_kept, read_aloud, ui
from handlers.context import Context
from handlers.helping import code_texts, unfinished_request
from handlers.menu import show_main_menu
from handlers.messages import Command
from handlers.numbers import coded_acts
from handlers.privacy import READING_NOTICE, ask_consent, ask_to_delete
from handlers.router import ButtonSpec, Router
from handlers.updates import first_text
from locales import N_, language_name

CHOOSING_LANGUAGE = "onboarding.language"
HEARING_OFFER = "onboarding.read_aloud"
READING_PRIVACY = READING_NOTICE
# Agreeing for a person with data by a coded channel waits for the code
# (handlers/numbers/coded_acts.py).
AGREE = "consent"


async def _open_deep_link(ctx: Context, router: Router, payload: str) -> bool:
    """Whether the link opened what it names (router.DeepLink); a link of no known kind
    opens nothing."""
    prefix, _, rest = payload.partition("_")
    handler = router.deep_links.get(prefix)
    if handler is None or not rest:
        return False
    ctx.args = rest
    return await handler(ctx)


async def _menu_and_link(
    ctx: Context, router: Router, payload: str, *, greeting: bool, note: Markup | None = None
) -> None:
    """The main menu (``note`` on it first), then what the link opens (the place, the
    event: last, where it is read first); a link that opens nothing says so first ("Here
    is the main menu instead"), then the menu."""
    if not payload:
        await show_main_menu(ctx, greeting=greeting, note=note)
        return
    mark = len(ctx.out)
    if not await _open_deep_link(ctx, router, payload):
        ctx.reply(ctx.t.t(ui.LINK_NOT_VALID))
        await show_main_menu(ctx, greeting=greeting, note=note)
        return
    opened = ctx.out[mark:]
    del ctx.out[mark:]
    await show_main_menu(ctx, greeting=greeting, note=note)
    ctx.out.extend(opened)


async def _after_language(
    ctx: Context, data: dict[str, str], *, offer: bool, greeting: bool = False
) -> None:
    """Before consent, the language chosen: the read-aloud offer (if ``offer`` and a voice
    speaks the language), else the privacy notice; the offer's answer brings the notice
    (handlers/read_aloud.py). Where consent is asked at the first step that keeps something
    (handlers/first_kept.py: the phone), the main menu instead (``greeting``: a call's
    start, as a returning person's)."""
    if await first_kept.applies(ctx):
        ctx.clear_state()
        await show_main_menu(ctx, greeting=greeting)
        return
    if offer and read_aloud.offer(ctx):
        ctx.set_state(HEARING_OFFER, data)
        return
    ctx.set_state(READING_PRIVACY, data)
    ask_consent(ctx)


def register(router: Router) -> None:
    @router.command(
        "start", N_("Start and show the main menu"), before_consent=True, unchecked=True
    )
    async def start(ctx: Context) -> None:
        event = ctx.incoming.event
        payload = event.args.strip() if isinstance(event, Command) and event.name == "start" else ""
        if ctx.user.consent_at is not None:
            # A caller back after hanging up in a request: continue it, or start again.
            if not payload and await unfinished_request.offered(ctx):
                return
            await _menu_and_link(ctx, router, payload, greeting=True)
            return
        told, mark = first_text.note(ctx), len(ctx.out)
        previous = ctx.get_state()
        data = _kept_on(previous.data if previous else {}, payload, typed=told is not None)
        if ctx.user.language is None:
            ctx.set_state(CHOOSING_LANGUAGE, data)
            ctx.send(
                ui.language_question(
                    ctx.t.t(
                        "👋 <b>Hello!</b> I am the neighbourhood bot for {city}. I help you find "
                        "places to meet, get help from neighbours and help others.",
                        city=ctx.city,
                    )
                    + "\n\n"
                    + ctx.t.t("🌐 Please choose your language:"),
                    ctx.t.lang,
                    ctx.settings.languages,
                )
            )
        elif not await first_kept.asked_again(ctx):
            offered = previous is not None and previous.state == HEARING_OFFER
            await _after_language(ctx, data, offer=offered, greeting=True)
        first_text.say(ctx, told, mark)

    @router.command("language", N_("Change the language"), before_consent=True, unchecked=True)
    async def ask_language(ctx: Context) -> None:
        ctx.send(
            ui.language_question(
                ctx.t.t("🌐 Please choose your language:"),
                ctx.user.language,
                ctx.settings.languages,
            )
        )

    @router.button("lang", before_consent=True, unchecked=True)
    async def choose_language(ctx: Context) -> None:
        code = ctx.args
        # Only a language this city offers (an old button, or a forged one, may name another).
        if code not in ctx.settings.languages:
            ctx.send(ui.no_longer_valid(ctx))
            ctx.send(
                ui.language_question(
                    ctx.t.t("🌐 Please choose your language:"),
                    ctx.user.language,
                    ctx.settings.languages,
                )
            )
            return
        await ctx.use_language(code)
        ctx.reply(ctx.t.t("🌐 Language: {language}", language=language_name(code)), edit=True)
        if ctx.user.consent_at is None:
            previous = ctx.get_state()
            await _after_language(ctx, previous.data if previous else {}, offer=True)
        elif not read_aloud.offer(ctx):
            # Offered, the offer is the last message: its answer leads to the menu.
            await show_main_menu(ctx)

    @router.action("consent", "no", before_consent=True, states=(READING_PRIVACY,), unchecked=True)
    async def decline(ctx: Context) -> None:
        # Only while the notice is being read: "No, thanks" on an old onboarding message
        # of someone who agreed long ago is stale, not a one-tap deletion (that is /delete).
        if ctx.user.consent_at is not None:
            ctx.stale()
        # The same confirmation as /delete: one tap on an old message erases nothing.
        await ask_to_delete(ctx, edit=True)

    @router.action("consent", "yes", before_consent=True, unchecked=True)
    async def consent(ctx: Context) -> None:
        kept = _kept(ctx)
        if (
            ctx.user.consent_at is None
            and coded_acts.needed(ctx)
            and await ctx.db.users.has_data(ctx.user.id)
        ):
            # A person with data (a resident the desk entered) who never agreed, by a
            # channel whose sender can be forged: only the code texted to the number agrees
            # for her, as only it erases her (handlers/privacy.py).
            await coded_acts.hold(
                ctx, AGREE, kept, lambda t, code: t.t(code_texts.AGREE, code=code)
            )
            return
        await _agree(ctx, router, kept)

    async def agreed(ctx: Context, data: dict[str, Any]) -> None:
        await _agree(ctx, router, data)

    router.confirmed[AGREE] = agreed

    async def unagreed_press(ctx: Context, button: ButtonSpec) -> bool:
        return await first_kept.take_press(ctx, router, button)

    router.unagreed_press = unagreed_press


def _kept_on(before: dict[str, Any], payload: str, *, typed: bool) -> dict[str, str]:
    """The onboarding's state data at (re)start: the deep link opened now, else the one kept
    ``before``; the mark of a text that came now (``typed``: said not passed on and
    quoted back, handlers/updates/first_text.py) or before."""
    payload = payload or str(before.get("payload", ""))
    data = {"payload": payload} if payload else {}
    return first_text.marked(data, typed, before)


def _kept(ctx: Context) -> dict[str, Any]:
    """What the onboarding keeps to after "I agree" (the deep link, the mark of a text that
    came before, handlers/updates/first_text.py), also under an act held meanwhile."""
    state = ctx.get_state()
    if state is None:
        return {}
    data = state.data
    if state.state == coded_acts.STATE:
        data = (data.get("before") or {}).get("data") or {}
    return {key: data[key] for key in ("payload", first_text.TYPED) if key in data}


async def _agree(ctx: Context, router: Router, kept: dict[str, Any]) -> None:
    """Consent recorded, the thanks, the menu, and the deep link kept through onboarding
    (``kept``, :func:`_kept`); where the notice came for a choice that keeps something
    (handlers/first_kept.py), that choice instead of the menu. A text that came before
    consent is asked for again on the menu (handlers/updates/first_text.py)."""
    state = ctx.get_state()
    then = first_kept.then(state.data) if state and state.state == READING_PRIVACY else ""
    if ctx.user.consent_at is None:
        await ctx.db.users.record_consent(ctx.user.id)
        ctx.clear_state()
        ctx.user = await ctx.db.users.get(ctx.user.id) or ctx.user
    ctx.reply(
        ctx.t.t(
            "✅ Thank you, you agreed to the privacy notice. You can read it again "
            "at any time with /privacy."
        ),
        edit=True,
    )
    if then:
        # The caller goes on where they wanted to go, as it is now (checked again).
        await first_kept.go_on(ctx, router, then)
        return
    # No greeting again: the person was greeted at the start and has just been thanked (a
    # caller heard it said: one idea a message, and the menu a second sooner).
    note = first_text.reminder(ctx, kept)
    await _menu_and_link(ctx, router, str(kept.get("payload", "")), greeting=False, note=note)
