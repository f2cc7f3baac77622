"""Easy language: the bot writes to a person in short, simple sentences (German: Leichte
Sprache), where the language's easy catalog has a variant of a message (locales
``easy.po``; the reader's translator takes it, handlers/reader.py). Chosen in /settings,
and offered right after someone turned read aloud on (handlers/read_aloud.py): people who
hear the bot often read little. In the onboarding the offer is a step of its own (one
message with buttons); in /settings a button under read aloud's answer.

Button data: ``easy:on`` easy language, ``easy:off`` as usual (in /settings and on the
offer); ``easy:no`` declines the offer. Usable before consent: offered during the
onboarding, where the answer brings the privacy notice (handlers/privacy.py), said at once
to someone who hears on a tap (a 🔊 works only once the notice is accepted). No states.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from handlers import ui
from handlers.context import Context
from handlers.easy_offer import PREFIX, choice_button
from handlers.messages import Button
from handlers.privacy import ask_consent
from handlers.reader import reader_of
from handlers.router import Router


def settings_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The settings line and the button for the other choice."""
    on = ctx.user.easy_language
    line = ctx.t.t("🟢 Easy language: on") if on else ctx.t.t("📝 Easy language: off")
    return [line], [[choice_button(ctx.t, not on)]]


async def _set(ctx: Context, on: bool) -> None:
    await ctx.db.users.set_easy_language(ctx.user.id, on)
    ctx.user = replace(ctx.user, easy_language=on)
    # From this answer on, in the register just chosen.
    ctx.t = reader_of(ctx.user, on=ctx.incoming.sender.platform).t
    t = ctx.t
    if on:
        text = t.t("🟢 Done: I write to you in easy language.")
    else:
        text = t.t("📝 Done: I write to you as usual.")
    await _answered(ctx, text, [[choice_button(t, not on)]])


async def _answered(ctx: Context, text: Markup, buttons: list[list[Button]]) -> None:
    if ctx.user.consent_at is not None:
        ctx.reply(text, [*buttons, *ui.back_to_menu(ctx)], edit=True)
        return
    ctx.reply(text, edit=True)
    # Still in onboarding: the privacy notice comes next, heard as read aloud was chosen.
    notice = ask_consent(ctx)
    # Imported here, not at the top: read_aloud imports the helping package, which imports
    # the places' short lists, which import read_aloud - a module that imports this one
    # first would find read_aloud half made.
    from handlers import read_aloud

    read_aloud.say_now(ctx, notice)


async def _on(ctx: Context) -> None:
    await _set(ctx, True)


async def _off(ctx: Context) -> None:
    await _set(ctx, False)


async def _declined(ctx: Context) -> None:
    await _answered(ctx, ctx.t.t("📝 All right: as usual. /settings can change it later."), [])


def register(router: Router) -> None:
    # Easy language concerns only this call: a call that has not proven its number may.
    router.unchecked_prefix(PREFIX)
    router.action(PREFIX, "on", before_consent=True)(_on)
    router.action(PREFIX, "off", before_consent=True)(_off)
    router.action(PREFIX, "no", before_consent=True)(_declined)
