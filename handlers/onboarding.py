"""First contact: greeting → language → (read aloud offered, handlers/read_aloud.py) →
privacy notice → main menu.

States (kept in the database so a restart continues where the user was):
``onboarding.language`` - waiting for a language; ``onboarding.privacy`` - waiting for consent.
A ``/start <payload>`` deep link is kept through onboarding and opened afterwards.

Button data (all usable before consent): ``lang:<code>`` (one callback: the part after
``lang:`` is the language, not an action; any time, also from /language), ``consent:yes``
(any time) and ``consent:no`` (only while the notice is read, ``onboarding.privacy``; it
asks to confirm the deletion, handlers/privacy.py).
"""

from __future__ import annotations

from handlers import read_aloud, ui
from handlers.context import Context
from handlers.menu import show_main_menu
from handlers.messages import Command
from handlers.privacy import ask_to_delete, consent_buttons, privacy_notice
from handlers.router import Router
from locales import N_, language_name

CHOOSING_LANGUAGE = "onboarding.language"
READING_PRIVACY = "onboarding.privacy"


async def _open_deep_link(ctx: Context, router: Router, payload: str) -> None:
    prefix, _, rest = payload.partition("_")
    handler = router.deep_links.get(prefix)
    if handler is None or not rest:
        ctx.reply(ctx.t.t("🔗 This link is not valid (any more). Here is the main menu instead."))
        return
    ctx.args = rest
    await handler(ctx)


def register(router: Router) -> None:
    @router.command("start", N_("Start and show the main menu"), before_consent=True)
    async def start(ctx: Context) -> None:
        event = ctx.incoming.event
        payload = event.args.strip() if isinstance(event, Command) and event.name == "start" else ""
        if ctx.user.consent_at is not None:
            await show_main_menu(ctx, greeting=True)
            if payload:
                await _open_deep_link(ctx, router, payload)
            return
        previous = ctx.get_state()
        if not payload and previous is not None:
            payload = previous.data.get("payload", "")
        data = {"payload": payload} if payload else {}
        if ctx.user.language is None:
            ctx.set_state(CHOOSING_LANGUAGE, data)
            ctx.reply(
                ctx.t.t(
                    "👋 <b>Hello!</b> I am the neighbourhood bot for {city}. I help you find "
                    "places to meet, get help from neighbours and help others.",
                    city=ctx.city,
                )
                + "\n\n"
                + ctx.t.t("🌐 Please choose your language:"),
                ui.language_picker(ctx.t.lang, ctx.settings.languages),
            )
        else:
            ctx.set_state(READING_PRIVACY, data)
            ctx.reply(privacy_notice(ctx), consent_buttons(ctx))

    @router.command("language", N_("Change the language"), before_consent=True)
    async def ask_language(ctx: Context) -> None:
        ctx.reply(
            ctx.t.t("🌐 Please choose your language:"),
            ui.language_picker(ctx.user.language, ctx.settings.languages),
        )

    @router.button("lang", before_consent=True)
    async def choose_language(ctx: Context) -> None:
        code = ctx.args
        # Only a language this city offers (an old button, or a forged one, may name another).
        if code not in ctx.settings.languages:
            ctx.send(ui.no_longer_valid(ctx))
            ctx.reply(
                ctx.t.t("🌐 Please choose your language:"),
                ui.language_picker(ctx.user.language, ctx.settings.languages),
            )
            return
        await ctx.use_language(code)
        ctx.reply(ctx.t.t("🌐 Language: {language}", language=language_name(code)), edit=True)
        read_aloud.offer(ctx)
        if ctx.user.consent_at is None:
            previous = ctx.get_state()
            ctx.set_state(READING_PRIVACY, previous.data if previous else {})
            ctx.reply(privacy_notice(ctx), consent_buttons(ctx))
        else:
            await show_main_menu(ctx)

    @router.action("consent", "no", before_consent=True, states=(READING_PRIVACY,))
    async def decline(ctx: Context) -> None:
        # Only while the notice is being read: "No, thanks" on an old onboarding message
        # of someone who agreed long ago is stale, not a one-tap deletion (that is /delete).
        if ctx.user.consent_at is not None:
            ctx.stale()
        # The same confirmation as /delete: one tap on an old message erases nothing.
        await ask_to_delete(ctx, edit=True)

    @router.action("consent", "yes", before_consent=True)
    async def consent(ctx: Context) -> None:
        previous = ctx.get_state()
        payload = previous.data.get("payload", "") if previous else ""
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
        await show_main_menu(ctx, greeting=True)
        if payload:
            await _open_deep_link(ctx, router, payload)
