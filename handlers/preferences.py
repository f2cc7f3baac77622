"""The settings screen: language, translation of messages, read aloud (handlers/
read_aloud.py), easy language (handlers/easy_language.py), by call or by text for a phone
number's person (handlers/numbers/reach.py), a helper's number for calls (handlers/helping/
bridged_calls.py), a PIN for calls on the phone line (handlers/numbers/phone_pin.py), privacy
notice, own data.

Button data (``settings:…``, one callback: each button does what the command of the same
name does): ``language``, ``privacy``, ``mydata``, ``delete``. An unknown one is answered
with the settings screen again. ``tr:off`` / ``tr:on`` switch the translation of messages
from others off and on (the first is also on every translated relay message,
handlers/language_bridge.py); shown only when a translation engine runs. No states of its
own.
"""

from __future__ import annotations

from dataclasses import replace

from markupsafe import Markup

from handlers import easy_language, read_aloud, ui
from handlers.context import Context
from handlers.helping import bridged_calls
from handlers.messages import Button
from handlers.numbers import phone_pin, reach
from handlers.router import Router
from locales import N_, language_name


def _translation_rows(ctx: Context) -> tuple[list[Markup], list[list[Button]]]:
    """The translation line and button, if an engine runs."""
    if not ctx.settings.translation_rules.engine:
        return [], []
    t = ctx.t
    if ctx.user.translate_messages:
        return [t.t("🌐 Messages in other languages: translated")], [
            [Button("🔕 " + t._("Stop translating for me"), "tr:off")]
        ]
    return [t.t("🌐 Messages in other languages: as written")], [
        [Button("🌐 " + t._("Translate messages for me"), "tr:on")]
    ]


async def show_settings(ctx: Context) -> None:
    t = ctx.t
    lines, rows = _translation_rows(ctx)
    spoken_lines, spoken_rows = read_aloud.settings_rows(ctx)
    easy_lines, easy_rows = easy_language.settings_rows(ctx)
    reach_lines, reach_rows = reach.settings_rows(ctx)
    call_lines, call_rows = await bridged_calls.settings_rows(ctx)
    pin_lines, pin_rows = await phone_pin.settings_rows(ctx)
    ctx.reply(
        Markup("\n").join(
            [
                t.t("⚙️ <b>Settings</b>"),
                t.t("Language: {language}", language=language_name(t.lang)),
                *lines,
                *spoken_lines,
                *easy_lines,
                *reach_lines,
                *call_lines,
                *pin_lines,
            ]
        ),
        [
            [Button("🌐 " + t._("Change language"), "settings:language")],
            *rows,
            *spoken_rows,
            *easy_rows,
            *reach_rows,
            *call_rows,
            *pin_rows,
            [
                Button("🔒 " + t._("Privacy notice"), "settings:privacy"),
                Button("📄 " + t._("My data"), "settings:mydata"),
            ],
            [Button("🗑 " + t._("Delete my data"), "settings:delete")],
            *ui.back_to_menu(ctx),
        ],
    )


async def _translation_off(ctx: Context) -> None:
    await _set_translation(ctx, on=False)


async def _translation_on(ctx: Context) -> None:
    await _set_translation(ctx, on=True)


async def _set_translation(ctx: Context, *, on: bool) -> None:
    await ctx.db.users.set_translate_messages(ctx.user.id, on)
    ctx.user = replace(ctx.user, translate_messages=on)
    t = ctx.t
    if on:
        text = t.t("🌐 Done: messages in a language you may not read come translated.")
        button = Button("🔕 " + t._("Stop translating for me"), "tr:off")
    else:
        text = t.t("🔤 Done: messages come as they were written, without translation.")
        button = Button("🌐 " + t._("Translate messages for me"), "tr:on")
    ctx.reply(text, [[button], *ui.back_to_menu(ctx)])


def register(router: Router) -> None:
    router.menu_action("settings", shows_own=True)(show_settings)
    router.action("tr", "off")(_translation_off)
    router.action("tr", "on")(_translation_on)

    @router.command("settings", N_("Language and your data"))
    async def settings_command(ctx: Context) -> None:
        await show_settings(ctx)

    # Each settings button does what the command of the same name does.
    shortcuts = {"language", "privacy", "mydata", "delete"}

    @router.button("settings")
    async def settings_button(ctx: Context) -> None:
        if ctx.args not in shortcuts:
            ctx.send(ui.no_longer_valid(ctx))
            await show_settings(ctx)
            return
        await router.commands[ctx.args].callback(ctx)
